"""KPI engine: business calendars, indicators and goals (docs/indicators.md)."""

"""KPI engine: business calendars, indicators and goals (DESIGN §6, §7)."""

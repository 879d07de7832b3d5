"""kpimon: a service-desk KPI monitoring daemon (see README.md and DESIGN.md)."""

__version__ = "0.1.0"

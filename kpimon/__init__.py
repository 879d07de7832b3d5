"""kpimon: a service-desk KPI monitoring daemon (see README.md and docs/)."""

__version__ = "0.1.0"

"""Tests of the KPI engine (kpimon.kpi)."""

"""Periods moved to `kpimon.periods` (below both the sources and the KPI engine).

Kept as a re-export while branches written against the old place are merged; new code imports
`kpimon.periods`.
"""

from kpimon.periods import (
    Period,
    containing,
    date_range,
    month,
    parse_period,
    quarter,
    week,
    year,
)

__all__ = ["Period", "containing", "date_range", "month", "parse_period", "quarter", "week",
           "year"]

"""Fixtures shared with the report tests: a collected board year with its control plan."""

from tests.report.fixture import board_year

__all__ = ["board_year"]

"""The report tests' fixtures (defined in fixture.py, shared with tests/cli)."""

from tests.report.fixture import AT, Year, board_year

__all__ = ["AT", "Year", "board_year"]

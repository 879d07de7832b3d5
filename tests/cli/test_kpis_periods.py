"""`kpimon kpis` periods (DESIGN §7, §9): a `--from/--to` range, an ISO week, the default (the
month that contains `--at`, in the configured time zone, up to `--at`), and bad usage as exit
code 2 with a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.golden import Kpimon, cli_process, golden_cli


@pytest.fixture
def kpis(golden_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Kpimon:
    return golden_cli(golden_dir, db_url, monkeypatch, capsys)


def _ind(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["id"] == ident)


def test_from_to_range(kpis: Kpimon) -> None:
    data = kpis("kpis", "--from", "2020-01-01", "--to", "2020-06-30",
                "--at", "2021-03-01T00:00:00", "--format", "json").json()
    assert data["period"] == {"start": "2020-01-01T00:00:00+01:00",
                              "end": "2020-07-01T00:00:00+02:00",
                              "label": "2020-01-01..2020-06-30"}
    # Created in the first half: G01-G06, G08, G20. Within 30 min (24x7): G01 (20 min), G06
    # (20 min over the spring change), G08 (no response: resolved after 20 min), G20 (10 min).
    resp = _ind(data, "resp_30m")
    assert (resp["numerator"], resp["denominator"]) == (4, 8)
    table = kpis("kpis", "--from", "2020-01-01", "--to", "2020-06-30",
                 "--at", "2021-03-01T00:00:00")
    assert table.out.startswith("Period 2020-01-01..2020-06-30 per 2021-03-01 00:00")


def test_iso_week(kpis: Kpimon) -> None:
    data = kpis("kpis", "--period", "2020-W10", "--at", "2021-03-01T00:00:00",
                "--format", "json").json()
    assert data["period"] == {"start": "2020-03-02T00:00:00+01:00",
                              "end": "2020-03-09T00:00:00+01:00", "label": "2020-W10"}
    # Monday 2 to Sunday 8 March: G01 (met), G02 (45 min), G03 (Friday 16:30 to Monday).
    resp = _ind(data, "resp_30m")
    assert (resp["numerator"], resp["denominator"]) == (1, 3)
    assert resp["breakdown"]["org"]["Laxå"]["status"] == "no_value"
    office = _ind(data, "resp_8h_office")  # G03 is 10 office minutes
    assert (office["numerator"], office["denominator"]) == (3, 3)


@pytest.mark.parametrize("at, label", [
    ("2020-03-15T12:00:00", "2020-03"),
    ("2020-03-31T23:59:59", "2020-03"),
    ("2020-04-01T00:30:00", "2020-04"),         # local time (CEST): already April
    ("2020-03-31T23:30:00+00:00", "2020-04"),   # 01:30 on 1 April in Stockholm
    ("2020-12-31T23:00:00Z", "2021-01"),        # midnight in Stockholm: the new year
    ("2020-12-31T22:59:59Z", "2020-12"),
])
def test_default_period_is_the_month_containing_at(kpis: Kpimon, at: str, label: str) -> None:
    data = kpis("kpis", "--at", at, "--format", "json").json()
    assert data["period"]["label"] == label


def test_default_period_is_up_to_at(kpis: Kpimon) -> None:
    # At 09:20 on 2 March G01 had its answer (20 min) and G02 (created 09:00) was 20 minutes
    # old, not yet late: pending, left out. Nothing later exists yet.
    data = kpis("kpis", "--at", "2020-03-02T09:20:00", "--format", "json").json()
    assert data["period"]["label"] == "2020-03"
    assert data["evaluated_at"] == "2020-03-02T09:20:00+01:00"
    resp = _ind(data, "resp_30m")
    assert (resp["value"], resp["numerator"], resp["denominator"]) == (1.0, 1, 1)


@pytest.mark.parametrize("args, message", [
    (["--period", "2020-13"], "is not a period"),
    (["--period", "2020-W54"], "is not a period"),
    (["--period", "last month"], "is not a period"),
    (["--period", "2020", "--from", "2020-01-01", "--to", "2020-01-31"], "not both"),
    (["--from", "2020-01-01"], "--from and --to go together"),
    (["--from", "2020-06-30", "--to", "2020-01-01"], "before"),
    # (cli.py does not name the option or the date here: "day is out of range for month")
    (["--from", "2020-02-30", "--to", "2020-03-01"], "out of range"),
    (["--at", "yesterday"], "--at"),
    (["--format", "xml"], "invalid choice"),
])
def test_bad_usage_is_exit_2_with_a_message(golden_dir: Path, tmp_path: Path,
                                            args: list[str], message: str) -> None:
    # A real process, for the real exit code; no collection is needed to refuse.
    got = cli_process(golden_dir, f"sqlite:///{tmp_path}/kpimon.db", "kpis", *args)
    assert got.code == 2, got.err
    assert message in got.err
    assert got.out == ""

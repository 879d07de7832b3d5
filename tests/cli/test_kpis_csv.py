"""`kpimon kpis --format csv`: `;`-separated, one row per indicator and per breakdown key, with
the same figures as the JSON (unformatted numbers; empty where there is none)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from tests.web.golden import Kpimon, golden_cases, golden_cli

HEADER = ["period", "indicator", "dimension", "key", "value", "numerator", "denominator",
          "unknown", "target", "status", "previous"]


@pytest.fixture
def kpis(golden_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Kpimon:
    return golden_cli(golden_dir, db_url, monkeypatch, capsys)


def _same(cell: str, value: float | None) -> bool:
    if value is None:
        return cell == ""
    return cell != "" and math.isclose(float(cell), value, rel_tol=1e-12)


def test_csv_has_every_indicator_and_key(kpis: Kpimon, golden_dir: Path) -> None:
    for case in golden_cases(golden_dir):
        args = ["kpis", "--period", case["period"], "--at", case["at"]]
        data = kpis(*args, "--format", "json").json()
        got = kpis(*args, "--format", "csv")
        assert got.code == 0, got.err
        reader = csv.reader(io.StringIO(got.out), delimiter=";", strict=True)
        header, *rows = list(reader)
        assert header == HEADER
        assert all(len(r) == len(HEADER) for r in rows)
        table = {(r[1], r[2], r[3]): dict(zip(HEADER, r, strict=True)) for r in rows}
        expected_keys = {(i["id"], "", "") for i in data["indicators"]} | {
            (i["id"], dim, key) for i in data["indicators"]
            for dim, keys in i["breakdown"].items() for key in keys}
        assert set(table) == expected_keys and len(rows) == len(expected_keys)
        for ind in data["indicators"]:
            row = table[(ind["id"], "", "")]
            assert row["period"] == case["period"]
            assert row["status"] == ind["status"]
            assert row["target"] == (ind["target"] or "")
            for key in ("value", "numerator", "denominator", "previous"):
                assert _same(row[key], ind[key]), (case["period"], ind["id"], key, row[key])
            assert row["unknown"] == ("" if ind["unknown"] is None else str(ind["unknown"]))
            for dim, keys in ind["breakdown"].items():
                for key, fig in keys.items():
                    row = table[(ind["id"], dim, key)]
                    assert row["status"] == fig["status"]
                    for k in ("value", "numerator", "denominator"):
                        assert _same(row[k], fig[k]), (ind["id"], dim, key, k)

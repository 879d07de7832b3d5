"""`kpimon kpis --format csv`: UTF-8 with a byte-order mark (Excel reads Laxå right), `;`-
separated, one row per indicator and per breakdown key with its name and unit, the same figures
as the JSON (whole numbers as integers, others unformatted; empty where there is none), and
`--decimal comma` for Swedish spreadsheets."""

from __future__ import annotations

import csv
import io
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.golden import REPO, Kpimon, golden_cases, golden_cli, golden_env

HEADER = ["period", "indicator", "name", "unit", "dimension", "key", "value", "numerator",
          "denominator", "unknown", "target", "status", "previous"]


@pytest.fixture
def kpis(golden_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Kpimon:
    return golden_cli(golden_dir, db_url, monkeypatch, capsys)


def _same(cell: str, value: float | None, decimal: str = ".") -> bool:
    if value is None:
        return cell == ""
    if float(value).is_integer():
        return cell == str(int(value))  # a whole number is written as one: 12, not 12.0
    return cell != "" and math.isclose(float(cell.replace(decimal, ".")), value,
                                       rel_tol=1e-12)


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # the byte-order mark
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";", strict=True))


def test_csv_has_every_indicator_and_key(kpis: Kpimon, golden_dir: Path) -> None:
    for case in golden_cases(golden_dir):
        args = ["kpis", "--period", case["period"], "--at", case["at"]]
        data = kpis(*args, "--format", "json").json()
        got = kpis(*args, "--format", "csv")
        assert got.code == 0, got.err
        header, *rows = _rows(got.out)
        assert header == HEADER
        assert all(len(r) == len(HEADER) for r in rows)
        table = {(r[1], r[4], r[5]): dict(zip(HEADER, r, strict=True)) for r in rows}
        expected_keys = {(i["id"], "", "") for i in data["indicators"]} | {
            (i["id"], dim, key) for i in data["indicators"]
            for dim, keys in i["breakdown"].items() for key in keys}
        assert set(table) == expected_keys and len(rows) == len(expected_keys)
        for ind in data["indicators"]:
            row = table[(ind["id"], "", "")]
            assert (row["name"], row["unit"]) == (ind["name"], ind["unit"])
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


def test_decimal_comma_and_bytes(kpis: Kpimon, golden_dir: Path) -> None:
    case = golden_cases(golden_dir)[0]
    args = ["kpis", "--period", case["period"], "--at", case["at"]]
    data = {i["id"]: i for i in kpis(*args, "--format", "json").json()["indicators"]}
    point = _rows(kpis(*args, "--format", "csv").out)
    comma = _rows(kpis(*args, "--format", "csv", "--decimal", "comma").out)
    assert len(point) == len(comma)
    fractions = 0
    for p, c in zip(point[1:], comma[1:], strict=True):
        row = dict(zip(HEADER, c, strict=True))
        for key in ("value", "numerator", "denominator", "previous"):
            if "." in p[HEADER.index(key)]:
                fractions += 1
                assert c[HEADER.index(key)] == p[HEADER.index(key)].replace(".", ",")
        if not row["dimension"]:
            assert _same(row["value"], data[row["indicator"]]["value"], decimal=",")
    assert fractions > 0  # the case has shares, so the comma was put to use


def test_utf8_with_bom_whatever_the_locale(kpis: Kpimon, golden_dir: Path,
                                           db_url: str) -> None:
    """Bytes, not text: under LANG=C the file is still UTF-8 with its BOM."""
    case = golden_cases(golden_dir)[0]
    env = {**os.environ, **golden_env(golden_dir, db_url), "PYTHONPATH": str(REPO),
           "LC_ALL": "C", "LANG": "C"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run([sys.executable, "-m", "kpimon", "--config",
                           str(golden_dir / "kpimon.toml"), "kpis", "--period", case["period"],
                           "--at", case["at"], "--format", "csv"], env=env,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"\xef\xbb\xbf")
    assert "Laxå" in done.stdout.decode("utf-8")

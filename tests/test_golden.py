"""Acceptance: kpimon agrees with ../shared/golden/ (DESIGN §3, §6, §7) on SQLite and
PostgreSQL, through the command line exactly as a user runs it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from kpimon.cli import main


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


@pytest.fixture
def golden_run(golden_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("GOLDEN_DIR", str(golden_dir))
    monkeypatch.setenv("GOLDEN_DB", db_url)
    cfg = str(golden_dir / "kpimon.toml")
    assert main(["--config", cfg, "collect"]) == 0
    capsys.readouterr()

    def kpis(period: str, at: str) -> dict[str, Any]:
        assert main(["--config", cfg, "kpis", "--period", period, "--at", at,
                     "--format", "json"]) == 0
        return json.loads(capsys.readouterr().out)

    return kpis


def test_golden_cases(golden_run, golden_dir: Path) -> None:
    expected = json.loads((golden_dir / "expected.json").read_text())
    problems = []
    for case in expected["cases"]:
        got = golden_run(case["period"], case["at"])
        by_id = {i["id"]: i for i in got["indicators"]}
        where = f"{case['period']} at {case['at']}"
        for ident, exp in case["indicators"].items():
            ind = by_id[ident]
            for key in ("value", "numerator", "denominator"):
                if not _close(ind[key], exp[key]):
                    problems.append(f"{where} {ident}.{key}: got {ind[key]}, want {exp[key]}")
            if ind["status"] != exp["status"]:
                problems.append(f"{where} {ident}.status: got {ind['status']}, "
                                f"want {exp['status']}")
            if "unknown" in exp and ind["unknown"] != exp["unknown"]:
                problems.append(f"{where} {ident}.unknown: got {ind['unknown']}, "
                                f"want {exp['unknown']}")
            for dim, keys in exp.get("breakdown", {}).items():
                for k, fig in keys.items():
                    g = ind["breakdown"][dim][k]
                    for key in ("value", "numerator", "denominator", "status"):
                        ok = g[key] == fig[key] if key == "status" else _close(g[key], fig[key])
                        if not ok:
                            problems.append(f"{where} {ident}.{dim}.{k}.{key}: got {g[key]}, "
                                            f"want {fig[key]}")
        goals = {g["id"]: g["status"] for g in got["goals"]}
        for gid, status in case["goals"].items():
            if goals[gid] != status:
                problems.append(f"{where} goal {gid}: got {goals[gid]}, want {status}")
    assert not problems, "\n".join(problems)


def test_response_within_alone(golden_dir: Path, db_url: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """resp_30m from a config that holds only that indicator (no goals, no calendars)."""
    text = (golden_dir / "kpimon.toml").read_text(encoding="utf-8")
    head = text.split("[[indicators]]")[0]
    head = head.split("[calendars.office]")[0] + "[[sources]]" + head.split("[[sources]]")[1]
    resp = "[[indicators]]" + text.split("[[indicators]]")[1]
    cfg = tmp_path / "resp_only.toml"
    cfg.write_text(head + resp, encoding="utf-8")
    monkeypatch.setenv("GOLDEN_DIR", str(golden_dir))
    monkeypatch.setenv("GOLDEN_DB", db_url)
    assert main(["--config", str(cfg), "collect"]) == 0
    capsys.readouterr()
    expected = json.loads((golden_dir / "expected.json").read_text())
    for case in expected["cases"]:
        assert main(["--config", str(cfg), "kpis", "--period", case["period"], "--at",
                     case["at"], "--format", "json"]) == 0
        got = json.loads(capsys.readouterr().out)
        assert [i["id"] for i in got["indicators"]] == ["resp_30m"]
        ind, exp = got["indicators"][0], case["indicators"]["resp_30m"]
        for key in ("value", "numerator", "denominator"):
            assert _close(ind[key], exp[key]), (case["period"], key)
        for org, fig in exp["breakdown"]["org"].items():
            for key in ("value", "numerator", "denominator"):
                assert _close(ind["breakdown"]["org"][org][key], fig[key]), (org, key)

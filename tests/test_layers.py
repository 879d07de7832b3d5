"""Imports flow one way: `cli/daemon → alerts, web, report → kpi → store → records`, and
`sources → records`. Checked on the source text, so an arrow back up the layers (such as a
source reading periods from the KPI engine) fails here rather than in review."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kpimon"
UPPER = ("kpimon.cli", "kpimon.daemon", "kpimon.app")


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_sources_do_not_import_the_layers_above() -> None:
    above = ("kpimon.kpi", "kpimon.store", "kpimon.web", "kpimon.report", "kpimon.alerts",
             *UPPER)
    bad = {f"{p.relative_to(PACKAGE)}: {name}" for p in _modules("sources")
           for name in _imports(p) if _under(name, above)}
    assert not bad, sorted(bad)


def test_lower_modules_stay_below() -> None:
    """periods, records, timeutil, durations and config import nothing above them."""
    above = ("kpimon.kpi", "kpimon.store", "kpimon.sources", "kpimon.web", "kpimon.report",
             *UPPER)
    files = [PACKAGE / f"{m}.py" for m in ("periods", "records", "timeutil", "durations")]
    files += _modules("config")
    bad = {f"{p.relative_to(PACKAGE)}: {name}" for p in files for name in _imports(p)
           if _under(name, above)}
    assert not bad, sorted(bad)


def test_nothing_imports_the_command_line_or_the_daemon() -> None:
    bad = {f"{p.relative_to(PACKAGE)}: {name}" for p in PACKAGE.rglob("*.py")
           if p.name != "__main__.py" and p.stem not in ("cli", "daemon")
           for name in _imports(p) if _under(name, ("kpimon.cli", "kpimon.daemon"))}
    assert not bad, sorted(bad)

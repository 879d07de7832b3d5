"""The page, the explain pages and the report read through the engine and the store's APIs:
no SQL and no table imports in `web/`, `report/` or `present/`; the formatter and its catalog
(`i18n/`) sit below everything and import nothing of kpimon."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "kpimon"


def _imports(package: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names |= {f"{node.module}.{a.name}" for a in node.names}
        out[str(path.relative_to(ROOT))] = names
    return out


def test_outputs_use_no_sql() -> None:
    for package in ("web", "report", "present"):
        for module, names in _imports(package).items():
            bad = {n for n in names if n.startswith("sqlalchemy") or
                   n.startswith("kpimon.store.tables")}
            assert not bad, (module, bad)


def test_i18n_is_a_leaf() -> None:
    for module, names in _imports("i18n").items():
        assert not {n for n in names if n.startswith("kpimon.") and
                    not n.startswith("kpimon.i18n")}, module

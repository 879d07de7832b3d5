"""The repository's own documentation is self-sufficient: docs/configuration.md names every key
the configuration accepts, the README points to it, operations.md lists rejects without SQL,
and nothing a user reads cites a design document they do not have."""

from __future__ import annotations

import re
from pathlib import Path

from kpimon.config import FILTER_KEYS, SOURCE_KEYS, TICKET_FIELDS, controls, loader, sources
from kpimon.config import alerts as alerts_mod
from kpimon.config import indicators as ind_mod

REPO = Path(__file__).resolve().parents[1]
REFERENCE = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")


def _documented(key: str) -> bool:
    """As a key (`key`, `key = …`), a section (`[key]`, `[key.NAME]`, `[[key]]`) or a map
    (`key.priority`)."""
    k = re.escape(key)
    return re.search(rf"`(\[\[?)?{k}(\]\]?`|`| = |\.)", REFERENCE) is not None


def test_every_key_is_in_the_reference() -> None:
    keys: set[str] = set(loader._TOP_KEYS) | {"listen", "web_config"}
    keys |= {"hours", "holidays", "de_facto", "closed", "short", "timezone", "day_length"}
    keys |= {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    keys |= sources._COMMON_SOURCE_KEYS | {k for ks in SOURCE_KEYS.values() for k in ks}
    keys |= set(TICKET_FIELDS) | {"kind", "priority", "status", "resolved_by_line", "org",
                                  "support_group", "category"}  # value maps
    keys |= {"client", "active", "obsolete", "decommissioned", "type"}  # device_filter
    keys |= set(ind_mod._INDICATOR_KEYS) | set(FILTER_KEYS) | {"id", "name", "indicators"}
    keys |= set(controls._KEYS) | {"minor", "major"}
    missing = sorted(k for k in keys if not _documented(k))
    assert not missing, f"docs/configuration.md does not mention: {missing}"
    for kind in SOURCE_KEYS:
        assert f"`{kind}`" in REFERENCE, kind


def test_every_alerts_key_is_in_the_reference() -> None:
    keys = set(alerts_mod._ALERTS_KEYS) | alerts_mod._SMTP_KEYS | alerts_mod._ROUTE_KEYS
    keys |= alerts_mod._RECEIVER_KEYS | alerts_mod._COMMON_RULE_KEYS
    keys |= {k for ks in alerts_mod._RULE_KEYS.values() for k in ks}
    keys |= {"source_match", "source_match_re", "target_match", "target_match_re", "equal"}
    missing = sorted(k for k in keys if not _documented(k) and f"[[alerts.{k}]]" not in REFERENCE)
    assert not missing, f"docs/configuration.md does not mention: {missing}"
    for kind in alerts_mod._RULE_KEYS:
        assert f"`{kind}`" in REFERENCE, kind


def test_the_readme_points_to_the_reference() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "[docs/configuration.md](docs/configuration.md)" in readme
    assert "configuration.md" in (REPO / "config" / "demo" / "kpimon.toml").read_text("utf-8")


def test_operations_lists_rejects_without_sql() -> None:
    ops = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "kpimon-admin rejects" in ops
    assert "FROM rejects" not in ops and "SELECT" not in ops.split("## 9.", 1)[1]


def test_nothing_a_user_reads_cites_the_design_document() -> None:
    read = [REPO / "README.md", REPO / "Makefile", REPO / "pyproject.toml"]
    read += sorted((REPO / "docs").rglob("*.md"))
    read += sorted(p for p in (REPO / "config").rglob("*") if p.is_file())
    read += sorted(p for p in (REPO / "deploy").rglob("*") if p.is_file())
    read += sorted((REPO / "kpimon" / "schemas").glob("*.json"))
    # The code's comments and docstrings too: a sysadmin reading them has only the repository.
    read += sorted((REPO / "kpimon").rglob("*.py")) + sorted((REPO / "bench").rglob("*.py"))
    read += sorted((REPO / "kpimon").rglob("*.html")) + sorted((REPO / "kpimon").rglob("*.txt"))
    cited = [str(p.relative_to(REPO)) for p in read
             if re.search(r"DESIGN|\.\./shared", p.read_text(encoding="utf-8"))]
    assert cited == []

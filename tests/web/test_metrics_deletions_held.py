"""`kpimon_source_deletions_held`: how many tickets the last full resync of an `efecte_rest`
source would have marked deleted but held back (0 after one that was let through), read from
the store — so a restart keeps it."""

from __future__ import annotations

from datetime import UTC, datetime

from kpimon.config import parse_config
from kpimon.daemon import Daemon
from kpimon.store import save_state
from tests.web.golden import exposition_of, parse_exposition, sample


def _config(db_url: str) -> dict[str, object]:
    rest = {"name": "efecte", "kind": "efecte_rest", "every": "5m",
            "url": "https://efecte.example/rest-api/itsm/v1", "templates": ["incident"],
            "fields": {"id": "id", "created": "c", "status": "s", "priority": "p",
                       "updated": "u"},
            "values": {"priority": {"1": "acute"}, "status": {"n": "new"}}}
    return {"database": db_url, "sources": [rest, {**rest, "name": "other"}]}


def test_held_deletions_are_exported_per_source(db_url: str) -> None:
    config = parse_config(_config(db_url))
    daemon = Daemon(config, env={})
    try:
        daemon.app.store.upgrade()
        with daemon.app.store.engine.begin() as conn:
            save_state(conn, "efecte", {"held_deletions": "295"})
            save_state(conn, "other", {"held_deletions": "0"})
        series = parse_exposition(exposition_of(
            daemon._snapshot({}, datetime.now(UTC), ready=True)))
    finally:
        daemon.app.store.close()
    assert sample(series, "kpimon_source_deletions_held", source="efecte") == 295
    assert sample(series, "kpimon_source_deletions_held", source="other") == 0

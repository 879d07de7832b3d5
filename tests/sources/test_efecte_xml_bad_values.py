"""efecte_xml: dates outside the years 1970–9998 are rejects naming the entity and field, the
other entities go in; a file in an encoding Python does not know (`encoding="UTF8X"`) is a
reject naming the file, recorded once, and the files after it are read — through the real
collector and store, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kpimon.collector import Collector
from kpimon.store import Store
from kpimon.store import tables as t
from tests.sources.efecte_server import xml_config, xml_document, xml_entity


def _export(path: Path, body: bytes, age: float) -> None:
    path.write_bytes(body)
    then = time.time() - age
    os.utime(path, (then, then))


def test_bad_dates_and_an_unknown_encoding(tmp_path: Path, db_url: str) -> None:
    _export(tmp_path / "a.xml", xml_document(
        xml_entity(1), xml_entity(2, created="01.01.0001 00:00"),
        xml_entity(3, solved="31.12.9999 23:59"), xml_entity(4, created="0001-01-01 00:00"),
        xml_entity(5)), 300)
    _export(tmp_path / "b.xml", xml_document(xml_entity(6)).replace(b"UTF-8", b"UTF8X"), 200)
    _export(tmp_path / "c.xml", xml_document(xml_entity(7)), 100)
    store = Store.open(db_url)
    store.upgrade()
    collector = Collector(store, ZoneInfo("Europe/Stockholm"))
    outcome = collector.collect(xml_config(path=str(tmp_path / "*.xml"), settle=0))
    with store.engine.connect() as conn:
        ids = sorted(r.id for r in conn.execute(select(t.tickets)))
        rejects = [(r.location.rsplit("/", 1)[-1], r.field, r.reason)
                   for r in conn.execute(select(t.rejects).order_by(t.rejects.c.id))]
    assert ids == ["INC-1", "INC-5", "INC-7"]
    assert rejects[:3] == [("a.xml entity 2", "created", "not a date and time"),
                           ("a.xml entity 3", "resolved", "not a date and time"),
                           ("a.xml entity 4", "created", "not a date and time")]
    assert rejects[3][0] == "b.xml" and "UTF8X" in rejects[3][2]
    assert len(rejects) == 4 and outcome.ok
    again = collector.collect(xml_config(path=str(tmp_path / "*.xml"), settle=0))
    assert again.ok and again.batches == 0  # the unreadable file is not read every cycle

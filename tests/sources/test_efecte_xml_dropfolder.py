"""efecte_xml from a drop folder: settle, identity, archive, hostile files, big files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kpimon.records import Device, Reject, Ticket
from kpimon.sources.base import SourceError
from kpimon.sources.efecte_xml import EfecteXmlSource
from tests.sources.efecte_server import (
    BOMB,
    context,
    run,
    xml_config,
    xml_document,
    xml_entity,
)


class Clock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def export(folder: Path, name: str, body: bytes, age: float = 3600) -> Path:
    path = folder / name
    path.write_bytes(body)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_settled_export_is_one_batch_then_archived(tmp_path: Path) -> None:
    drop, archive = tmp_path / "drop", tmp_path / "archive"
    drop.mkdir()
    path = export(drop, "efecte-2020-03.xml", xml_document(xml_entity(1), xml_entity(2)))
    config = xml_config(path=str(drop / "*.xml"), after="archive", archive=str(archive))
    adapter = EfecteXmlSource(config)
    imported: set[str] = set()
    ctx = context(config, is_imported=lambda key: key in imported)
    [(batch, items)] = run(adapter, ctx)
    assert batch.label == str(path)
    size, mtime = path.stat().st_size, path.stat().st_mtime_ns
    assert batch.file_key and batch.file_key.startswith(f"efecte-2020-03.xml|{size}|{mtime}|")
    assert sorted(t.id for t in items if isinstance(t, Ticket)) == ["INC-1", "INC-2"]
    assert path.exists()  # nothing moves before the store has committed
    assert batch.on_commit is not None
    batch.on_commit()
    assert not path.exists() and (archive / "efecte-2020-03.xml").exists()

    # The same export dropped again (same name, size, mtime and content) is not re-read.
    imported.add(batch.file_key)
    mtime = (archive / path.name).stat().st_mtime_ns
    again = export(drop, path.name, xml_document(xml_entity(1), xml_entity(2)))
    os.utime(again, ns=(mtime, mtime))
    assert run(adapter, context(config, is_imported=lambda key: key in imported)) == []


def test_changed_content_is_a_new_file(tmp_path: Path) -> None:
    path = export(tmp_path, "a.xml", xml_document(xml_entity(1)))
    config = xml_config(path=str(tmp_path / "*.xml"))
    adapter = EfecteXmlSource(config)
    [(first, _)] = run(adapter, context(config))
    mtime = path.stat().st_mtime_ns
    path.write_bytes(xml_document(xml_entity(2)))  # same size, other content
    os.utime(path, ns=(mtime, mtime))
    [(second, items)] = run(adapter, context(config, is_imported=lambda k: k == first.file_key))
    assert second.file_key != first.file_key and [t.id for t in items] == ["INC-2"]
    assert first.on_commit is not None
    first.on_commit()  # after = keep: the file stays
    assert path.exists()


def test_unsettled_file_waits_for_the_next_cycle_or_for_settle(tmp_path: Path) -> None:
    export(tmp_path, "fresh.xml", xml_document(xml_entity(1)), age=0)
    config = xml_config(path=str(tmp_path / "*.xml"), settle=10)
    clock = Clock()
    adapter = EfecteXmlSource(config, clock=clock, sleep=clock.sleep)
    assert run(adapter, context(config)) == []  # the daemon: leave it for a later cycle
    assert clock.slept == []

    [(batch, items)] = run(adapter, context(config, wait_for_settle=True))  # one-shot collect
    assert [t.id for t in items] == ["INC-1"]
    assert 9 <= sum(clock.slept) <= 12 and max(clock.slept) <= 1.0


def test_hostile_file_is_one_reject_recorded_once(tmp_path: Path) -> None:
    export(tmp_path, "bomb.xml", BOMB)
    export(tmp_path, "broken.xml", b"<entityset><entity id='1'>", age=1800)
    config = xml_config(path=str(tmp_path / "*.xml"), after="archive", archive="seen")
    batches = run(EfecteXmlSource(config), context(config))
    assert [Path(b.label).name for b, _ in batches] == ["bomb.xml", "broken.xml"]
    for batch, items in batches:
        [reject] = items
        assert isinstance(reject, Reject) and batch.file_key
        assert batch.on_commit is not None
        batch.on_commit()  # archived like any imported file, for a look
    assert "refused" in batches[0][1][0].reason
    assert "not well-formed" in batches[1][1][0].reason
    assert sorted(p.name for p in (tmp_path / "seen").iterdir()) == ["bomb.xml", "broken.xml"]


def test_error_export_is_a_reject_with_the_code(tmp_path: Path) -> None:
    export(tmp_path, "err.xml", b"<error><code>42</code><description>No access</description>"
                                b"</error>")
    config = xml_config(path=str(tmp_path / "*.xml"))
    [(_, [reject])] = run(EfecteXmlSource(config), context(config))
    assert "42" in reject.reason and "No access" in reject.reason


def test_explicit_files_are_read_as_given(tmp_path: Path) -> None:
    path = export(tmp_path, "backfill.txt", xml_document(xml_entity(9)), age=0)
    config = xml_config(path=str(tmp_path / "*.xml"))
    ctx = context(config, files=[path], is_imported=lambda key: True)
    [(batch, items)] = run(EfecteXmlSource(config), ctx)
    assert [t.id for t in items] == ["INC-9"] and batch.file_key
    assert batch.on_commit is not None
    batch.on_commit()  # a file named by hand is never moved or deleted
    assert path.exists()


def test_imported_file_left_by_a_stop_is_archived_now(tmp_path: Path) -> None:
    path = export(tmp_path, "a.xml", xml_document(xml_entity(1)))
    config = xml_config(path=str(tmp_path / "*.xml"), after="archive", archive="done")
    adapter = EfecteXmlSource(config)
    [(batch, _)] = run(adapter, context(config))
    # The process stopped after the commit, before on_commit: the next cycle finishes it.
    assert run(adapter, context(config, is_imported=lambda k: k == batch.file_key)) == []
    assert not path.exists() and (tmp_path / "done" / "a.xml").exists()
    assert run(adapter, context(config)) == []  # the archive folder is not read


def test_file_changed_after_reading_stays(tmp_path: Path) -> None:
    path = export(tmp_path, "a.xml", xml_document(xml_entity(1)))
    config = xml_config(path=str(tmp_path / "*.xml"), after="delete")
    [(batch, _)] = run(EfecteXmlSource(config), context(config))
    path.write_bytes(xml_document(xml_entity(1), xml_entity(2)))
    assert batch.on_commit is not None
    batch.on_commit()
    assert path.exists()  # the new version is taken on the next cycle


def test_a_drop_folder_that_cannot_be_made_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "nowhere").write_text("a file where the folder should be")
    config = xml_config(path=str(tmp_path / "nowhere" / "xml" / "*.xml"))
    with pytest.raises(SourceError, match="does not exist and cannot be created"):
        run(EfecteXmlSource(config), context(config))


def test_big_export_streams(tmp_path: Path) -> None:
    n = 5_000
    export(tmp_path, "big.xml", xml_document(*(xml_entity(i) for i in range(n))))
    config = xml_config(path=str(tmp_path / "*.xml"))
    [(batch, items)] = run(EfecteXmlSource(config), context(config))
    assert not isinstance(batch.items, list)  # a generator: the store consumes it in chunks
    assert len(items) == n and all(isinstance(t, Ticket) for t in items)


def test_device_export_is_a_snapshot(tmp_path: Path) -> None:
    export(tmp_path, "cmdb.xml", xml_document(
        '<entity id="1" name="ASK-PC001"/>', '<entity id="2" name="HAL-PC002"/>'))
    config = xml_config(path=str(tmp_path / "*.xml"), devices=True, fields={}, values={})
    ctx = context(config)
    [(batch, items)] = run(EfecteXmlSource(config), ctx)
    assert batch.snapshot is True
    assert items == [Device("efecte-xml", "ASK-PC001", ctx.now, {}),
                     Device("efecte-xml", "HAL-PC002", ctx.now, {})]

"""ticket_csv drop folder `after`: a file is kept (the default), moved to the archive folder,
or deleted once its batch is committed; a file named to `kpimon import` stays where it is —
on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.ticket_csv_files import (
    collect,
    config,
    csv_text,
    open_store,
    row,
    stored_tickets,
    write,
)


@pytest.mark.parametrize("after", ["keep", "archive", "delete"])
def test_after_import(tmp_path: Path, db_url: str, after: str) -> None:
    drop = tmp_path / "drop"
    path = write(drop / "export.csv", csv_text([row("A1")]))
    archive = tmp_path / "archive"
    store = open_store(db_url)
    collect(store, config(drop, after=after, archive=str(archive)))
    assert "A1" in stored_tickets(store)
    assert path.exists() == (after == "keep")
    assert (archive / "export.csv").exists() == (after == "archive")


def test_import_never_moves_the_named_file(tmp_path: Path, db_url: str) -> None:
    path = write(tmp_path / "backfill" / "old-export.csv", csv_text([row("A1")]))
    store = open_store(db_url)
    outcome = collect(store, config(tmp_path / "drop", after="delete"), files=[path])
    assert outcome.counts.inserted == 1
    assert path.exists()

"""ACE: a missing required column rejects the whole file, once, and leaves it in place."""

from __future__ import annotations

from pathlib import Path

from kpimon.records import Reject
from tests.sources.ace_helpers import collect, drop
from tests.sources.phone_helpers import Runner


def test_missing_received_rejects_the_whole_file(tmp_path: Path) -> None:
    runner = Runner()
    path = drop(tmp_path, "ace_sv_missing_received.csv")
    (batch,) = collect(tmp_path, runner, after="delete")
    (reject,) = batch.items
    assert isinstance(reject, Reject)
    assert (reject.where, reject.row, reject.field) == (str(path), None, "received")
    assert "Mottagna kontakter" in reject.reason and "Received contacts" in reject.reason
    assert batch.file_key is not None  # marked imported: not retried until it changes
    assert path.exists()  # left for someone to look at, even with after = delete

    assert collect(tmp_path, runner, after="delete") == []

    # Fixed by the sender: a new version is read.
    path.write_text("Kö;Intervall;Mottagna kontakter;Etablerade kontakter\n"
                    "Servicedesk;2020-03-02 08:00;10;9\n", encoding="utf-8")
    (fixed,) = collect(tmp_path, runner, after="delete")
    assert not any(isinstance(i, Reject) for i in fixed.items)
    assert not path.exists()


def test_a_file_without_any_known_header_names_what_it_found(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "x.csv").write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    (batch,) = collect(tmp_path, runner)
    (reject,) = batch.items
    assert isinstance(reject, Reject)
    assert reject.field == "interval"
    assert "'a', 'b', 'c'" in reject.reason


def test_an_empty_file_is_rejected(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "x.csv").write_bytes(b"")
    (batch,) = collect(tmp_path, runner)
    (reject,) = batch.items
    assert isinstance(reject, Reject) and reject.row is None

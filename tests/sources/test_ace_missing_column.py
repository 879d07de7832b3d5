"""ACE: a file without the required columns (or any header) fails as a whole: nothing of it is
stored, it is not marked imported but remembered as failed, stays in place, and is read again
once it changes."""

from __future__ import annotations

from pathlib import Path

from kpimon.records import Reject
from tests.sources.ace_helpers import collect, drop
from tests.sources.phone_helpers import Runner


def test_missing_received_fails_the_whole_file(tmp_path: Path) -> None:
    runner = Runner()
    path = drop(tmp_path, "ace_sv_missing_received.csv")
    (batch,) = collect(tmp_path, runner, after="delete")
    assert batch.items == [] and batch.file_key not in runner.imported
    [message] = runner.failed.values()
    assert message.startswith(f"{path}: required column missing: ")
    assert "Mottagna kontakter" in message and "Received contacts" in message
    assert path.exists()  # left for someone to look at, even with after = delete

    assert collect(tmp_path, runner, after="delete") == []  # not retried unchanged

    # Fixed by the sender: a new version is read.
    path.write_text("Kö;Intervall;Mottagna kontakter;Etablerade kontakter\n"
                    "Servicedesk;2020-03-02 08:00;10;9\n", encoding="utf-8")
    (fixed,) = collect(tmp_path, runner, after="delete")
    assert fixed.items and not any(isinstance(i, Reject) for i in fixed.items)
    assert not path.exists()


def test_a_file_without_any_known_header_names_what_it_found(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "x.csv").write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    (batch,) = collect(tmp_path, runner)
    [message] = runner.failed.values()
    assert "'a', 'b', 'c'" in message


def test_an_empty_file_fails(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "x.csv").write_bytes(b"")
    (batch,) = collect(tmp_path, runner)
    [message] = runner.failed.values()
    assert "header" in message

"""`kpimon import [--force] SOURCE FILE`: a file is read once (again only with --force); a file
whose header does not fit fails as a whole with exit 1, is not marked imported, is refused while
the configuration stays the same, and is read once the mapping is fixed; a file that fits
neither the ticket nor the status-history layout is never taken for a history file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import FIELDS, HEADER, Board, T, ticket_source

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    return b


def _file(board: Board, name: str, header: list[str], rows: list[T]) -> Path:
    path = board.tmp / "elsewhere" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(header)] + [";".join(t.row()) for t in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def test_a_file_is_read_once_unless_forced(board: Board) -> None:
    path = _file(board, "backfill.csv", list(HEADER), [T("A1", "2020-03-02 08:00"),
                                                       T("A2", "2020-03-02 09:00")])
    out = board.ok("import", "export", str(path))
    assert out.startswith(f"{path}: 2 rows: inserted 2, updated 0, unchanged 0, rejected 0")
    again = board.ok("import", "export", str(path))
    assert again.strip() == (f"{path}: already imported (this very file); nothing to do — "
                             "`kpimon import --force` reads it again")
    forced = board.ok("import", "--force", "export", str(path))
    assert forced.startswith(f"{path}: 2 rows: inserted 0, updated 0, unchanged 2")


def test_a_header_that_does_not_fit_fails_until_the_mapping_is_fixed(board: Board) -> None:
    header = ["Ärende", *HEADER[1:]]  # the id column under another name
    path = _file(board, "other.csv", header, [T("B1", "2020-03-02 08:00")])
    rc, out, err = board.run("import", "export", str(path))
    assert rc == 1 and out == ""
    assert f"kpimon: import failed: {path}: the header lacks Ärende-ID; it has: Ärende, Typ, " \
           "Prioritet" in err
    assert "map them with `fields` in the source's configuration (a status history file has " \
           "4 columns" in err  # the source reads history files too: neither layout fits
    # nothing was imported, so no collection of the source completed: no value yet
    assert board.kpis("--period", "2020-03")["indicators"][0]["denominator"] is None

    rc, _out, err = board.run("import", "export", str(path))
    assert rc == 1 and f"{path} failed before with this configuration: " in err
    assert "or read it again with `kpimon import --force`" in err
    rc, _out, err = board.run("import", "--force", "export", str(path))
    assert rc == 1 and "the header lacks Ärende-ID" in err  # read again, fails again

    # The mapping is fixed: the same file now goes in without --force.
    fields = FIELDS.replace('id = "Ärende-ID"', 'id = "Ärende"')
    board.configure(INDICATORS, sources=ticket_source(board.tmp, fields=fields))
    out = board.ok("import", "export", str(path))
    assert out.startswith(f"{path}: 1 rows: inserted 1")


def test_history_by_its_header_only(board: Board) -> None:
    history = _file(board, "status.csv", ["Ärende-ID", "Ändrad", "Från", "Till"], [])
    history.write_text("Ärende-ID;Ändrad;Från;Till\nA1;2020-03-02 08:00;;01 - Ny\n",
                       encoding="utf-8")
    assert board.ok("import", "export", str(history)).startswith(
        f"{history}: 1 rows: inserted 1")
    # Thirteen columns lacking one ticket column: not a history file, but a file error.
    lacking = _file(board, "lacking.csv", [h for h in HEADER if h != "Prioritet"],
                    [T("C1", "2020-03-02 08:00")])
    rc, _out, err = board.run("import", "export", str(lacking))
    assert rc == 1 and "the header lacks Prioritet" in err

    assert board.kpis("--period", "2020-03")["indicators"][0]["denominator"] == 0

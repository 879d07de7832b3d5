"""Fuzzing ticket_csv: ticket exports and status history files built from good values, the
seeds of issue 19 and arbitrary text (and, besides, arbitrary bytes) give records the store
can take and rejects, or a file error naming the file — never an unhandled exception."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpimon.sources.ticket_csv import TicketCsvSource
from tests.sources.fuzz_inputs import cell, collected, drop_folder
from tests.sources.ticket_csv_files import HEADER, VALUES, config, csv_text, row

GOOD = [v for m in VALUES.values() for v in m] + ["2020-03-02 08:00", "02.03.2020 08:41", "1",
                                                    "A1", "Servicedesk"]
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = __import__("pytest").mark.fuzz

rows = st.lists(st.lists(cell(GOOD), min_size=0, max_size=len(HEADER) + 2), max_size=6)


def _tickets(body: bytes) -> None:
    with drop_folder({"export.csv": body}) as folder:
        collected(TicketCsvSource, config(folder))


def _history(body: bytes) -> None:
    with drop_folder({"status.csv": body}) as folder:
        (folder / "tickets").mkdir()
        collected(TicketCsvSource, config(folder / "tickets",
                                          status_changes=str(folder / "status.csv")))


@FUZZ
@given(rows=rows, delimiter=st.sampled_from([";", ",", "\t"]),
       encoding=st.sampled_from(["utf-8-sig", "utf-8", "cp1252", "utf-16"]))
@example(rows=[row("B1", created="0001-01-01 00:00"), row("B2", line="1" * 4301),
               row("B3", updated="9999-12-31 23:59-01:00"), row("B4", line="9" * 20)],
         delimiter=";", encoding="utf-8-sig")
def test_ticket_exports(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    text = csv_text(rows, delimiter=delimiter)
    _tickets(text.encode(encoding, "replace"))


@FUZZ
@given(rows=st.lists(st.lists(cell(GOOD), max_size=5), max_size=6))
@example(rows=[["G1", "1.1.0001 0:00", "", "01 - Ny"], ["G1", "9999-12-31 23:59-01:00", "",
                                                        "01 - Ny"]])
def test_history_files(rows: list[list[str]]) -> None:
    _history(csv_text(rows, header=["Ärende-ID", "Ändrad", "Från", "Till"]).encode())


@FUZZ
@given(body=st.binary(max_size=400))
@example(body=b"\xff\xfe\x00\x00")
@example(body=b'"' * 3 + b"\x00;\r\r\n")
def test_arbitrary_bytes(body: bytes) -> None:
    _tickets(";".join(HEADER).encode() + b"\r\n" + body)
    _history(b"a;b;c;d\n" + body)

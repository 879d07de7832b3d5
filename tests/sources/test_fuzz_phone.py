"""Fuzzing the phone sources: ACE reports and Asterisk queue_log files built from good values,
the seeds of issue 19 and arbitrary text (and arbitrary bytes) give records the store can take
and rejects, or a file error naming the file — never an unhandled exception; a queue_log read
always moves its offset to the end of what it read."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpimon.sources.ace_csv import AceCsvSource
from kpimon.sources.queue_log import QueueLogSource
from tests.sources.fuzz_inputs import cell, context, drain, drop_folder
from tests.sources.phone_helpers import source_config

FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.fuzz

ACE_HEADERS = ["Kö", "Intervall", "Datum", "Mottagna kontakter", "Etablerade kontakter",
               "Övergivna kontakter", "Övergivna kontakter 1", "Servicenivå 1 %",
               "Servicenivå 2", "Medel kötid", "Queue", "Service level 1 (20 s)", "Okänd"]
ACE_GOOD = ["A", "2020-03-02 08:00", "2020-03-02", "08:15", "10", "9", "1", "50%", "8",
            "00:10", "12,5", "Totalt", ""]


def _ace(body: bytes) -> None:
    with drop_folder({"report.csv": body}) as folder:
        config = source_config("ace_csv", path=str(folder / "*.csv"), settle=0)
        drain(AceCsvSource(config).collect(context(config)), ["report.csv"])


@FUZZ
@given(header=st.lists(st.sampled_from(ACE_HEADERS), min_size=1, max_size=8, unique=True),
       rows=st.lists(st.lists(cell(ACE_GOOD), max_size=9), max_size=6),
       delimiter=st.sampled_from([";", ",", "\t"]))
@example(header=["Kö", "Intervall", "Mottagna kontakter", "Etablerade kontakter",
                 "Servicenivå 1 %", "Medel kötid"],
         rows=[["A", "0001-01-01 00:00", "10", "9", "50%", "1e40"],
               ["A", "9999-12-31 23:59-01:00", str(10 ** 19), "9", "1e40%", "00:10"],
               ["A", "2020-03-02 08:00", "1" * 4301, "3000000000", "NaN%", "1e999999999"]],
         delimiter=";")
def test_ace_reports(header: list[str], rows: list[list[str]], delimiter: str) -> None:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    _ace("\n".join(lines).encode("utf-8", "replace"))


@FUZZ
@given(body=st.binary(max_size=400))
def test_ace_arbitrary_bytes(body: bytes) -> None:
    _ace(b"K\xc3\xb6;Intervall;Mottagna kontakter;Etablerade kontakter\n" + body)


EVENTS = ["ENTERQUEUE", "CONNECT", "ABANDON", "EXITWITHTIMEOUT", "EXITWITHKEY", "EXITEMPTY",
          "ATTENDEDTRANSFER", "BLINDTRANSFER", "COMPLETECALLER", "QUEUESTART"]
line = st.lists(st.one_of(st.sampled_from(["1583132400", "1583132500", "1.1", "1.2", "NONE",
                                           "servicedesk", "växel", "PJSIP/1001", *EVENTS]),
                          cell()), min_size=0, max_size=9)


@FUZZ
@given(lines=st.lists(line, max_size=12), tail=st.binary(max_size=40))
@example(lines=[["1583132400", "1.1", "servicedesk", "NONE", "ENTERQUEUE", "", "070", "1"],
                ["1583132410", "1.1", "servicedesk", "x", "CONNECT", str(10 ** 20), "9", "3"],
                ["9" * 4301, "1.2", "q", "NONE", "ENTERQUEUE"],
                ["99999999999999", "1.3", "q", "NONE", "ENTERQUEUE"]], tail=b"")
def test_queue_log(lines: list[list[str]], tail: bytes) -> None:
    body = "".join("|".join(parts).replace("\n", " ") + "\n" for parts in lines).encode()
    body += tail + b"\n"
    with drop_folder({"queue_log": body}) as folder:
        config = source_config("queue_log", path=str(folder / "queue_log"))
        batches = list(QueueLogSource(config, batch_lines=5).collect(context(config)))
        drain(batches)
        assert batches and batches[-1].state["offset"] == str(len(body))

"""The ticket export: exact format and vocabulary, and plausible proportions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter

import pytest

from bench.datagen.tickets import (
    ORDER_SOLUTIONS,
    SOLUTIONS,
    TicketSpan,
    span_for_years,
    write_tickets,
)

HEADER = ("Ärende-ID;Typ;Prioritet;Status;Skapad;Första återkoppling;Löst;Stängd;Löst av linje;"
          "Lösning;Grupp;Organisation;Kategori;Senast ändrad")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
OPEN = {"01 - Ny", "02 - Pågår", "03 - Väntar"}
DONE = {"05 - Avklarad", "07 - Stängd"}


@pytest.fixture(scope="module")
def export() -> str:
    start, end = span_for_years(dt.datetime(2026, 11, 25, 23, 59), 2)
    buf = io.StringIO()
    write_tickets(TicketSpan(5000, start, end, seed=3), buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def rows(export: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(export, newline=""), delimiter=";"))


def test_bytes_on_disk_have_bom_crlf_and_exact_header(tmp_path) -> None:
    from bench.generate import main

    out = tmp_path / "t.csv"
    assert main(["tickets", "--count", "50", "--out", str(out), "--end", "2026-11-25"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert data.count(b"\r\n") == 51 and data.count(b"\n") == 51


def test_every_row_has_the_vocabulary(rows: list[dict[str, str]]) -> None:
    assert len(rows) == 5000
    assert list(rows[0]) == HEADER.split(";")
    solutions = {s for group in SOLUTIONS for s in group} | set(ORDER_SOLUTIONS) | {""}
    ids = set()
    for r in rows:
        assert re.fullmatch(r"(INC|REQ|ORD)-\d{7}", r["Ärende-ID"])
        ids.add(r["Ärende-ID"])
        assert r["Typ"] in {"Incident", "Tjänsteförfrågan", "Beställning"}
        assert r["Prioritet"] in {"1. Akut", "2. Hög", "3. Normal", "4. Låg"}
        assert r["Status"] in OPEN | DONE | {"08 - Annullerad"}
        assert r["Löst av linje"] in {"", "1", "2", "3"}
        assert r["Organisation"] in {"Askersund", "Hallsberg", "Laxå", "Lekeberg"}
        assert r["Kategori"] in {"Konto", "Skrivare", "Nätverk", "Programvara", "Hårdvara",
                                 "Telefoni", "E-post"}
        assert r["Grupp"] in {"Servicedesk", "Drift", "Nätverk", "Applikation", "Telefoni",
                              "Beställning"}
        assert r["Lösning"] in solutions  # short neutral phrases, never names
        for col in ("Skapad", "Senast ändrad"):
            assert TIME.match(r[col]), (col, r)
        for col in ("Första återkoppling", "Löst", "Stängd"):
            assert r[col] == "" or TIME.match(r[col]), (col, r)
    assert len(ids) == len(rows)


def test_proportions(rows: list[dict[str, str]]) -> None:
    n = len(rows)
    prio = Counter(r["Prioritet"] for r in rows)
    kinds = Counter(r["Typ"] for r in rows)
    status = Counter(r["Status"] for r in rows)
    assert 0.01 <= prio["1. Akut"] / n <= 0.04
    assert 0.07 <= prio["2. Hög"] / n <= 0.13
    assert 0.74 <= prio["3. Normal"] / n <= 0.82
    assert 0.60 <= kinds["Incident"] / n <= 0.70
    assert 0.05 <= kinds["Beställning"] / n <= 0.11
    resolved = [r for r in rows if r["Status"] in DONE]
    first = sum(r["Löst av linje"] == "1"
                or (r["Löst av linje"] == "" and r["Grupp"] == "Servicedesk") for r in resolved)
    assert 0.50 <= first / len(resolved) <= 0.62
    assert any(r["Löst av linje"] == "" for r in resolved)  # line missing, group tells
    open_ = sum(status[s] for s in OPEN)
    assert 5 <= open_ <= 0.05 * n
    assert 10 <= status["08 - Annullerad"] <= 0.03 * n
    assert 10 <= sum(r["Lösning"] == "" for r in resolved) <= 0.03 * n
    assert 0.05 <= status["07 - Stängd"] / n <= 0.25
    no_answer = sum(r["Första återkoppling"] == "" for r in rows)
    assert 0.01 <= no_answer / n <= 0.05


def test_arrivals_follow_office_life(rows: list[dict[str, str]]) -> None:
    created = [dt.datetime.strptime(r["Skapad"], "%Y-%m-%d %H:%M") for r in rows]
    n = len(created)
    office = sum(c.weekday() < 5 and 8 <= c.hour < 17 for c in created)
    assert office / n > 0.8
    weekend = sum(c.weekday() >= 5 for c in created)
    assert weekend / n < 0.03
    by_day = Counter(c.weekday() for c in created)
    assert by_day[0] > by_day[4]  # Mondays are busier than Fridays
    hours = Counter(c.hour for c in created)
    assert hours[12] < hours[10] and hours[12] < hours[14]  # lunch dip
    months = Counter(c.month for c in created)
    assert months[7] < 0.7 * months[9]  # a quiet July


def test_open_tickets_include_old_ones(rows: list[dict[str, str]]) -> None:
    end = dt.datetime(2026, 11, 25, 23, 59)
    ages = [(end - dt.datetime.strptime(r["Skapad"], "%Y-%m-%d %H:%M")).days
            for r in rows if r["Status"] in OPEN]
    assert any(a > 30 for a in ages)  # a handful open for months
    assert any(a < 7 for a in ages)  # and the recent backlog

"""Every ticket's times are in a sensible order and agree with its status."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from zoneinfo import ZoneInfo

import pytest

from bench.datagen.tickets import TicketSpan, span_for_years, write_tickets

END = dt.datetime(2026, 3, 31, 23, 59)  # the span holds two spring and two autumn DST changes
OPEN = {"01 - Ny", "02 - Pågår", "03 - Väntar"}
TZ = ZoneInfo("Europe/Stockholm")


@functools.cache
def _t(text: str) -> dt.datetime | None:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M") if text else None


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    start, end = span_for_years(END, 2)
    buf = io.StringIO()
    # Many tickets, so night-time DST hours and rare paths are populated.
    write_tickets(TicketSpan(30_000, start, end, seed=5), buf)
    return list(csv.DictReader(io.StringIO(buf.getvalue(), newline=""), delimiter=";"))


@functools.cache
def _utc(local: dt.datetime) -> dt.datetime:
    """As kpimon reads a local time: the first occurrence if ambiguous."""
    return local.replace(tzinfo=TZ, fold=0).astimezone(dt.UTC)


def test_times_are_ordered(rows: list[dict[str, str]]) -> None:
    for r in rows:
        created, response = _t(r["Skapad"]), _t(r["Första återkoppling"])
        resolved, closed, updated = _t(r["Löst"]), _t(r["Stängd"]), _t(r["Senast ändrad"])
        assert created is not None and updated is not None
        times = [_utc(t) for t in (created, response, resolved, closed) if t is not None]
        assert times == sorted(times), r
        assert all(t <= _utc(updated) for t in times), r
        assert updated <= END, r
        assert updated == max(t for t in (created, response, resolved, closed, updated) if t)


def test_no_local_time_in_the_spring_gap_or_the_repeated_hour(rows: list[dict[str, str]]) -> None:
    for r in rows:
        for col in ("Skapad", "Första återkoppling", "Löst", "Stängd", "Senast ändrad"):
            t = _t(r[col])
            if t is None:
                continue
            # A non-existent local time does not survive the round trip through UTC.
            assert _utc(t).astimezone(TZ).replace(tzinfo=None) == t, (col, r)


def test_fields_agree_with_status(rows: list[dict[str, str]]) -> None:
    seen = set()
    for r in rows:
        s = r["Status"]
        if s == "01 - Ny":
            assert not r["Första återkoppling"] and not r["Stängd"] and not r["Lösning"], r
        if s in OPEN:
            assert not r["Stängd"] and not r["Lösning"], r
            # A reopened ticket may still carry its old resolved time (Efecte does); rare.
        if s == "05 - Avklarad":
            assert r["Löst"] and not r["Stängd"] and r["Löst"] == r["Senast ändrad"], r
        if s == "07 - Stängd":
            assert r["Stängd"] == r["Senast ändrad"], r
            if r["Löst"]:
                gap = _utc(_t(r["Stängd"])) - _utc(_t(r["Löst"]))  # type: ignore[arg-type]
                assert gap == dt.timedelta(days=3), r
            else:
                seen.add("closed-without-resolved")
        if s == "08 - Annullerad":
            assert r["Stängd"] and not r["Löst"] and not r["Lösning"] and not r["Löst av linje"]
        if s in ("05 - Avklarad", "07 - Stängd"):
            assert r["Löst"] or r["Stängd"]
    assert seen == {"closed-without-resolved"}


def test_response_times_depend_on_priority(rows: list[dict[str, str]]) -> None:
    def within(priority: str, minutes: int) -> float:
        sel = [r for r in rows if r["Prioritet"] == priority and r["Första återkoppling"]]
        ok = sum(_utc(_t(r["Första återkoppling"])) - _utc(_t(r["Skapad"]))  # type: ignore
                 <= dt.timedelta(minutes=minutes) for r in sel)
        return ok / len(sel)

    assert within("1. Akut", 30) > 0.75  # acute: mostly within 30 minutes, around the clock
    assert within("1. Akut", 30) > within("3. Normal", 30) + 0.2
    assert 0.6 < within("2. Hög", 120) < 0.95


@pytest.mark.parametrize("day", ["2025-03-30", "2025-10-26"])
def test_dst_nights_stay_ordered(day: str) -> None:
    # Two days around a DST change, packed with tickets so the night hours are busy.
    end = dt.datetime.fromisoformat(day) + dt.timedelta(hours=23, minutes=59)
    start = span_for_years(end, 1)[1] - 2 * 1440
    buf = io.StringIO()
    write_tickets(TicketSpan(40_000, start, span_for_years(end, 1)[1], seed=9), buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue(), newline=""), delimiter=";"))
    night = [r for r in rows if r["Skapad"].startswith(day + " 0")]
    assert len(night) > 20
    test_times_are_ordered(rows)
    test_no_local_time_in_the_spring_gap_or_the_repeated_hour(rows)

"""ticket_csv reader properties (hypothesis, time-boxed): whatever bytes a file holds, the
adapter yields records and rejects, or fails the file as a whole with a `FileError` naming it
and its header — never another exception — and every reject says where and why; the fast time
path always agrees with `timeutil.parse_time`; and the mapper's fast Ticket constructor builds
the very same Ticket as its dataclass __init__."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpimon.records import Reject, Ticket
from kpimon.sources import mapping
from kpimon.sources.base import FileError
from kpimon.sources.mapping import LocalTimes
from kpimon.timeutil import parse_time
from tests.sources.ticket_csv_files import TZ, config, csv_text, items, row

GOLDEN_LIKE = csv_text([row("A1"), row("A2", solution="två\nrader")]).encode("utf-8-sig")
_PIECES = [b";", b",", b"\t", b'"', b"\r\n", b"\n", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xff",
           b"\xe5", "å".encode(), b"2020-03-02 08:00", b"01 - Ny", b"3. Normal", b"A9",
           b"02.03.2020 08:41", b"2020-10-25 02:30+01:00", b" ", b"x" * 70]


def _read(data: bytes) -> list[Ticket | Reject]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        try:
            found = items(config(Path(folder)), files=[path])
        except FileError as e:  # a header that is not the export's: the file fails whole
            assert e.message.startswith(f"{path}: the header lacks ")
            return []
    assert all(isinstance(i, Ticket | Reject) for i in found)
    for r in found:
        if isinstance(r, Reject):
            assert r.reason and r.where.endswith("export.csv")
            assert r.value is None or len(r.value) <= 64
    return found  # type: ignore[return-value]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes(data: bytes) -> None:
    _read(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES) | st.binary(max_size=8), max_size=40))
def test_csv_like_bytes(pieces: list[bytes]) -> None:
    _read(b"".join(pieces))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(GOLDEN_LIKE)), st.binary(max_size=12), st.integers(0, 50))
def test_damaged_export(cut: int, junk: bytes, at: int) -> None:
    """An export cut short, or with junk spliced in: the rows before the damage still map."""
    damaged = GOLDEN_LIKE[:cut] + junk + GOLDEN_LIKE[cut + at:]
    _read(damaged)
    found = {t.id for t in _read(GOLDEN_LIKE[:cut]) if isinstance(t, Ticket)}
    if cut >= GOLDEN_LIKE.index(b"\r\nA2"):  # A1's row is whole
        assert "A1" in found
    if cut == len(GOLDEN_LIKE):
        assert found == {"A1", "A2"}


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)),
       st.sampled_from(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S",
                        "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"]))
def test_fast_times_agree(when: datetime, form: str) -> None:
    text = when.strftime(form)
    times = LocalTimes(TZ)
    assert times(text) == parse_time(text, TZ)
    # Near a change of offset, the neighbouring minutes share the cached hour.
    later = (when + timedelta(minutes=1)).strftime(form)
    assert times(later) == parse_time(later, TZ)


_TEXT = st.none() | st.text(max_size=20)
_WHEN = st.datetimes(timezones=st.just(UTC))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20), st.text(min_size=1, max_size=20), _WHEN, st.none() | _WHEN,
       st.none() | st.integers(0, 9), st.none() | st.booleans(), _TEXT, _TEXT, _TEXT,
       st.none() | st.integers(1, 10**6))
def test_fast_ticket_is_a_ticket(source: str, ident: str, created: datetime,
                                 updated: datetime | None, line: int | None,
                                 solution: bool | None, group: str | None, org: str | None,
                                 category: str | None, row: int | None) -> None:
    args = (source, ident, "incident", "normal", "closed", created, updated, None, updated,
            created, line, solution, group, org, category, row)
    assert mapping.make_ticket is mapping._make_ticket  # the fast path is in use
    fast, slow = mapping.make_ticket(*args), Ticket(*args)
    assert type(fast) is Ticket and fast == slow and repr(fast) == repr(slow)
    assert hash(fast) == hash(slow)

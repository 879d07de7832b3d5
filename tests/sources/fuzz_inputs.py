"""Shared pieces of the parser fuzz tests (`tests/sources/test_fuzz_*.py`).

The seeds are the inputs an adversarial test of the daemon found to sink a file or a source
(issue 19): dates outside the years 1970–9998, integers past their column, a 4 301-digit
number, `1e40`, NUL, a BOM, quotes and delimiters inside values. The strategies splice them
(and arbitrary text) into documents of each source's format, so most examples are nearly
valid and reach the rules deep inside a parser.

The contract each fuzz test checks with `check_items`: an adapter either yields records and
rejects — every record one the store can take (aware times in the years 1970–9998, text that
encodes as UTF-8) — or raises `SourceError` (a file-level error naming the file). Anything
else is an unhandled exception, a bug.

`make test` runs them with the `ci` hypothesis profile (few examples, seconds); `make fuzz`
with the `fuzz` profile (KPIMON_FUZZ_EXAMPLES examples each, default 2 000).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from kpimon.records import Reject
from kpimon.sources.base import Batch, CollectContext, FileError, SourceError
from kpimon.store import limits
from kpimon.timeutil import EARLIEST, LATEST

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)

BAD_DATES = ["0001-01-01 00:00", "1.1.0001 0:00", "9999-12-31 23:59-01:00", "31.12.9999 23:59",
             "9999-12-31", "0000-00-00 00:00", "2020-02-30 10:00", "2020-03-02 24:00",
             "2020-03-02T08:41+99:99", "1969-12-31 23:59", "9998-12-31 23:59", "1970-01-01",
             "2020-03-02 08:00-08:15", "2020-03-02 23:45-00:00", "99.99.9999 99.99"]
BAD_NUMBERS = ["9" * 20, "1" * 4301, "40000", "3000000000", str(10 ** 19), str(10 ** 20), "1e40",
               "1e999999999", "NaN", "-inf", "Infinity", "1e-40", "-1", "1e40%", "50%", "101%",
               "1 000", "1,5", "00:00:99", "1:2:3:4", "99:99", "-0", "0x10", "١٢٣"]
BAD_TEXT = ["", " ", "\x00", "\ufeff", "\r\n", '"', ";", ",", "\t", "|", "x" * 300,
            "Gustav Olsson 2026", "\u2028", "NONE", "Total", "Summa", "%"]
SEEDS = BAD_DATES + BAD_NUMBERS + BAD_TEXT


def cell(good: Iterable[str] = ()) -> st.SearchStrategy[str]:
    """A CSV cell: a good value, a seed, or arbitrary text."""
    return st.one_of(st.sampled_from(list(good) or ["x"]), st.sampled_from(SEEDS),
                     st.text(max_size=30))


def _times(record: Any) -> Iterator[datetime]:
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            yield value


def _texts(record: Any) -> Iterator[str]:
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from (str(k) for k in value)
            yield from (v for v in value.values() if isinstance(v, str))


def check_items(items: Iterable[Any]) -> list[Any]:
    """Consume `items`, asserting the contract of the module docstring; the items."""
    out = list(items)
    for item in out:
        assert dataclasses.is_dataclass(item), item
        for text in _texts(item):
            text.encode("utf-8")  # no lone surrogate: the store could not keep it
        if isinstance(item, Reject):
            assert item.value is None or len(item.value) <= 64
            continue
        for when in _times(item):
            assert when.tzinfo is not None and EARLIEST <= when < LATEST, (item, when)
        limits.problem(item)  # the store's own check never raises either
    return out


def drain(batches: Iterable[Batch], names: Iterable[str] = ()) -> list[Any]:
    """Every item of every batch; a FileError must name its file (one of `names`)."""
    out: list[Any] = []
    names = list(names)
    try:
        for batch in batches:
            try:
                out.extend(check_items(batch.items))
            except FileError as e:
                assert not names or any(n in e.message for n in names), e.message
    except SourceError:
        pass  # the source failed as a whole, in words (not an exception escaping)
    return out


@contextmanager
def drop_folder(files: dict[str, bytes]) -> Iterator[Path]:
    """A temporary drop folder holding `files`, all settled, in the order given."""
    with tempfile.TemporaryDirectory(prefix="kpimon-fuzz-") as name:
        folder = Path(name)
        then = time.time() - 3600
        for i, (file_name, data) in enumerate(files.items()):
            path = folder / file_name
            path.write_bytes(data)
            os.utime(path, (then + i, then + i))
        yield folder


def context(config: Any, **kw: Any) -> CollectContext:
    return CollectContext(config=config, tz=TZ, now=NOW, **kw)


def collected(adapter: Callable[[Any], Any], config: Any, **kw: Any) -> list[Any]:
    return drain(adapter(config).collect(context(config, **kw)))

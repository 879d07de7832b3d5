"""The adapter contract (README.md): a source turns its data into normalized records.

An adapter has one method, `collect(ctx)`, yielding `Batch`es. The collection runner stores each
batch in one transaction together with the state it carries (a watermark, a file offset, the
identity of an imported file), so a failure between batches loses nothing and repeats nothing.
An adapter never touches the store, metrics or mail: bad rows become `Reject`s inside the batch,
and a failed source raises `SourceError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from kpimon.config import SourceConfig
from kpimon.records import Record, Reject


class SourceError(Exception):
    """A source that could not be read. `permanent` failures (bad password, 4xx) are not retried
    within a cycle; `code` carries a source's own error code (e.g. Efecte's `<error><code>`)."""

    def __init__(self, message: str, permanent: bool = False, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


class FileError(SourceError):
    """One file that cannot be read as a whole (a header that does not fit the field map, a
    file of neither layout). Raised from a batch's items: the batch is rolled back, the file
    is remembered as failed for this configuration (not as imported), the collection goes on
    with the files after it, and the run is reported failed with this message."""


def failing(message: str) -> Iterator[Record | Reject]:
    """Items that fail the whole batch at once with `FileError(message)`."""
    raise FileError(message, permanent=True)
    yield  # pragma: no cover - makes this a generator


@dataclass
class SourceStats:
    """Counters an adapter (or the HTTP helper) bumps while collecting; exported as metrics."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    warnings: int = 0  # optional values a value map did not cover


@dataclass
class Batch:
    """One unit stored atomically: its records and rejects plus the state to save with them.

    * `items` may be a generator: the store consumes it in chunks, so memory does not grow
      with the size of a file.
    * `state` is merged into the source's saved state after the commit (key → string).
    * `file_key` marks a drop-folder file as imported (name + size + mtime + content hash).
    * `snapshot = True` says the items are the complete current set of the source's devices
      (inventories) or tickets (a full resync): what is missing from it is gone.
    * `on_commit` runs after the commit (archive or delete a drop-folder file).
    * `progress`, when the batch reads a file, tells (bytes read so far, bytes in all) while
      the items are consumed: for a progress bar with an ETA.
    """

    label: str
    items: Iterable[Record | Reject]
    state: dict[str, str] = field(default_factory=dict)
    file_key: str | None = None
    snapshot: bool = False
    on_commit: Callable[[], None] | None = None
    progress: Callable[[], tuple[int, int]] | None = None


@dataclass
class CollectContext:
    """What the runner gives an adapter for one collection."""

    config: SourceConfig
    tz: ZoneInfo
    now: datetime
    state: Mapping[str, str] = field(default_factory=dict)
    is_imported: Callable[[str], bool] = lambda key: False
    # A file that failed as a whole with the source's present configuration: left alone until
    # the file or the configuration changes (`kpimon import --force` reads it regardless).
    failed_before: Callable[[str], bool] = lambda key: False
    files: list[Path] | None = None  # `kpimon import`: read exactly these files
    wait_for_settle: bool = False  # one-shot `collect` waits for a settling file
    stats: SourceStats = field(default_factory=SourceStats)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("kpimon.sources"))
    # The configuration's secrets (`Config.secrets`: the sources' own and every value taken
    # from the environment or a secret file): masked wherever the adapter names a URL — a
    # file's label, a reject's location, the HTTP helper's errors.
    secrets: tuple[str, ...] = ()


class Adapter(Protocol):
    """One source adapter. Built from its `SourceConfig`; `collect` is its whole contract."""

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """Yield the batches of one collection; raise SourceError if the source fails."""
        ...

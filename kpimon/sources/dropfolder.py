"""Drop folders (DESIGN §4): which files to take, when, and what to do with them afterwards.

A file is taken once it has not changed for `settle` seconds (the daemon leaves an unsettled
file for its next cycle; a one-shot `collect` waits for it), identified by name + size + mtime +
content hash (a file changed after import is a new version), and after its batch is committed it
is kept, moved to the `archive` folder, or deleted, by the source's `after` setting.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kpimon.config import SourceConfig
from kpimon.sources.base import CollectContext

ENCODINGS = ("utf-8-sig", "utf-8", "cp1252")


@dataclass(frozen=True)
class DropFile:
    """A file to import, with its identity key."""

    path: Path
    key: str
    label: str

    @classmethod
    def identify(cls, path: Path, label: str | None = None) -> DropFile:
        st = path.stat()
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        key = hashlib.sha256(
            f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\0{digest.hexdigest()}".encode()
        ).hexdigest()[:40]
        return cls(path, key, label or str(path))

    def on_commit(self, config: SourceConfig) -> Callable[[], None] | None:
        """What to do with the file once its batch is committed (`after`)."""
        if config.after == "delete":
            return lambda: self.path.unlink(missing_ok=True)
        if config.after == "archive" and config.archive:
            archive = Path(config.archive)
            return lambda: _archive(self.path, archive)
        return None


def _archive(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():  # never overwrite an earlier archived file of the same name
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), target)


def pending_files(pattern: str, config: SourceConfig, ctx: CollectContext, *,
                  clock: Callable[[], float] = time.time,
                  sleep: Callable[[float], None] = time.sleep) -> Iterator[DropFile]:
    """The files to import now, oldest first; settled, and not imported before."""
    if ctx.files is not None:
        for path in ctx.files:
            yield DropFile.identify(Path(path))
        return
    paths = [Path(p) for p in glob.glob(os.path.expanduser(pattern)) if os.path.isfile(p)]
    paths.sort(key=lambda p: (p.stat().st_mtime, p.name))
    for path in paths:
        if not _settled(path, config.settle, ctx.wait_for_settle, clock, sleep, ctx):
            continue
        drop = DropFile.identify(path)
        if not ctx.is_imported(drop.key):
            yield drop


def _settled(path: Path, settle: int, wait: bool, clock: Callable[[], float],
             sleep: Callable[[float], None], ctx: CollectContext) -> bool:
    while True:
        try:
            age = clock() - path.stat().st_mtime
        except FileNotFoundError:
            return False
        if age >= settle:
            return True
        if not wait:
            ctx.log.info("%s is still changing; taking it on a later cycle", path)
            return False
        sleep(min(1.0, settle - age + 0.05))


def detect_encoding(path: Path) -> str:
    """`utf-8-sig` when the file starts with a BOM, else `utf-8` if it all decodes, else cp1252."""
    with open(path, "rb") as f:
        head = f.read(3)
        if head == b"\xef\xbb\xbf":
            return "utf-8-sig"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: f.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"

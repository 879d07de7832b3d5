"""Writing export files the way the systems do, and safely for a reader that polls the folder."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

# Efecte and ACE exports are UTF-8 with a byte-order mark (what Excel expects) and CRLF line ends;
# the writers put "\r\n" themselves, so the file is opened with newline="".
ENCODING = "utf-8-sig"


@contextlib.contextmanager
def atomic_text(path: Path, encoding: str = ENCODING) -> Iterator[TextIO]:
    """Open a temporary file beside `path` and move it into place only when complete.

    kpimon watches the demo folders; it must never import a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not tempfile.mkstemp: its files are private (0600), and the daemon reading the exports may
    # run as another user. os.open with 0o666 leaves the permissions to the umask. The name
    # starts with a dot and ends in .tmp, so a `*.csv` glob never picks it up.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

"""A local SMTP sink for the demo: every mail sent to it is saved as an `.eml` file.

    python bench/mailsink.py [--host 127.0.0.1] [--port 2525] [--out var/demo/mail]

`make run` starts it beside the demo daemon, whose `[alerts]` send to 127.0.0.1:2525, so a
newcomer sees kpimon's alert mail without a relay: open the files in `var/demo/mail/` with a
mail program (or read them as text). It accepts anything, relays nothing, listens on loopback
only, and stops on Ctrl-C or SIGTERM. It is a development tool built on aiosmtpd (one of the
test extras that `make run` installs), not part of the kpimon package.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class SaveToFolder:
    """An aiosmtpd handler that writes each message to `folder` as NNNN-YYYYmmdd-HHMMSS.eml."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._count = len(list(folder.glob("*.eml")))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        data = bytes(envelope.original_content or envelope.content)
        with self._lock:
            self._count += 1
            name = f"{self._count:04d}-{time.strftime('%Y%m%d-%H%M%S')}.eml"
        path = self.folder / name
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # a reader never sees half a message
        subject = email.message_from_bytes(data, policy=email.policy.default)["Subject"]
        print(f"mailsink: {path} — {subject} (to {', '.join(envelope.rcpt_tos)})", flush=True)
        return "250 2.0.0 Ok: saved as " + name


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mailsink", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2525)
    p.add_argument("--out", type=Path, default=Path("var/demo/mail"))
    args = p.parse_args(argv)
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        print("mailsink: aiosmtpd is not installed (pip install aiosmtpd)", file=sys.stderr)
        return 1
    controller = Controller(SaveToFolder(args.out), hostname=args.host, port=args.port)
    try:
        controller.start()
    except Exception as e:  # typically the port is taken
        print(f"mailsink: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        return 1
    print(f"mailsink: saving mail sent to {args.host}:{args.port} in {args.out}/", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reading deploy/systemd/kpimon.service the way the tests need it: its settings, a copy for
`systemd-analyze verify`, and the system calls its SystemCallFilter= lines allow."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

from tests.deploy.harness import REPO

SYSTEMD_DIR = REPO / "deploy" / "systemd"
UNIT = SYSTEMD_DIR / "kpimon.service"


def settings(path: Path = UNIT) -> list[tuple[str, str]]:
    """(key, value) of every assignment in the unit, in order, comments left out."""
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.append((key.strip(), value.strip()))
    return out


def values(key: str, path: Path = UNIT) -> list[str]:
    return [v for k, v in settings(path) if k == key]


@cache
def syscall_groups(analyze: str) -> dict[str, list[str]]:
    """Every @group `systemd-analyze syscall-filter` knows, with its members (calls and groups)."""
    text = subprocess.run([analyze, "syscall-filter", "--no-pager"], capture_output=True,
                          text=True, check=True).stdout
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())
    return groups


def expand(names: list[str], groups: dict[str, list[str]]) -> set[str]:
    out: set[str] = set()
    for name in names:
        if name.startswith("@"):
            out |= expand(groups[name], groups)
        else:
            out.add(name)
    return out


def allowed_syscalls(analyze: str, path: Path = UNIT) -> set[str]:
    """The allow list the unit's SystemCallFilter= lines build, applied in order as systemd
    does: the first (non-`~`) line starts an allow list, later `~` lines remove from it and
    later plain lines add to it."""
    groups = syscall_groups(analyze)
    allowed: set[str] | None = None
    for value in values("SystemCallFilter", path):
        deny = value.startswith("~")
        names = re.split(r"\s+", value.lstrip("~").strip())
        calls = expand(names, groups)
        if allowed is None:
            assert not deny, "the first SystemCallFilter= must be an allow list"
            allowed = set(calls)
        elif deny:
            allowed -= calls
        else:
            allowed |= calls
    assert allowed is not None, "the unit has no SystemCallFilter="
    return allowed


def copy_for_verify(dest: Path, kpimon_bin: str) -> Path:
    """The unit with ExecStart pointing at an installed `kpimon`, for `systemd-analyze verify`
    (which checks that the binary exists and is executable)."""
    text = UNIT.read_text(encoding="utf-8").replace("/opt/kpimon/venv/bin/kpimon", kpimon_bin)
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / "kpimon.service"
    out.write_text(text, encoding="utf-8")
    return out

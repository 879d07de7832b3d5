"""Any number of processes may write one store: three `kpimon import`s at once, beside a
running daemon that collects and computes every second, all succeed (no `UNIQUE constraint
failed: resolutions…`), and the facts they leave equal those of a `kpimon recompute` — on
SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kpimon.app import App
from kpimon.config import load_config
from kpimon.store import tables as t
from tests.deploy.harness import CSV, env_for_child, source_block
from tests.kpi.stored_facts import fact_rows

HEADER = CSV.splitlines()[0]
TICKETS = 8000
FILES = 4
STATUSES = ("01 - Ny", "02 - Pågår", "05 - Avklarad", "07 - Stängd")


def _csv(k: int) -> str:
    """File k: the same tickets, each a step further (new → in progress → resolved →
    closed), stamped k hours later; a third of them reopened in odd files."""
    lines = [HEADER]
    for i in range(TICKETS):
        day = 1 + i % 27
        status = STATUSES[k % len(STATUSES)] if i % 3 or k % 2 == 0 else STATUSES[1]
        resolved = f"2026-03-{day:02d} {10 + k}:00" if status in STATUSES[2:] else ""
        closed = f"2026-03-{day:02d} {11 + k}:00" if status == STATUSES[3] else ""
        lines.append(
            f"T{i};Incident;{('1. Akut', '2. Hög', '3. Normal')[i % 3]};{status};"
            f"2026-03-{day:02d} 08:00;2026-03-{day:02d} 08:{10 + i % 40:02d};{resolved};"
            f"{closed};1;Klart;Servicedesk;Laxå;;2026-03-{day:02d} {12 + k}:00")
    return "\n".join(lines) + "\n"


def _config(tmp: Path, db_url: str, drop: Path) -> Path:
    src = source_block("export", f'path = "{drop}/*.csv"').replace('every = "1h"',
                                                                  'every = "1s"')
    path = tmp / "kpimon.toml"
    path.write_text(
        f'timezone = "Europe/Stockholm"\ndatabase = "{db_url}"\ncompute_every = "1s"\n'
        '[http]\nlisten = "127.0.0.1:0"\n' + src +
        '[[indicators]]\nid = "resp"\nkind = "response_within"\nthreshold = "30m"\n'
        '[[indicators]]\nid = "res"\nkind = "resolution_within"\nthreshold = "1d"\n',
        encoding="utf-8")
    return path


def _facts(config: Path) -> dict[str, list[Any]]:
    app = App.build(load_config(config))
    try:
        app.facts.update()
        tk = t.tickets.c
        out: dict[str, list[Any]] = {}
        with app.store.engine.connect() as conn:
            out.update(fact_rows(conn))
            out["tickets"] = sorted(tuple(r) for r in conn.execute(
                select(tk.id, tk.status, tk.done_at, tk.flow_origin, tk.flow_seen,
                       tk.facts_dirty)))
        return out
    finally:
        app.store.close()


def _kpimon(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kpimon", "--config", str(config), *args],
                            env=env_for_child(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_imports_beside_a_daemon_leave_the_facts_of_a_rebuild(tmp_path: Path,
                                                              db_url: str) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    files = []
    for k in range(FILES):
        f = tmp_path / f"export-{k}.csv"
        f.write_text(_csv(k), encoding="utf-8")
        files.append(f)
    config = _config(tmp_path, db_url, drop)
    first = _kpimon(config, "import", "export", str(files[0]))  # the schema, the first rows
    assert first.wait(120) == 0, first.communicate()
    daemon = _kpimon(config, "run")
    try:
        time.sleep(2)
        (drop / "late.csv").write_text(_csv(FILES), encoding="utf-8")
        imports = [_kpimon(config, "import", "export", str(f)) for f in files[1:]]
        for proc in imports:
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err
            assert "UNIQUE" not in err and "duplicate key" not in err, err
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the daemon's own collection of the drop file
            app = App.build(load_config(config))
            try:
                if _imported(app):
                    break
            finally:
                app.store.close()
            time.sleep(0.5)
        time.sleep(1.5)  # a compute after it
    finally:
        daemon.terminate()
        _out, err = daemon.communicate(timeout=30)
    assert "UNIQUE" not in err and "duplicate key" not in err, err
    before = _facts(config)
    rebuild = _kpimon(config, "recompute")
    assert rebuild.wait(120) == 0, rebuild.communicate()
    after = _facts(config)
    for name in after:
        assert before[name] == after[name], name
    assert not any(row[-1] for row in after["tickets"])  # nothing left dirty


def _imported(app: App) -> bool:
    with app.store.engine.connect() as conn:
        return conn.execute(select(t.imported_files.c.path).where(
            t.imported_files.c.path.like("%late.csv"))).first() is not None

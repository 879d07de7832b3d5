"""kpimon.tmpfiles creates the drop and archive folders config/kpimon.example.toml uses, owned by
kpimon and group-writable, so `check-config` on the example finds every folder in place after
`make install-service` (it warned about each before)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kpimon.config import load_config
from kpimon.sources.dropfolder import base_folder, check_folders, expand_path
from tests.conftest import need_tool
from tests.deploy.harness import REPO
from tests.deploy.unit import SYSTEMD_DIR

EXAMPLE = REPO / "config" / "kpimon.example.toml"


@pytest.mark.timeout(60)
def test_the_example_folders_exist_after_tmpfiles(tmp_path: Path) -> None:
    tmpfiles = need_tool("systemd-tmpfiles")
    sysusers = need_tool("systemd-sysusers")
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles needs root to chown in the test root")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for tool, snippet in ((sysusers, "kpimon.sysusers"), (tmpfiles, "kpimon.tmpfiles")):
        args = [tool, f"--root={root}", str(SYSTEMD_DIR / snippet)]
        if tool == tmpfiles:
            args.insert(1, "--create")
        run = subprocess.run(args, capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, run.stderr

    creds = tmp_path / "credentials"
    creds.mkdir()
    for name in ("efecte", "cmdb", "sccm", "smtp"):
        (creds / name).write_text("x\n")
    config = load_config(EXAMPLE, env={**os.environ, "CREDENTIALS_DIRECTORY": str(creds)})
    # The example's folders, moved into the test root.
    text = EXAMPLE.read_text(encoding="utf-8").replace('"/var/lib/kpimon/', f'"{root}/var/lib/'
                                                       "kpimon/")
    moved = tmp_path / "moved.toml"
    moved.write_text(text, encoding="utf-8")
    rooted = load_config(moved, env={**os.environ, "CREDENTIALS_DIRECTORY": str(creds)})
    assert [s.path for s in config.sources] != [s.path for s in rooted.sources]
    assert check_folders(rooted.sources) == []  # every folder there, readable and writable

    kpimon_ids = (root / "var/lib/kpimon").stat().st_uid, (root / "var/lib/kpimon").stat().st_gid
    folders = [base_folder(expand_path(s.path)) for s in rooted.sources
               if s.path and s.kind != "queue_log"]
    folders += [Path(s.archive) for s in rooted.sources if s.archive]
    assert len(folders) == 4, folders  # ace and manuellt, each with its arkiv
    for folder in folders:
        st = folder.stat()
        assert (st.st_uid, st.st_gid) == kpimon_ids and st.st_mode & 0o7777 == 0o2770, folder

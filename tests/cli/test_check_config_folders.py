"""`kpimon check-config` checks the drop and archive folders as this user sees them: a missing
folder kpimon can create is a warning (exit 0); one it cannot create is an error naming the
folder and the source (exit 2). Nothing is created by the check."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.cli import main

SOURCE = """
[[sources]]
name = "{name}"
kind = "ace_csv"
path = "{path}"
every = "15m"
{extra}
"""


def _config(tmp_path: Path, *sources: str) -> Path:
    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path}/k.db"\n' + "".join(sources),
                   encoding="utf-8")
    return cfg


def test_missing_folders_kpimon_can_create_are_warnings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "drop" / "ok").mkdir(parents=True)
    cfg = _config(tmp_path,
                  SOURCE.format(name="telefoni", path=f"{tmp_path}/drop/ace/*.csv",
                                extra='after = "archive"\narchive = "arkiv"'),
                  SOURCE.format(name="ok", path=f"{tmp_path}/drop/ok/*.csv", extra=""))
    assert main(["--config", str(cfg), "check-config"]) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith("ok (2 sources, 0 indicators, 0 goals), 2 warnings")
    assert err.splitlines() == [
        f"warning: sources[0].path: drop folder {tmp_path}/drop/ace does not exist; kpimon "
        f'creates it (like {tmp_path}/drop) at its first collection (source "telefoni")',
        f"warning: sources[0].archive: archive folder {tmp_path}/drop/ace/arkiv does not exist; "
        f"kpimon creates it (like {tmp_path}/drop) when it archives the first file "
        '(source "telefoni")']
    assert not (tmp_path / "drop" / "ace").exists()  # the check changes nothing


def test_a_folder_that_cannot_be_created_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "exports").write_text("a file where a folder should be")
    cfg = _config(tmp_path, SOURCE.format(name="cmdb", path=f"{tmp_path}/exports/cmdb/",
                                          extra=""),
                  SOURCE.format(name="fine", path=str(tmp_path), extra=""))
    assert main(["--config", str(cfg), "check-config"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"kpimon: {cfg}: 1 error:",
        f"  sources[0].path: drop folder {tmp_path}/exports/cmdb does not exist and cannot be "
        f'created: {tmp_path}/exports is not a folder (source "cmdb")']


def test_a_folder_that_is_not_there_is_not_taken_for_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`path = ".../drop/ace"` with no `ace` yet: not silently "a file ace in drop" (which read
    nothing and named the parent), but an error that names the path and the two ways to
    write it — in check-config and at collection alike."""
    (tmp_path / "drop").mkdir()
    path = f"{tmp_path}/drop/ace"
    cfg = _config(tmp_path, SOURCE.format(name="telefoni", path=path, extra='settle = "0s"'))
    assert main(["--config", str(cfg), "check-config"]) == 2
    err = capsys.readouterr().err
    fix = (f'for a folder of exports write path = "{path}/" (every file in it) or '
           f'"{path}/*.csv"; for a file, give its name with its extension')
    assert f"sources[0].path: {path} does not exist, and it is not clear whether it is a " \
           f"folder or a file: {fix} (source \"telefoni\")" in err
    assert main(["--config", str(cfg), "collect"]) == 1
    out = capsys.readouterr().out
    assert "telefoni: 0 records" in out and fix in out

    (tmp_path / "drop" / "ace").mkdir()  # now it is a folder: every file in it
    (tmp_path / "drop" / "ace" / "a.csv").write_text(
        "Kö;Intervall;Mottagna kontakter;Etablerade kontakter\n"
        "Servicedesk;2020-03-02 08:00;10;9\n", encoding="utf-8")
    assert main(["--config", str(cfg), "check-config"]) == 0
    assert main(["--config", str(cfg), "collect"]) == 0
    assert "telefoni: 1 records (1 new" in capsys.readouterr().out

"""`kpimon control record CONTROL OCCASION STATUS [--comment] [--by]` and the CSV drop
(`control;occasion;status;comment;by`) of a manual source: follow-ups kept with who entered
them and when, the Swedish phrases accepted and shown, the latest per occasion winning; bad
input is a clear error (exit 2) or a reject, nothing lost."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kpimon.kpi.controls import ControlEvaluator
from kpimon.kpi.periods import year
from kpimon.store.controls import control_records
from tests.conftest import GOLDEN_COPY
from tests.report.fixture import CONTROLS, Year
from tests.web.golden import write_config


def test_record_and_the_latest_wins(board_year: Callable[[str | None], Year]) -> None:
    y = board_year(None)
    assert y.run("control", "record", "beslut", "2020-04-30", "none")[0] == 0
    code, out, err = y.run("control", "record", "beslut", "1", "Större avvikelser",
                           "--comment", "Två beslut ej verkställda")
    assert code == 0, err
    assert out.strip() == (f"beslut 2020-04-30: ○ Större avvikelser ({getpass.getuser()}): "
                           "Två beslut ej verkställda")
    app = y.app()
    try:
        rows = control_records(app.store.engine)
        assert [(r.control, r.occasion, r.status, r.author) for r in rows] == [
            ("beslut", "2020-04-30", "none", getpass.getuser()),
            ("beslut", "2020-04-30", "major", getpass.getuser())]
        assert abs(rows[-1].entered_at - datetime.now(UTC).timestamp()) < 60
        now = datetime.now(UTC)
        beslut = ControlEvaluator(app.config, app.engine, app.store).evaluate(
            year(2020, app.config.tz), now)[0]
        assert beslut.control.id == "beslut"
        assert [(o.number, o.status) for o in beslut.occasions] == [
            (1, "major"), (2, "not_started")]
    finally:
        app.store.close()


def test_bad_input_is_a_usage_error(board_year: Callable[[str | None], Year]) -> None:
    y = board_year(None)
    code, _, err = y.run("control", "record", "nosuch", "1", "none")
    assert code == 2 and "beslut, backup, arenden" in err
    code, _, err = y.run("control", "record", "backup", "2020-05-01", "none")
    assert code == 2 and "2020-04-30, 2020-06-30, 2020-12-31" in err
    code, _, err = y.run("control", "record", "backup", "1", "ganska bra")
    assert code == 2 and "Inga avvikelser" in err
    app = y.app()
    try:
        assert control_records(app.store.engine) == []
    finally:
        app.store.close()


def test_csv_drop(tmp_path: Path, db_url: str, board_year: Callable[[str | None], Year]
                  ) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "kontroller.csv").write_text(
        "kontroll;tillfälle;status;kommentar;av\n"
        "backup;2020-04-30;Inga avvikelser;Återläsning testad varje vecka;Drift\n"
        "backup;2;mindre avvikelser;Replikeringen;Drift\n"
        "backup;2020-06-30;sådär;;\n"
        ";1;none;;\n", encoding="utf-8")
    y = board_year(None)
    manual = (f'\n[[sources]]\nname = "hand"\nkind = "manual"\npath = "{drop}/*.csv"\n'
              'settle = "0s"\n')
    cfg = write_config(tmp_path, GOLDEN_COPY, extra=manual + CONTROLS, name="drop.toml")
    y.cfg.write_text(cfg.read_text("utf-8"), "utf-8")
    code, out, err = y.run("collect", "hand")
    assert code == 0, err
    assert "hand: 2 records (2 new, 0 updated, 0 unchanged), 2 rejected" in out
    app = y.app()
    try:
        rows = control_records(app.store.engine)
        assert [(r.occasion, r.status, r.comment, r.by, r.author) for r in rows] == [
            ("2020-04-30", "none", "Återläsning testad varje vecka", "Drift", "hand"),
            ("2", "minor", "Replikeringen", "Drift", "hand")]
        outcomes = ControlEvaluator(app.config, app.engine, app.store).evaluate(
            year(2020, app.config.tz), datetime.now(UTC))
        backup = next(c for c in outcomes if c.control.id == "backup")
        assert [(o.status, o.record.by if o.record else None) for o in backup.occasions] == [
            ("none", "Drift"), ("minor", "Drift"), ("not_started", None)]
    finally:
        app.store.close()

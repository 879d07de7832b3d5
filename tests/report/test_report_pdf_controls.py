"""`kpimon report --format pdf` renders through WeasyPrint; `pdftotext` of it holds the goal
table's rows, and the internal-control part lists a status recorded by hand (with who
followed it up and who entered it) and an indicator-backed status with its items."""

from __future__ import annotations

import getpass
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.conftest import need_tool
from tests.report.fixture import Year


def _pdf_text(path: Path) -> str:
    done = subprocess.run([need_tool("pdftotext"), "-layout", str(path), "-"],
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.replace("\u00a0", " ")


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_pdf_goal_table_and_internal_control(board_year: Callable[[str | None], Year],
                                             tmp_path: Path) -> None:
    y = board_year(None)
    code, out, err = y.run("control", "record", "backup", "2", "Mindre avvikelser",
                           "--comment", "Replikeringen felar ibland", "--by", "Drift Driftsson")
    assert code == 0, err
    assert out.strip() == ("backup 2020-06-30: ◐ Mindre avvikelser (Drift Driftsson): "
                           "Replikeringen felar ibland")
    pdf = tmp_path / "rapport.pdf"
    code, _out, err = y.run("report", "--period", "2020", "--format", "pdf", "-o", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(pdf)
    lines = text.splitlines()

    def line_of(ident: str) -> str:
        return next(line for line in lines if re.search(rf"\b{ident}\b", line))

    for ident, value, word in [("resp_30m", "63,2 %", "uppnådd"),
                               ("resp_8h_office", "89,5 %", "ej uppnådd"),
                               ("handling_office_h", "7,5 h", "uppnådd"),
                               ("open_30d", "2", "ej uppnådd"),
                               ("missing_solution", "1", "ej uppnådd")]:
        row = line_of(ident)
        assert _squash(value) in _squash(row) and word in row, row
    assert "Nämndmålet uppnås delvis" in text and "Nämndmålet uppnås ej" in text
    assert "Alla indikatorer uppnådda = Nämndmål uppnås" in text

    flat = " ".join(text.split())
    assert "Riskbedömningsmatris" in flat
    ic = flat[flat.index("Uppföljning av intern kontroll"):]
    # Seed order: the matrix, then the areas, then conclusions and actions.
    order = [ic.index(x) for x in ("Riskbedömningsmatris", "1. Administration", "2. Ekonomi",
                                   "3. Personal", "4. Verksamhetsspecifik",
                                   "Slutsatser av uppföljning", "Åtgärder")]
    assert order == sorted(order)
    # The recorded follow-up: status phrase, comment, who followed it up, who entered it.
    backup = ic[ic.index("Säkerhetskopieringssystemet fungerar inte", ic.index("1. Admin")):]
    assert "Mindre avvikelser" in backup[:1500]
    assert "Replikeringen felar ibland" in backup[:1500]
    assert "Drift Driftsson" in backup[:1500]
    assert f"av {getpass.getuser()}" in backup[:1500]
    # The indicator-backed control: minor deviations at 2020-12-31 from its indicators, with
    # the tickets behind them.
    support = ic[ic.index("Supportärenden dokumenteras inte enligt rutin",
                          ic.index("4. Verksamhetsspecifik")):ic.index("Slutsatser av")]
    assert "Mindre avvikelser" in support
    for item in ("G12 (Hallsberg)", "G15 (Lekeberg)", "G16 (Askersund)"):
        assert item in support, support
    assert "open_30d: 2" in support and "missing_solution: 1" in support
    actions = ic[ic.index("Åtgärder"):]
    assert "Säkerhetskopieringssystemet fungerar inte (Mindre avvikelser, 2020-06-30)" in actions


def test_report_to_stdout_and_bad_org(board_year: Callable[[str | None], Year]) -> None:
    y = board_year(None)
    code, out, _err = y.run("report", "--period", "2020", "--format", "md")
    assert code == 0 and out.startswith("# Måluppfyllelse 2020\n")
    code, _out, err = y.run("report", "--period", "2020", "--org", "Örebro")
    assert code == 2 and "Askersund" in err
    code, out, err = y.run("report", "--period", "2020", "--org", "Hallsberg", "--format", "md")
    assert code == 0, err
    assert out.startswith("# Måluppfyllelse 2020 – Hallsberg\n")
    # Only Hallsberg's tickets: resp_30m as the golden breakdown's Hallsberg (2 of 6 met);
    # open_30d 1 (G12).
    row = next(line for line in out.splitlines() if "| resp_30m |" in line)
    assert "33,3\u00a0%" in row and "ej uppnådd" in row
    row = next(line for line in out.splitlines() if "| open_30d |" in line)
    assert "| 1 |" in row


def test_adopted_period_with_drift(board_year: Callable[[str | None], Year]) -> None:
    y = board_year(None)
    assert y.run("period", "close", "2020")[0] == 0
    assert y.run("exclude", "G02", "--reason", "dubblett")[0] == 0  # later care changes 2020
    code, out, err = y.run("report", "--period", "2020", "--format", "md")
    assert code == 0, err
    assert "**Fastställd: siffrorna är de som nämnden fastställde.**" in out
    row = next(line for line in out.splitlines() if "| resp_30m |" in line)
    # The adopted 12 of 19, marked, with what it is now (12 of 18) beside it.
    assert "63,2\u00a0% (fastställd), nu 66,7\u00a0%" in row
    row = next(line for line in out.splitlines() if "| open_30d |" in line)
    assert "(fastställd)" in row and ", nu" not in row  # unchanged: no drift shown

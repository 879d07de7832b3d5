"""Each rule kind against real data: a share whose target the forecast says is out of reach,
a count already past its `<=` target, tickets at risk with their ids, a stale source, a
collection with too many rejects, and a configuration reload that failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.alerts.bench import at
from tests.sources.ticket_csv_files import csv_text, row

SOURCE = """
[[sources]]
name = "export"
kind = "ticket_csv"
path = "{folder}/*.csv"
settle = "0s"
every = "5m"
values.priority = {{ "1. Akut" = "acute", "3. Normal" = "normal" }}
values.status = {{ "02 - Pågår" = "in_progress", "05 - Avklarad" = "resolved", "07 - Stängd" = "closed" }}
values.kind = {{ "Incident" = "incident" }}
"""  # noqa: E501 - TOML inline tables are one line

INDICATORS = """
[[indicators]]
id = "first_line"
name = "Andel lösta av första linjen"
kind = "first_line_share"
target = ">= 0.9"

[[indicators]]
id = "missing"
name = "Lösta utan lösningstext"
kind = "missing_solution"
target = "<= 0"

[[indicators]]
id = "acute"
name = "Akuta med återkoppling inom 30 min"
kind = "response_within"
threshold = "30m"
filter = { priority = "acute" }
target = ">= 0.9"
"""

RULES = """
[[alerts.rules]]
id = "unreachable"
kind = "target_unreachable"

[[alerts.rules]]
id = "risk"
kind = "tickets_at_risk"
indicator = "acute"

[[alerts.rules]]
id = "stale"
kind = "source_stale"

[[alerts.rules]]
id = "quality"
kind = "data_quality"
max_reject_share = 0.2

[[alerts.rules]]
id = "reload"
kind = "reload_failed"
"""


def _setup(bench, tmp_path: Path, rows: list[list[str]]):  # type: ignore[no-untyped-def]
    folder = tmp_path / "drop"
    folder.mkdir(exist_ok=True)
    (folder / "t.csv").write_text(csv_text(rows), encoding="utf-8")
    b = bench(sources=SOURCE.format(folder=folder), indicators=INDICATORS, rules=RULES)
    [outcome] = b.app.collect()
    assert outcome.ok
    return b


def test_unreachable_and_at_risk(bench, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [row(f"L{i}", created=f"2020-03-{2 + i:02d} 08:00", resolved=f"2020-03-{2 + i:02d} "
                "10:00", line="2") for i in range(10)]  # all second line: 0 of 10
    rows.append(row("NOSOL", created="2020-03-05 08:00", resolved="2020-03-05 09:00",
                    solution=""))
    rows.append(row("ACUTE-7", priority="1. Akut", status="02 - Pågår",
                    created="2020-03-20 11:35", first_response="", resolved="", closed="",
                    line="", solution="", updated="2020-03-20 11:35"))
    b = _setup(bench, tmp_path, rows)
    t0 = at("2020-03-20 12:00")  # 25 minutes into ACUTE-7's 30
    assert b.tick(t0) == 2
    by_subject = {m.message["Subject"]: m.message for m in smtp.wait_for(2)}
    unreachable = by_subject["[kpimon] 2 mål går inte längre att nå: Andel lösta av första "
                             "linjen, Lösta utan lösningstext"]
    text = unreachable.get_body(("plain",)).get_content()
    assert "målet går inte längre att nå i perioden" in text
    assert "Värde:        1 för 2020-03" in text  # one resolved without a solution, target 0
    risk = by_subject["[kpimon] 1 ärende nära tidsgränsen: Akuta med återkoppling inom 30 min"]
    text = risk.get_body(("plain",)).get_content()
    assert "1 öppet ärende har passerat 75,0\u00a0% av tidsgränsen 30m:" in text
    assert "ACUTE-7 (25\u00a0min)" in text
    [alert] = [a for a in b.view().firing() if a.rule == "risk"]
    assert alert.annotations == {"tickets": "ACUTE-7"}
    assert "ACUTE-7" not in str(alert.labels)  # never a label
    # Past its 30 minutes it is missed, no longer at risk: the alert resolves.
    assert b.tick(t0 + timedelta(minutes=10)) == 1
    assert smtp.wait_for(3)[2].message["Subject"] == (
        "[kpimon] Åtgärdat: Akuta med återkoppling inom 30 min")


def test_stale_rejects_and_reload(bench, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [row(f"R{i}", created="2020-03-02 08:00") for i in range(6)]
    rows += [row(f"BAD{i}", priority="9. Okänd") for i in range(4)]  # 4 of 10 rejected
    b = _setup(bench, tmp_path, rows)
    now = datetime.now(UTC)
    b.reload_ok = False
    assert b.tick(now) == 2
    by_subject = {m.message["Subject"]: m.message for m in smtp.wait_for(2)}
    quality = by_subject["[kpimon] Datakvalitet, 1 källa: export"]
    assert ("Senaste hämtningen: 6 poster, 4 avvisade (40,0\u00a0%, gräns 20,0\u00a0%)"
            in quality.get_body(("plain",)).get_content())
    assert "[kpimon] Den nya konfigurationen kunde inte läsas in" in by_subject
    # Ten minutes (2 × every) without a success: stale.
    assert b.tick(now + timedelta(minutes=9)) == 0
    assert b.tick(now + timedelta(minutes=11)) == 1
    stale = smtp.wait_for(3)[2].message
    assert stale["Subject"] == "[kpimon] 1 källa har inte uppdaterats: export"
    assert "Ingen lyckad hämtning på mer än 10\u00a0min" in \
        stale.get_body(("plain",)).get_content()

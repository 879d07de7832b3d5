"""The status page's Sources table says what it counts — records taken (every row read, so a
ticket exported twice counts twice) beside what the store holds now — and a computer count
agrees between `kpimon_devices`, that table and `explain`; the Rejected figure links to the
latest rejects; a file that failed as a whole stays on the page until it is mended; and a closed
(adopted) running period is marked adopted on the page and in `/api/kpis`."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpimon.cli import main
from kpimon.kpi.results import close_period
from tests.fixtures.board.kit import FIELDS, HEADER, VALUES, T
from tests.web.golden import DaemonThread, get, parse_exposition, sample

CMDB = ["PC001", "pc001.kommun.local", "PC002", "PC002", " pc003 "]  # 3 computers
SCCM = ["PC001", "PC002", "PC004.kommun.local"]


def _config(tmp: Path, db_url: str) -> Path:
    for folder in ("exports", "cmdb", "sccm"):
        (tmp / folder).mkdir()
    (tmp / "cmdb" / "cmdb.csv").write_text("Namn\n" + "\n".join(CMDB) + "\n")
    (tmp / "sccm" / "sccm.csv").write_text("Name\n" + "\n".join(SCCM) + "\n")
    rows = [T("A1", "2020-03-02 08:00"), T("A2", "2020-03-02 09:00")]
    lines = [";".join(HEADER)] + [";".join(t.row()) for t in rows]
    lines.append(lines[1].replace("A1;Incident;3. Normal", "A9;Incident;9. Okänd"))
    (tmp / "exports" / "1.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    (tmp / "exports" / "2.csv").write_text("\n".join(lines[:2]) + "\n", encoding="utf-8-sig")
    cfg = tmp / "kpimon.toml"
    cfg.write_text(f"""
database = "{db_url}"
language = "en"
[http]
listen = "127.0.0.1:0"

[[sources]]
name = "export"
kind = "ticket_csv"
path = "{tmp}/exports/*.csv"
every = "1h"
settle = "0s"
{FIELDS}
{VALUES}

[[sources]]
name = "cmdb"
kind = "inventory_csv"
path = "{tmp}/cmdb/*.csv"
every = "1h"
settle = "0s"

[[sources]]
name = "sccm"
kind = "inventory_csv"
path = "{tmp}/sccm/*.csv"
every = "1h"
settle = "0s"

[[indicators]]
id = "computers"
kind = "asset_reconciliation"
a = "cmdb"
b = "sccm"
target = "<= 0"

[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
""", encoding="utf-8")
    return cfg


def _sources(page: str) -> dict[str, list[str]]:
    """The Sources table: source → its cells as text (name, state, last success, records
    taken, stored now, rejected, error)."""
    out = {}
    for name, row in re.findall(r'<tr data-source="([^"]+)"[^>]*>(.*?)</tr>', page, re.S):
        out[name] = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return out


@pytest.mark.timeout(90)
def test_sources_table_devices_rejects_failures_and_adopted(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, db_url)
    with DaemonThread(cfg, {}) as d:
        d.wait_collected("export", "cmdb", "sccm")
        page = get(f"{d.url}/").text
        assert ">Records taken</th>" in page and ">Stored now</th>" in page
        assert 'title="rows read from the source by every collection so far' in page
        sources = _sources(page)
        # 1.csv: A1, A2 and a reject; 2.csv: A1 again. Three records taken (the rejected row
        # apart), two tickets stored.
        assert sources["export"][3:6] == ["3", "2 tickets", "1"]
        assert sources["cmdb"][4] == "3 computers" and sources["sccm"][4] == "3 computers"
        metrics = parse_exposition(get(f"{d.url}/metrics").text)
        assert sample(metrics, "kpimon_devices", source="cmdb") == 3
        assert sample(metrics, "kpimon_devices", source="sccm") == 3

        # The Rejected figure links to the source's latest rejects.
        assert '<a href="rejects?source=export">1</a>' in page
        rejects = get(f"{d.url}/rejects?source=export")
        assert rejects.status == 200 and rejects.headers["Content-Type"].startswith("text/plain")
        assert "value '9. Okänd' is not in values.priority" in rejects.text
        assert get(f"{d.url}/rejects?source=nope").status == 404

        # A file that failed as a whole is on the page, and stays there while it is not mended.
        bad = tmp_path / "exports" / "3.csv"
        bad.write_text("Id;Typ\nX1;Incident\n", encoding="utf-8")
        for _ in range(2):
            d.daemon.collect("export")
            d.daemon.compute()
            row = _sources(get(f"{d.url}/").text)["export"]
            assert f"{bad}: the header lacks Ärende-ID, Prioritet, Status, Skapad" in row[6], row
        assert row[1] == "up"  # the second run skipped the file: the source itself is fine
        bad.unlink()
        d.daemon.compute()
        assert _sources(get(f"{d.url}/").text)["export"][6] == ""

        # The running month, closed early: marked adopted on the page and in /api/kpis.
        app = d.daemon.app
        month = app.running_periods()["month"]
        close_period(app.store, app.engine, app.config, month, datetime.now(UTC), "test")
        d.daemon.compute()
        assert get(f"{d.url}/api/kpis").json()["adopted"] is True
        page = get(f"{d.url}/").text
        assert re.search(r"<h2 id=\"h-month\">[^<]*: [^<]* \(adopted\)</h2>", page)

    # explain counts the computers the same way.
    assert main(["--config", str(cfg), "explain", "computers", "--format", "json"]) == 0
    explained = json.loads(capsys.readouterr().out)
    assert explained["tickets"][0] == {"summary": "cmdb: 3, sccm: 3"}

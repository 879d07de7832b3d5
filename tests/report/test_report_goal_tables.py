"""The board report's goal table for the fixture year 2020, in Swedish (the default) and in
English (`language = "en"`), in HTML and Markdown: equal to the expected tables, the HTML
parsing cleanly with html5lib, and every number and percent in sv_SE where Swedish."""

from __future__ import annotations

import re
from collections.abc import Callable

import html5lib

from kpimon.kpi.periods import year
from kpimon.report import render
from tests.report.fixture import AT, Year

NB = "\u00a0"
SWEDISH = [
    ["service", "resp_30m", f"63,2{NB}%", "–", f"≥{NB}60{NB}% (delvis: ≥{NB}50{NB}%)",
     "● uppnådd"],
    ["resp_8h_office", f"89,5{NB}%", "–", f"≥{NB}90{NB}%", "○ ej uppnådd"],
    ["order_2d_office", f"50,0{NB}%", "–", f"≥{NB}50{NB}%", "● uppnådd"],
    ["first_line", f"56,2{NB}%", "–", f"≥{NB}56{NB}%", "● uppnådd"],
    ["handling_office_h", f"7,5{NB}h", "–", f"≤{NB}8{NB}h", "● uppnådd"],
    ["Nämndmålet uppnås delvis ◐"],
    ["control", "open_30d", "2", "0", f"≤{NB}1", "○ ej uppnådd"],
    ["missing_solution", "1", "0", f"≤{NB}0", "○ ej uppnådd"],
    ["flow", "1", "0", f"≤{NB}0", "○ ej uppnådd"],
    ["Nämndmålet uppnås ej ○"],
    ["Övriga indikatorer", "handling_p90_office_h", f"20,5{NB}h", "–", "", "· inget mål"],
    ["oldest_open", f"13{NB}021{NB}200{NB}s", "–", "", "· inget mål"],
]
ENGLISH = [
    ["service", "resp_30m", "63.2%", "–", f"≥{NB}60% (partly: ≥{NB}50%)", "● achieved"],
    ["resp_8h_office", "89.5%", "–", f"≥{NB}90%", "○ not achieved"],
    ["order_2d_office", "50.0%", "–", f"≥{NB}50%", "● achieved"],
    ["first_line", "56.2%", "–", f"≥{NB}56%", "● achieved"],
    ["handling_office_h", f"7.5{NB}h", "–", f"≤{NB}8{NB}h", "● achieved"],
    ["Goal partially achieved ◐"],
    ["control", "open_30d", "2", "0", f"≤{NB}1", "○ not achieved"],
    ["missing_solution", "1", "0", f"≤{NB}0", "○ not achieved"],
    ["flow", "1", "0", f"≤{NB}0", "○ not achieved"],
    ["Goal not achieved ○"],
    ["Other indicators", "handling_p90_office_h", f"20.5{NB}h", "–", "", "· no target"],
    ["oldest_open", f"13,021,200{NB}s", "–", "", "· no target"],
]
HEAD = {"sv": ["Nämndmål", "Indikator", "Utfall 2020", "Föregående år", "Målvärde 2020",
               "Status"],
        "en": ["Board goal", "Indicator", "Outcome 2020", "Last year", "Target 2020",
               "Status"]}
NS = "{http://www.w3.org/1999/xhtml}"


def _text(el: object) -> str:
    return " ".join("".join(el.itertext()).replace("\n", " ").split(" ")).strip()  # type: ignore[attr-defined]


def _clean(s: str) -> str:
    return re.sub(r"[ \t\n]+", " ", s).strip()


def parse_strict(html: str) -> object:
    """html5lib in strict mode: any parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(html)


def goal_table(html: str) -> tuple[list[str], list[list[str]]]:
    doc = parse_strict(html)
    table = next(t for t in doc.iter(f"{NS}table") if t.get("id") == "goal-table")  # type: ignore[attr-defined]
    head = [_clean("".join(th.itertext())) for th in table.iter(f"{NS}th")
            if th.get("scope") == "col"]
    rows = []
    for tr in table.iter(f"{NS}tr"):
        cells = [c for c in tr if c.tag in (f"{NS}td", f"{NS}th") and c.get("scope") != "col"]
        if cells:
            rows.append([_clean("".join(c.itertext())) for c in cells])
    return head, rows


def visible_text(html: str) -> str:
    doc = parse_strict(html)
    body = next(doc.iter(f"{NS}body"))  # type: ignore[attr-defined]
    for style in list(body.iter(f"{NS}style")):
        style.text = ""
    return "".join(body.itertext())


def sv_numbers_ok(text: str) -> list[str]:
    """What in `text` breaks sv_SE: a decimal point, a % without the no-break space before
    it, or digits grouped with a comma or a plain space."""
    bad = re.findall(r"\d\.\d", text)
    bad += re.findall(r"\d%|\d %", text)
    bad += re.findall(r"\d,\d{3}(?!\d)", text) and [m for m in re.findall(
        r"\d{1,3}(?:,\d{3})+(?!\d)", text) if not re.fullmatch(r"\d,\d{3}", m)]
    return bad


def test_swedish_goal_table(board_year: Callable[[str | None], Year]) -> None:
    y = board_year(None)
    app = y.app()
    html = render(app, year(2020, app.config.tz), AT, "html")
    assert isinstance(html, str)
    head, rows = goal_table(html)
    assert head == HEAD["sv"]
    assert rows == SWEDISH
    text = visible_text(html)
    assert sv_numbers_ok(text) == []
    assert "Alla indikatorer uppnådda = Nämndmål uppnås" in text  # the rule is stated
    assert "Mer än hälften av indikatorerna uppnådda eller delvis uppnådda = Nämndmål uppnås " \
           "delvis" in text
    assert 'lang="sv"' in html
    # Charts of each indicator's months: an SVG with a text alternative naming the months.
    assert re.search(r'<svg[^>]+role="img"', html)
    assert f"resp_30m, per månad: jan –, feb –, mars 60,0{NB}%, apr 0,0{NB}%" in html


def test_english_goal_table(board_year: Callable[[str | None], Year]) -> None:
    y = board_year("en")
    app = y.app()
    html = render(app, year(2020, app.config.tz), AT, "html")
    assert isinstance(html, str)
    head, rows = goal_table(html)
    assert head == HEAD["en"]
    assert rows == ENGLISH
    assert 'lang="en"' in html
    assert "All indicators achieved = goal achieved" in visible_text(html)


def test_markdown_goal_table(board_year: Callable[[str | None], Year]) -> None:
    y = board_year(None)
    app = y.app()
    md = render(app, year(2020, app.config.tz), AT, "md")
    assert isinstance(md, str)
    lines = md.splitlines()
    start = lines.index("| Nämndmål | Indikator | Utfall 2020 | Föregående år | Målvärde 2020 "
                        "| Status |")
    table = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        table.append([c.strip(" ") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    assert table[0] == SWEDISH[0]
    assert table[1] == [""] + SWEDISH[1]
    assert table[5] == ["", "**Nämndmålet uppnås delvis**", "", "", "", "◐"]
    assert "<svg" not in md  # Git hosts get tables, not charts
    assert sv_numbers_ok(md.replace("2020-", "")) == []

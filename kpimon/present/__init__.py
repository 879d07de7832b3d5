"""The presentation layer: Jinja2 templates (autoescaped HTML, and Markdown) for the status
page, the explain pages and the board report, filled with view models whose every number,
date and word went through one `kpimon.i18n.Formatter`.

Templates are package data under `kpimon/present/templates/`. Each render gets `t` (the
catalog), `fmt` (the formatter) and `lang` besides its own context.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from kpimon.i18n import Formatter


def md_cell(value: Any) -> str:
    """Text for a Markdown table cell: pipes escaped, line breaks and HTML brackets made
    harmless, so a name or comment cannot break the table or inject markup."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    # Collapse line breaks and runs of ASCII space only: a no-break space inside a number
    # (`63,2 %`) is part of the number.
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


@lru_cache(maxsize=2)
def environment(markdown: bool = False) -> Environment:
    """The HTML environment (autoescape on for every template) or the Markdown one."""
    env = Environment(
        loader=PackageLoader("kpimon.present", "templates"),
        autoescape=not markdown, undefined=StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = md_cell
    return env


def render(template: str, fmt: Formatter, **context: Any) -> str:
    """Render `template` (`page.html`, `explain.html`, `report.html`, `report.md`)."""
    env = environment(markdown=template.endswith(".md"))
    return env.get_template(template).render(t=fmt.t, fmt=fmt, lang=fmt.language, **context)

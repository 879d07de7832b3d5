"""One message catalog: every key has Swedish and English, with the same fields, and every
key the templates and modules use exists in it."""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

from kpimon.i18n.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[2] / "kpimon"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_in_both_languages_with_the_same_fields() -> None:
    for key, entry in MESSAGES.items():
        assert set(entry) == {"sv", "en"}, key
        assert _fields(entry["sv"]) == _fields(entry["en"]), key


def test_every_used_key_exists() -> None:
    used: set[str] = set()
    templates = resources.files("kpimon.present").joinpath("templates")
    for item in templates.iterdir():
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z0-9_]+)["']\s*[,)]""",
                               item.read_text("utf-8")))
    for path in ROOT.rglob("*.py"):
        used |= set(re.findall(r"""\.t\(\s*["']([a-z_]+\.[A-Za-z0-9_]+)["']\s*[,)]""",
                               path.read_text("utf-8")))
    assert used, "no key found: the scan is broken"
    missing = sorted(k for k in used if k not in MESSAGES)
    assert missing == []

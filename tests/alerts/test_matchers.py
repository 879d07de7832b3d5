"""Label matchers as Alertmanager writes them, for silences, routes and inhibition."""

from __future__ import annotations

import pytest

from kpimon.alerts.matchers import format_matcher, matches, parse_matcher


@pytest.mark.parametrize(("text", "parsed"), [
    ("rule=calls_low", ("rule", "=", "calls_low")),
    ("severity!=info", ("severity", "!=", "info")),
    ("indicator=~calls_.*", ("indicator", "=~", "calls_.*")),
    ("team!~drift|ekonomi", ("team", "!~", "drift|ekonomi")),
    ('team="service desk"', ("team", "=", "service desk")),
    ("source=", ("source", "=", "")),
])
def test_parse(text: str, parsed: tuple[str, str, str]) -> None:
    assert parse_matcher(text) == parsed
    assert parse_matcher(format_matcher(parsed)) == parsed or '"' in text


@pytest.mark.parametrize("text", ["rule", "=x", "a-b=c", "x=~(", "1a=b"])
def test_bad_matchers(text: str) -> None:
    with pytest.raises(ValueError):
        parse_matcher(text)


def test_matching_is_anchored_and_missing_is_empty() -> None:
    labels = {"rule": "calls_low", "team": "servicedesk"}
    assert matches([("rule", "=~", "calls")], labels) is False  # anchored, like Alertmanager
    assert matches([("rule", "=~", "calls.*"), ("team", "!=", "drift")], labels)
    assert matches([("source", "=", "")], labels)  # a missing label is ""
    assert not matches([("team", "!~", "service.*")], labels)
    assert matches([], labels)

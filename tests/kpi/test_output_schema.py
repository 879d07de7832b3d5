"""The JSON Schema of the §9 object (kpimon/schemas/kpis.schema.json): a valid 2020-12 schema,
shipped as package data, that accepts what DESIGN §9 shows and rejects what it rules out."""

from __future__ import annotations

import copy
import fnmatch
import tomllib
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from tests.web.golden import REPO, kpis_schema, schema_errors


def _valid() -> dict[str, Any]:
    """DESIGN §9's example, completed (a goal needs a name; `current` as a closed period has)."""
    return {
        "period": {"start": "2020-01-01T00:00:00+01:00", "end": "2021-01-01T00:00:00+01:00",
                   "label": "2020"},
        "evaluated_at": "2026-11-26T10:15:00+01:00",
        "indicators": [
            {"id": "sl_20s", "name": "Besvarade inom 20 s", "kind": "call_service_level",
             "unit": "ratio", "value": 0.67, "numerator": 412, "denominator": 615,
             "unknown": None, "target": ">= 0.70", "status": "not_achieved", "previous": 0.64,
             "forecast": {"required_share": 0.81, "reachable": True},
             "breakdown": {"queue": {"Servicedesk": {"value": 0.67, "numerator": 412,
                                                     "denominator": 615,
                                                     "status": "not_achieved"}}},
             "current": {"value": 0.67, "numerator": 412, "denominator": 615,
                         "status": "not_achieved"},
             "formula": "default"},
            {"id": "flow", "name": "flow", "kind": "status_flow", "unit": "count", "value": 1,
             "numerator": None, "denominator": None, "unknown": 15, "target": "<= 0",
             "status": "not_achieved", "previous": None, "forecast": None, "breakdown": {}},
            {"id": "resp", "name": "resp", "kind": "response_within", "unit": "ratio",
             "value": None, "numerator": 0, "denominator": 0, "unknown": None, "target": "rise",
             "status": "no_value", "previous": None, "forecast": None,
             "breakdown": {"org": {"Laxå": {"value": None, "numerator": 0, "denominator": 0,
                                            "status": "no_value"}}}},
            {"id": "budget", "name": "Budgetresultat", "kind": "manual", "unit": "kSEK",
             "value": -823, "numerator": None, "denominator": None, "unknown": None,
             "target": ">= 0", "status": "not_achieved", "previous": None, "forecast": None,
             "breakdown": {}},
        ],
        "goals": [{"id": "service", "name": "Ge god service", "status": "partial",
                   "indicators": ["sl_20s", "resp"]}],
        "adopted": True,
    }


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = obj
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return apply


_DELETE = object()

BROKEN = {
    "no period": _set("period", _DELETE),
    "period without label": _set("period.label", _DELETE),
    "a label that is no period": _set("period.label", "2020-13"),
    "time without offset": _set("evaluated_at", "2026-11-26T10:15:00"),
    "a date, not a time": _set("period.start", "2020-01-01"),
    "unknown top-level key": _set("extra", 1),
    "adopted false (absent instead)": _set("adopted", False),
    "indicator without value key": _set("indicators.0.value", _DELETE),
    "indicator without forecast key": _set("indicators.1.forecast", _DELETE),
    "unknown status": _set("indicators.0.status", "ok"),
    "value as text": _set("indicators.0.value", "0.67"),
    "unknown kind": _set("indicators.0.kind", "sla"),
    "a made-up unit": _set("indicators.1.unit", "percent"),
    "a fractional denominator": _set("indicators.0.denominator", 615.5),
    "a negative denominator": _set("indicators.0.denominator", -1),
    "no value, yet achieved": _set("indicators.2.status", "achieved"),
    "no value in a breakdown, yet achieved": _set(
        "indicators.2.breakdown.org.Laxå.status", "achieved"),
    "a target and no_target": _set("indicators.1.status", "no_target"),
    "no target, yet achieved": _set("indicators.1.target", None),
    "a target that does not parse": _set("indicators.1.target", "at least 90 %"),
    "unknown outside status_flow": _set("indicators.0.unknown", 3),
    "forecast without reachable": _set("indicators.0.forecast", {"required_share": 0.8}),
    "breakdown by an unknown dimension": _set("indicators.0.breakdown", {"city": {}}),
    "breakdown key without status": _set(
        "indicators.0.breakdown.queue.Servicedesk.status", _DELETE),
    "current without status": _set("indicators.0.current.status", _DELETE),
    "formula on a ticket indicator": _set("indicators.1.formula", "default"),
    "an id that cannot be a label": _set("indicators.1.id", "open tickets"),
    "a goal with no_target": _set("goals.0.status", "no_target"),
    "a goal without indicators": _set("goals.0.indicators", _DELETE),
}


def test_schema_is_a_valid_2020_12_schema() -> None:
    schema = kpis_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_is_package_data() -> None:
    """pyproject.toml ships kpimon/schemas/*.json with the package."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["kpimon"]
    assert any(fnmatch.fnmatch("schemas/kpis.schema.json", p) for p in patterns)
    assert (REPO / "kpimon" / "schemas" / "kpis.schema.json").is_file()


def test_the_design_example_is_valid() -> None:
    assert schema_errors(_valid()) == []
    minimal = _valid()
    del minimal["adopted"]
    for ind in minimal["indicators"]:
        ind.pop("current", None)
    assert schema_errors(minimal) == []


@pytest.mark.parametrize("broken", list(BROKEN), ids=list(BROKEN))
def test_schema_rejects(broken: str) -> None:
    obj = copy.deepcopy(_valid())
    BROKEN[broken](obj)
    assert schema_errors(obj), f"the schema accepted: {broken}"

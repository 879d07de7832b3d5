"""Fuzzing the other file parsers: Efecte XML exports (tickets and CMDB computers), inventory
lists and counts, and manual-value drops, built from good values, the seeds of issue 19 and
arbitrary text (and arbitrary bytes), give records the store can take and rejects, or a file
error naming the file — never an unhandled exception."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpimon.config import SourceConfig
from kpimon.sources.efecte_xml import EfecteXmlSource
from kpimon.sources.inventory_csv import InventoryCsvSource
from kpimon.sources.manual import ManualSource
from tests.sources.efecte_server import XML_FIELDS, xml_config
from tests.sources.fuzz_inputs import cell, context, drain, drop_folder

FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.fuzz

XML_GOOD = ["02.03.2020 08:41", "2020-03-02T08:41:00Z", "1583138460000", "2. Hög",
            "05 - Avklarad", "INC-1", "Hallsberg"]
ENCODINGS = ["UTF-8", "UTF8X", "utf-16", "latin-1", "ascii", "x" * 300, ""]


def _entity(ident: str, attrs: dict[str, str], template: str) -> str:
    body = "".join(f"<attribute code={quoteattr(code)}><value>{escape(value)}</value>"
                   "</attribute>" for code, value in attrs.items())
    return (f"<entity id={quoteattr(ident)} name={quoteattr(ident)}>"
            f"<template code={quoteattr(template)}/>{body}</entity>")


def _xml(files: dict[str, bytes], **cfg: object) -> None:
    with drop_folder(files) as folder:
        config = xml_config(path=str(folder / "*.xml"), settle=0, **cfg)
        drain(EfecteXmlSource(config).collect(context(config)), list(files))


def _text(document: str, encoding: str) -> bytes:
    head = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else ""
    try:
        return (head + document).encode(encoding or "utf-8", "replace")
    except LookupError:
        return (head + document).encode("utf-8", "replace")


entities = st.lists(st.tuples(cell(["INC-1", "INC-2"]),
                              st.dictionaries(st.sampled_from(list(XML_FIELDS.values())),
                                              cell(XML_GOOD), max_size=6),
                              st.sampled_from(["incident", "request", ""])), max_size=5)


@FUZZ
@given(entities=entities, encoding=st.sampled_from(ENCODINGS), devices=st.booleans())
@example(entities=[("1", {"efecte_id": "INC-1", "created": "01.01.0001 00:00",
                          "priority": "2. Hög", "status": "05 - Avklarad"}, "incident")],
         encoding="UTF8X", devices=False)
@example(entities=[("1", {"created": "31.12.9999 23:59", "solved_date": "0001-01-01 00:00"},
                    "incident")], encoding="UTF-8", devices=False)
def test_efecte_xml(entities: list[tuple[str, dict[str, str], str]], encoding: str,
                    devices: bool) -> None:
    doc = "<entityset>" + "".join(_entity(*e) for e in entities) + "</entityset>"
    _xml({"a.xml": _text(doc, encoding), "b.xml": _text(doc, "UTF-8")}, devices=devices)


@FUZZ
@given(body=st.binary(max_size=300))
@example(body=b"<entityset><entity id='1'>" * 2000)
def test_efecte_xml_arbitrary_bytes(body: bytes) -> None:
    _xml({"a.xml": b"<?xml version='1.0'?><entityset>" + body})


def _inventory(body: bytes, **cfg: object) -> None:
    with drop_folder({"inventory.csv": body}) as folder:
        config = SourceConfig(name="cmdb", kind="inventory_csv", every=3600, settle=0,
                              path=str(folder / "*.csv"), **cfg)  # type: ignore[arg-type]
        drain(InventoryCsvSource(config).collect(context(config)), ["inventory.csv"])


@FUZZ
@given(rows=st.lists(st.lists(cell(["Namn", "Antal", "PC001", "3 226", "3226"]), max_size=3),
                     max_size=6),
       count=st.booleans(), delimiter=st.sampled_from([";", ",", "\t"]))
@example(rows=[["Antal"], ["1" * 4301]], count=True, delimiter=";")
@example(rows=[["Antal"], ["3000000000"]], count=True, delimiter=";")
@example(rows=[["Namn"], ["PC" + "x" * 300], ["PC" + "x" * 300 + "2"]], count=False,
         delimiter=";")
def test_inventory_csv(rows: list[list[str]], count: bool, delimiter: str) -> None:
    text = "\n".join(delimiter.join(r) for r in rows)
    _inventory(text.encode("utf-8", "replace"), count=count)


@FUZZ
@given(body=st.binary(max_size=300), count=st.booleans())
def test_inventory_arbitrary_bytes(body: bytes, count: bool) -> None:
    _inventory(body, count=count)


@FUZZ
@given(rows=st.lists(st.lists(cell(["hme", "2020", "2020-Q4", "71,13", "-823", "minor",
                                    "Inga avvikelser", "1"]), max_size=5), max_size=6),
       header=st.sampled_from(["indicator;period;value;note", "control;occasion;status;comment;by",
                               "indicator,period,value"]))
@example(rows=[["hme", "2020", "1e400"], ["hme", "99999", "1" * 4301], ["hme", "2020", "NaN"]],
         header="indicator;period;value;note")
def test_manual_values(rows: list[list[str]], header: str) -> None:
    delimiter = "," if "," in header else ";"
    body = "\n".join([header] + [delimiter.join(r) for r in rows]).encode("utf-8", "replace")
    with drop_folder({"values.csv": body}) as folder:
        config = SourceConfig(name="manual", kind="manual", every=3600, settle=0,
                              path=str(folder / "*.csv"))
        drain(ManualSource(config).collect(context(config)), ["values.csv"])

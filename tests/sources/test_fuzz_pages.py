"""Fuzzing the API sources' pages, served by a real local HTTP server: Efecte REST data pages
(tickets, and CMDB computers) and SCCM AdminService pages built from good values, the seeds of
issue 19 (a lone surrogate, a 4 301-digit number, deep nesting, `next` links that are not
URLs) and arbitrary JSON or text give records the store can take and rejects, or a failed
source in words (SourceError) — never an unhandled exception. And a JWT's `exp`, whatever it
holds, is a time or none."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpimon.config import SourceConfig
from kpimon.sources.efecte_rest import EfecteRestSource, jwt_expiry
from kpimon.sources.sccm import SccmSource
from tests.sources.efecte_server import FIELDS, VALUES
from tests.sources.fuzz_inputs import SEEDS, context, drain
from tests.sources.json_server import JsonServer

FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
pytestmark = pytest.mark.fuzz
BIG = "1" * 4301
BIG_MARK = '"@@BIG@@"'  # json.dumps cannot write BIG itself: replaced in the page's text
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture(scope="module")
def pages() -> Iterator[JsonServer]:
    srv = JsonServer()
    yield srv
    srv.close()


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                    st.sampled_from([*SEEDS, "\ud800", BIG_MARK.strip('"')]), st.text(max_size=20))


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(inner, max_size=3),
                     st.dictionaries(st.text(max_size=8), inner, max_size=3))


json_values = st.recursive(scalars, _nested, max_leaves=12)
element = st.one_of(json_values, st.fixed_dictionaries(
    {"values": st.lists(st.one_of(st.fixed_dictionaries({"value": scalars}),
                                  st.fixed_dictionaries({"name": scalars}), json_values),
                        max_size=2)}))
card = st.fixed_dictionaries(
    {"dataCardId": scalars, "name": scalars,
     "data": st.one_of(st.dictionaries(st.sampled_from(list(FIELDS.values())), element,
                                       max_size=8), json_values)},
    optional={"deleted": st.booleans(), "hidden": st.booleans()})
links = st.one_of(st.none(), st.sampled_from(["http://[::1", "/dc/incident/data?filterId=1",
                                              "//evil.example/dc/x", "https://h/x?y=%zz",
                                              "http://[::1]:99999/dc/a"]), st.text(max_size=20))
page = st.fixed_dictionaries({"data": st.one_of(st.lists(card, max_size=4), json_values),
                              "meta": st.fixed_dictionaries({
                                  "count": scalars, "limit": st.one_of(st.just(1), scalars),
                                  "links": st.fixed_dictionaries({"next": links})})})


def _body(document: Any, raw: str | None) -> bytes:
    if raw is not None:
        return raw.encode("utf-8", "surrogatepass")
    return json.dumps(document).replace(BIG_MARK, BIG).encode()


def _rest(pages: JsonServer, body: bytes, devices: bool) -> None:
    pages.body = body
    config = SourceConfig(name="efecte", kind="efecte_rest", every=300,
                          url=pages.url + "/rest-api/itsm/v1", username="kpimon",
                          password="pw", templates=("incident",), retries=0, timeout=5.0,
                          fields=dict(FIELDS), values={k: dict(v) for k, v in VALUES.items()},
                          devices=devices, name_field="hostname" if devices else None)
    drain(EfecteRestSource(config).collect(context(config)))


@FUZZ
@given(document=page, raw=st.one_of(st.none(), st.text(max_size=60)), devices=st.booleans())
@example(document={"data": [{"dataCardId": "1", "data": {
    "efecte_id": {"values": [{"value": "INC-\ud800"}]},
    "updated": {"values": [{"value": "0001-01-01T00:00:00Z"}]},
    "created": {"values": [{"value": BIG_MARK.strip('"')}]}}}],
    "meta": {"count": 1, "limit": 1, "links": {"next": "http://[::1"}}}, raw=None, devices=False)
@example(document={}, raw=DEEP, devices=False)
@example(document={}, raw='{"data": [' + "{\"a\":" * 3000 + "1" + "}" * 3000 + "]}",
         devices=True)
def test_efecte_rest_pages(pages: JsonServer, document: Any, raw: str | None,
                           devices: bool) -> None:
    _rest(pages, _body(document, raw), devices)


odata_row = st.dictionaries(st.sampled_from(["Name", "Client", "Active", "Obsolete",
                                             "Decommissioned", "OperatingSystemNameandVersion",
                                             "ResourceId"]), json_values, max_size=6)


@FUZZ
@given(rows=st.one_of(st.lists(odata_row, max_size=4), json_values), link=links,
       raw=st.one_of(st.none(), st.text(max_size=60)))
@example(rows=[{"Name": "PC" + "x" * 300}, {"Name": "PC" + "x" * 300 + "2"}, {"Name": BIG}],
         link="http://[::1", raw=None)
@example(rows=[], link=None, raw=DEEP)
def test_sccm_pages(pages: JsonServer, rows: Any, link: str | None, raw: str | None) -> None:
    document = {"value": rows, "@odata.nextLink": link}
    pages.body = _body(document, raw)
    config = SourceConfig(name="sccm", kind="sccm", every=3600,
                          url=pages.url + "/AdminService/wmi/SMS_R_System", retries=0,
                          timeout=5.0, username="svc", password="pw")
    drain(SccmSource(config).collect(context(config)))


@FUZZ
@given(payload=st.one_of(json_values.map(lambda v: json.dumps({"exp": v}).encode()),
                         st.binary(max_size=40)))
@example(payload=b'{"exp": 1' + b"0" * 400 + b"}")
@example(payload=b'{"exp": ' + BIG.encode() + b"}")
@example(payload=b'{"exp": 1e400}')
def test_jwt_expiry(payload: bytes) -> None:
    part = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    exp = jwt_expiry(f"eyJhbGciOiJub25lIn0.{part}.sig")
    assert exp is None or isinstance(exp, float)

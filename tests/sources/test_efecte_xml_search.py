"""efecte_xml over HTTP: search.ws with Basic auth, empty answers, errors, hostile XML."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kpimon.config import SourceConfig
from kpimon.records import Device, Ticket
from kpimon.sources.base import SourceError
from kpimon.sources.efecte_xml import EfecteXmlSource
from tests.sources.efecte_server import (
    BOMB,
    EXTERNAL,
    FakeEfecte,
    FakeSleep,
    context,
    run,
    xml_config,
    xml_document,
    xml_entity,
)

QUERY = "SELECT entity FROM entity WHERE entity.template.code = 'incident'"


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        yield server


def config_for(srv: FakeEfecte, **kw: object) -> SourceConfig:
    base: dict[str, object] = dict(url=srv.xml_url, query=QUERY, username="xmluser",
                                   password="xml-Pa55")
    base.update(kw)
    return xml_config(**base)


def test_search_answer_maps_to_tickets_with_basic_auth(srv: FakeEfecte) -> None:
    srv.xml_body = xml_document(xml_entity(2001), xml_entity(2002, status="02 - Pågår",
                                                             solved=None, org="Lekeberg"),
                                xml_entity(2003, template="service_request"))
    config = config_for(srv)
    [(batch, items)] = run(EfecteXmlSource(config), context(config))
    [req] = srv.of_kind("search")
    assert req.path == "/api/itsm/search.ws" and req.query == {"query": QUERY}
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(
        b"xmluser:xml-Pa55").decode()
    assert batch.snapshot is False
    tickets = {t.id: t for t in items}
    assert all(isinstance(t, Ticket) for t in items)
    first = tickets["INC-2001"]
    assert (first.priority, first.status, first.org) == ("high", "resolved", "Hallsberg")
    assert first.created == datetime(2020, 3, 2, 7, 41, tzinfo=UTC)  # 08:41 CET
    assert first.resolved == datetime(2020, 3, 2, 9, 15, tzinfo=UTC)
    assert tickets["INC-2002"].status == "in_progress" and tickets["INC-2002"].resolved is None
    assert tickets["INC-2003"].kind == "request"


def test_wrong_credentials_are_a_permanent_error(srv: FakeEfecte) -> None:
    config = config_for(srv, password="not-it-123")
    with pytest.raises(SourceError) as err:
        run(EfecteXmlSource(config), context(config))
    assert err.value.permanent and "user xmluser" in err.value.message
    assert "not-it-123" not in str(err.value)
    assert len(srv.of_kind("search")) == 1


@pytest.mark.parametrize("body", [b"<result/>", b"<?xml version='1.0'?><entityset/>"])
def test_empty_answer_is_an_empty_batch(srv: FakeEfecte, body: bytes) -> None:
    srv.xml_body = body
    config = config_for(srv)
    [(batch, items)] = run(EfecteXmlSource(config), context(config))
    assert items == [] and batch.snapshot is False


@pytest.mark.parametrize("status", [200, 500])
def test_error_answer_carries_the_code(srv: FakeEfecte, status: int) -> None:
    srv.xml_status = status
    srv.xml_body = (b"<?xml version='1.0'?><error><code>3003</code>"
                    b"<description>Invalid query: unknown attribute</description></error>")
    config = config_for(srv)
    with pytest.raises(SourceError) as err:
        run(EfecteXmlSource(config, sleep=FakeSleep()), context(config))
    assert err.value.code == "3003"
    assert "Invalid query: unknown attribute" in err.value.message


@pytest.mark.parametrize("body", [BOMB, EXTERNAL], ids=["bomb", "external-entity"])
def test_hostile_xml_is_refused_not_expanded(srv: FakeEfecte, body: bytes) -> None:
    srv.xml_body = body
    config = config_for(srv)
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        run(EfecteXmlSource(config), context(config))
    assert "refused" in err.value.message and "never expands" in err.value.message
    assert "root:" not in err.value.message
    assert time.monotonic() - started < 2


def test_devices_from_search(srv: FakeEfecte) -> None:
    srv.xml_body = xml_document(
        '<entity id="7" name="ws-7"><template code="workstation"/>'
        '<attribute code="hostname"><value>ASK-PC007</value></attribute></entity>',
        '<entity id="8" name="ws-8"><template code="printer"/>'
        '<attribute code="hostname"><value>PRN-1</value></attribute></entity>')
    config = config_for(srv, devices=True, name_field="hostname", fields={}, values={},
                        templates=("workstation",))
    ctx = context(config)
    [(batch, items)] = run(EfecteXmlSource(config), ctx)
    assert batch.snapshot is True
    assert items == [Device("efecte-xml", "ASK-PC007", ctx.now, {})]


def test_query_is_required_with_url(srv: FakeEfecte) -> None:
    config = config_for(srv, query=None)
    with pytest.raises(SourceError, match="query"):
        run(EfecteXmlSource(config), context(config))

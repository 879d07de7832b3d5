"""efecte_rest against a real local server: a card whose `updated` lies outside the years
1970–9998 is a reject, a lone surrogate (`\\ud800`) or a 4 301-digit number in a value does not
stop the page, and the other cards go in (SQLite and PostgreSQL). A page nested deeper than the
JSON parser allows, and a `next` link that is not a URL, fail the collection with a message
naming the page (not a RecursionError or ValueError), and a token whose `exp` is 10⁴⁰⁰ is
simply used."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kpimon.collector import Collector
from kpimon.sources.efecte_rest import jwt_expiry
from kpimon.store import Store
from kpimon.store import tables as t
from tests.sources.efecte_server import FakeEfecte, Fault, rest_config, text_el

TZ = ZoneInfo("Europe/Stockholm")


def _store(url: str) -> Store:
    store = Store.open(url)
    store.upgrade()
    return store


def test_bad_values_in_cards(db_url: str) -> None:
    with FakeEfecte() as srv:
        srv.add_ticket(1)
        srv.add_ticket(2, extra={"updated": text_el("0001-01-01T00:00:00Z", "date")})
        srv.add_ticket(3, extra={"updated": text_el("9999-12-31T23:59:00-01:00", "date")})
        srv.add_ticket(4, org="Asker\ud800sund")
        srv.add_ticket(5, extra={"subject": text_el("BIG")})
        srv.add_ticket(6)
        # A number past Python's int-string limit cannot come from json.dumps: the page is
        # written by hand, with the cards the server would send.
        page = json.dumps({"meta": {"count": 6, "limit": 200}, "data": [
            c.to_json(None, True) for c in srv.cards.values()]})
        srv.faults.append(Fault("data", status=200,
                                body=page.replace('"BIG"', "1" * 4301)))
        store = _store(db_url)
        outcome = Collector(store, TZ).collect(rest_config(srv))
    assert outcome.ok, outcome.error
    with store.engine.connect() as conn:
        tickets = {r.id: r for r in conn.execute(select(t.tickets))}
        rejects = [(r.location, r.field) for r in conn.execute(
            select(t.rejects).order_by(t.rejects.c.location))]
    assert sorted(tickets) == ["INC-000001", "INC-000004", "INC-000005", "INC-000006"]
    assert tickets["INC-000004"].org == "Asker\ufffdsund"
    assert rejects == [("incident 2", "updated"), ("incident 3", "updated")]


def test_a_page_nested_too_deeply(tmp_path: Path) -> None:
    with FakeEfecte() as srv:
        srv.add_ticket(1)
        store = _store(f"sqlite:///{tmp_path / 'kpimon.db'}")
        collector = Collector(store, TZ)
        srv.faults.append(Fault("data", status=200, body="[" * 100_000 + "]" * 100_000))
        failed = collector.collect(rest_config(srv))
        assert not failed.ok and failed.error is not None
        assert "template incident, page 1" in failed.error and "nested too deeply" in failed.error
        assert collector.collect(rest_config(srv)).counts.inserted == 1  # and it recovers


def test_a_next_link_that_is_not_a_url(tmp_path: Path) -> None:
    with FakeEfecte() as srv:
        card = srv.add_ticket(1)
        page = {"meta": {"count": 1, "limit": 1, "links": {"next": "http://[::1"}},
                "data": [card.to_json(None, True)]}
        srv.faults.append(Fault("data", status=200, body=json.dumps(page)))
        store = _store(f"sqlite:///{tmp_path / 'kpimon.db'}")
        outcome = Collector(store, TZ).collect(rest_config(srv))
    assert not outcome.ok and outcome.error is not None
    assert "next-page link is not a URL" in outcome.error


def _jwt(payload: bytes) -> str:
    part = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"eyJhbGciOiJIUzI1NiJ9.{part}.c2ln"


def test_a_token_that_never_expires(tmp_path: Path) -> None:
    assert jwt_expiry(_jwt(b'{"exp": 1' + b"0" * 400 + b"}")) is None
    assert jwt_expiry(_jwt(b'{"exp": 1' + b"0" * 5000 + b"}")) is None
    assert jwt_expiry(_jwt(b'{"exp": 1e400}')) is None
    with FakeEfecte() as srv:
        srv.add_ticket(1)
        token = _jwt(b'{"sub": "kpimon", "exp": 1' + b"0" * 400 + b"}")
        srv.tokens[token] = float("inf")
        srv.faults.append(Fault("login", status=200, body=json.dumps({"token": token})))
        store = _store(f"sqlite:///{tmp_path / 'kpimon.db'}")
        outcome = Collector(store, TZ).collect(rest_config(srv))
    assert outcome.ok, outcome.error
    assert outcome.counts.inserted == 1

"""`efecte_rest`: tickets (or CMDB computers) from the Efecte ESM REST API v1 (docs/sources/).

The protocol, as this adapter speaks it (`url` ends in `/rest-api/itsm/v1`):

* `POST {url}/users/login` with the form fields `login` and `password` answers a JWT, in the
  JSON body (`{"token": …}` and similar shapes) or in the `Authorization` response header. The
  token is kept on the adapter instance, which lives as long as the daemon, and reused until
  shortly before the `exp` of its payload (read without verifying: only the server needs to
  trust it). A 401 on a data request logs in again once; a second 401 fails the source. A
  refused login fails at once, permanently, and is not retried for a while (a lock-out policy
  must not be fed a password that is known to be wrong).
* Per template, `GET {url}/dc/{template}/data?limit=200&dataCards=true&selectedAttributes=…
  &filter=<EQL>`, following `meta.links.next` (absolute or relative; always re-based onto `url`
  and completed with our own parameters, so the token never travels to another host and a link
  that drops the filter cannot turn an incremental pull into a full one).
* Incremental pulls filter on `$updated$ > '<watermark − 60 s>'`; a full resync (no watermark
  yet, or `full_resync` elapsed since the last one) has no such filter and yields one Batch with
  `snapshot = True`, so that the store marks tickets it lacks (deleted or hidden cards) as gone.
  The optional `filter` from the config is ANDed into both.
* A full pull is trusted to say what is gone only when its sweep is complete: every template's
  paging ended without a `next` link left, and the server's `meta.count`, where it gives one,
  agrees with the cards received (a count of the whole result, or of each page). An empty
  or short page that still links to a next one, or a count that disagrees, makes the batch an
  ordinary one (no `snapshot`: nothing is marked gone, cards the server reports deleted or
  hidden are still taken as gone) and logs why, and the next collection is a full pull again;
  a device inventory fails instead. The store holds a complete sweep that would mark more
  than `max_delete_share` of the source's tickets gone (see store/writer.py).
* Within a run cards are de-duplicated by card id: a card changed while we page may appear
  twice, and the copy with the newest `updated` wins.

Saved state (merged by the store after the batch commits): `watermark` — the newest `updated`
seen, ISO 8601 UTC, never later than the collection time; `last_full` — when the last full
resync ran (ISO 8601 UTC).

Values: `values[].value` (strings, numbers, dates, and the display value of static values) or,
for references, `values[].name`; the first non-empty value of an attribute counts. Besides the
attribute codes, a field may name `$id$` (the card id), `$name$` (the card's name) or
`$template$` (the template code). Without a mapped `kind` field, the template code is the kind's
source value (`values.kind` maps template codes).
"""

from __future__ import annotations

import base64
import binascii
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit
from zoneinfo import ZoneInfo

import requests

from kpimon.config import SourceConfig
from kpimon.records import Device, Record, Reject, TicketGone
from kpimon.sources.base import Batch, CollectContext, SourceError
from kpimon.sources.http import HttpClient, loads_json
from kpimon.sources.mapping import TicketMapper
from kpimon.timeutil import parse_time

CARD_ID = "$id$"
CARD_NAME = "$name$"
TEMPLATE = "$template$"
# Raw-row keys that are not attribute codes: never asked for in `selectedAttributes`.
SYNTHETIC = frozenset({CARD_ID, CARD_NAME, TEMPLATE, "dataCardId"})
DATE_FIELDS = ("created", "updated", "first_response", "resolved", "closed")

OVERLAP = timedelta(seconds=60)  # changes committed late, and clock skew, are not missed
TOKEN_MARGIN = 30.0  # log in again this long before the token's `exp`
LOGIN_COOL_OFF = 900.0  # after a refused login, do not try the same password for this long
MAX_PAGE = 200  # the API's own maximum `limit`
MAX_PAGES = 100_000  # a guard against a server whose next links never end
_EPOCH = re.compile(r"^\d{10,13}(?:\.\d+)?$")


class EfecteRestSource:
    """The `efecte_rest` adapter. One instance per source, kept for the daemon's lifetime.

    `sleep`, `clock` and `jitter` are for tests: the HTTP helper's waits (429, back-off) go
    through `sleep`, and the token's expiry is judged against `clock()` (epoch seconds).
    """

    def __init__(self, config: SourceConfig, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time,
                 jitter: Callable[[], float] = random.random):
        self.config = config
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter
        self.base = (config.url or "").rstrip("/")
        self._http: HttpClient | None = None
        self._token: str | None = None
        self._token_exp: float | None = None
        self._refused_until = 0.0
        self._refused_message = ""

    # ------------------------------------------------------------------ the contract

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """One Batch: the changed tickets (or, on a full resync, all of them), or the devices."""
        if not self.base:
            raise SourceError(f"source {self.config.name}: url is not set", permanent=True)
        if not self.config.templates:
            raise SourceError(f"source {self.config.name}: templates is empty", permanent=True)
        http = self._client(ctx)
        if self.config.devices:
            yield self._devices(ctx, http)
        else:
            yield self._tickets(ctx, http)

    # ------------------------------------------------------------------ tickets

    def _tickets(self, ctx: CollectContext, http: HttpClient) -> Batch:
        cfg = self.config
        watermark = _state_time(ctx, "watermark")
        last_full = _state_time(ctx, "last_full")
        full = watermark is None or (
            cfg.full_resync is not None
            and (last_full is None or (ctx.now - last_full).total_seconds() >= cfg.full_resync))
        since = None if full or watermark is None else watermark - OVERLAP
        eql = self.eql(since)
        mapper = ticket_mapper(cfg, ctx.tz, require_updated=True)
        updated_code = mapper.fields.get("updated")
        id_code = mapper.fields.get("id")
        attributes = selected_attributes(mapper.fields.values())
        date_codes = {mapper.fields[f] for f in DATE_FIELDS if f in mapper.fields}

        newest: dict[str, tuple[datetime | None, Record | Reject]] = {}
        # A full pull's deleted or hidden cards: left out of a complete sweep's snapshot (the
        # store sees them gone), taken as gone one by one if the sweep is not complete.
        gone_in_full: dict[str, tuple[datetime | None, TicketGone]] = {}
        max_updated: datetime | None = None
        sweeps: list[Sweep] = []
        for template in cfg.templates:
            sweep = Sweep(template)
            sweeps.append(sweep)
            for card in self._cards(ctx, http, template, attributes, eql, data_cards=True,
                                    sweep=sweep):
                raw = card_row(card, template, mapper.fields.values(), date_codes)
                card_id = raw.get(CARD_ID) or raw.get(id_code or "") or ""
                where = f"{template} {card_id}".strip()
                updated = _time_or_none(raw.get(updated_code or ""), ctx.tz)
                if updated is not None and (max_updated is None or updated > max_updated):
                    max_updated = updated
                key = f"{template}\0{card_id}" if not raw.get(CARD_ID) else str(raw[CARD_ID])
                previous = newest.get(key)
                item: Record | Reject
                if _gone(card):
                    ticket_id = (raw.get(id_code or "") or "").strip()
                    if full or not ticket_id:
                        # A full resync's snapshot leaves it out, so the store sees it gone.
                        if previous is not None and _not_older(updated, previous[0]):
                            del newest[key]
                        if full and ticket_id:
                            gone_in_full[key] = (updated, TicketGone(cfg.name, ticket_id))
                        continue
                    item = TicketGone(cfg.name, ticket_id)
                else:
                    item = mapper.map(raw, where, None)
                # A card changed while we paged comes twice: keep the copy updated last.
                if previous is None or _not_older(updated, previous[0]):
                    newest[key] = (updated, item)
        ctx.stats.warnings += mapper.warnings

        state: dict[str, str] = {}
        mark = watermark
        if max_updated is not None:
            # Never ahead of our own clock: a card stamped in the future (a skewed server, a
            # bad import) would otherwise hide every change until it comes true.
            seen = min(max_updated, ctx.now)
            if mark is None or seen > mark:
                mark = seen
        if mark is not None:
            state["watermark"] = iso(mark)
        label = "full resync" if full else f"changes since {iso(since) if since else '-'}"
        items = [v for _, v in newest.values()]
        problems = [sw.problem for sw in sweeps if sw.problem]
        snapshot = full and not problems
        if snapshot:  # an incomplete one does not count: the next collection tries again
            state["last_full"] = iso(ctx.now)
        if full and problems:
            ctx.stats.warnings += 1
            ctx.log.warning("source %s: the full resync is incomplete (%s); no ticket is marked "
                            "deleted by it", cfg.name, "; ".join(problems))
            label += " (incomplete: nothing marked deleted)"
            items += [g for key, (_, g) in gone_in_full.items() if key not in newest]
        ctx.log.info("source %s: %s, %d cards", cfg.name, label, len(newest))
        return Batch(label=f"{cfg.name}: {label}", items=items, state=state,
                     snapshot=snapshot)

    def eql(self, since: datetime | None) -> str | None:
        """The EQL filter: the configured `filter` AND, when incremental, `$updated$ > …`."""
        parts = []
        if self.config.filter and self.config.filter.strip():
            parts.append(self.config.filter.strip())
        if since is not None:
            parts.append(f"$updated$ > '{since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}'")
        if len(parts) > 1:
            parts[0] = f"({parts[0]})"
        return " AND ".join(parts) or None

    # ------------------------------------------------------------------ devices

    def _devices(self, ctx: CollectContext, http: HttpClient) -> Batch:
        cfg = self.config
        name_code = cfg.name_field or CARD_NAME
        attributes = selected_attributes([name_code])
        # Without a name attribute the card's own name is enough: the short info elements
        # (`dataCards=false`) carry it, at a fraction of the transfer.
        data_cards = name_code not in SYNTHETIC
        devices: dict[str, Device] = {}
        rejects: list[Reject] = []
        for template in cfg.templates:
            sweep = Sweep(template)
            for card in self._cards(ctx, http, template, attributes, self.eql(None),
                                    data_cards=data_cards, sweep=sweep):
                if _gone(card):
                    continue
                raw = card_row(card, template, [name_code], set())
                card_id = raw.get(CARD_ID) or ""
                name = (raw.get(name_code) or "").strip()
                if not name:
                    rejects.append(Reject(cfg.name, f"{template} {card_id}".strip(), None,
                                          "name", "required value is empty"))
                    continue
                devices[card_id or f"{template}\0{name}"] = Device(cfg.name, name, ctx.now, {})
            if sweep.problem:  # an inventory is always a whole set: a partial one is none
                raise SourceError(f"the inventory sweep is incomplete ({sweep.problem}); the "
                                  "last complete inventory stays")
        ctx.log.info("source %s: %d devices", cfg.name, len(devices))
        items: list[Record | Reject] = [*devices.values(), *rejects]
        return Batch(label=f"{cfg.name}: devices", items=items,
                     state={"last_full": iso(ctx.now)}, snapshot=True)

    # ------------------------------------------------------------------ paging

    def _cards(self, ctx: CollectContext, http: HttpClient, template: str,
               attributes: list[str], eql: str | None, *, data_cards: bool,
               sweep: Sweep | None = None) -> Iterator[dict[str, Any]]:
        """Every data card of a template that matches `eql`, page after page; `sweep` hears
        whether the paging was complete."""
        limit = max(1, min(MAX_PAGE, self.config.page_size))
        params: dict[str, str] = {"limit": str(limit), "dataCards": str(data_cards).lower()}
        if attributes:
            params["selectedAttributes"] = ",".join(attributes)
        if eql:
            params["filter"] = eql
        url = f"{self.base}/dc/{quote(template, safe='')}/data"
        query: dict[str, str] = dict(params)
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for page in range(1, MAX_PAGES + 1):
            what = f"template {template}, page {page}"
            body = self._get_json(ctx, http, url, query, what)
            cards, next_link, page_limit, count = _page(body, what)
            if sweep is not None:
                sweep.page(len(cards), count)
            for card in cards:
                if isinstance(card, dict):
                    yield card
            # A short page is the last one, whatever its links say; an empty one too.
            if not next_link or not cards or len(cards) < (page_limit or limit):
                if sweep is not None:
                    sweep.end(page, len(cards), bool(next_link))
                return
            url, query = self._next(next_link, params)
            marker = (url, tuple(sorted(query.items())))
            if marker in seen:
                raise SourceError(f"{what}: the next-page link repeats itself ({url})")
            seen.add(marker)
        raise SourceError(f"template {template}: more than {MAX_PAGES} pages; giving up")

    def _next(self, link: str, params: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """The next page's URL and query, re-based onto our `url`.

        Efecte's links may name an internal host or another path prefix; whatever they say,
        the part from `/dc/` on is taken and put under the configured URL (so the bearer token
        only ever goes where it was configured to go), and any of our parameters the link left
        out are put back.
        """
        try:
            parts = urlsplit(link)
        except ValueError as e:  # `http://[::1`: not a URL at all
            raise SourceError(f"a next-page link is not a URL ({e}): {link[:200]}") from None
        at = parts.path.find("/dc/")
        if at >= 0:
            target = self.base + parts.path[at:]
        elif parts.scheme:
            raise SourceError(f"a next-page link points outside the API: {parts.path}")
        else:
            target = urljoin(self.base + "/", parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        for key, value in params.items():
            query.setdefault(key, value)
        return target, query

    def _get_json(self, ctx: CollectContext, http: HttpClient, url: str,
                  params: Mapping[str, str], what: str) -> Any:
        for _ in range(2):
            token = self._valid_token(ctx, http)
            resp = http.get(url, params=params, headers={"Authorization": f"Bearer {token}",
                                                          "Accept": "application/json"})
            if resp.status_code != 401:
                return _json(resp, what)
            ctx.log.info("source %s: the token was refused (401); logging in again",
                         self.config.name)
            self._token = None
            self._token_exp = None
        raise SourceError(f"{what}: HTTP 401 even after a fresh login as user "
                          f"{self.config.username}; may that user read this template through "
                          "the REST API?", permanent=True)

    # ------------------------------------------------------------------ login

    def _valid_token(self, ctx: CollectContext, http: HttpClient) -> str:
        if self._token and (self._token_exp is None
                            or self.clock() < self._token_exp - TOKEN_MARGIN):
            return self._token
        return self._login(ctx, http)

    def _login(self, ctx: CollectContext, http: HttpClient) -> str:
        cfg = self.config
        if not cfg.username or not cfg.password:
            raise SourceError(f"source {cfg.name}: username and password (or password_file) "
                              "are required", permanent=True)
        if self.clock() < self._refused_until:
            raise SourceError(self._refused_message + " (not tried again before "
                              f"{_clock_text(self._refused_until)}, to spare the account a "
                              "lock-out)", permanent=True)
        resp = http.post(f"{self.base}/users/login",
                         data={"login": cfg.username, "password": cfg.password},
                         headers={"Accept": "application/json"}, ok_status=(400, 403))
        body = _json_or_none(resp)
        token = _token_from(resp, body)
        code = body.get("code") if isinstance(body, dict) else None
        if resp.status_code in (400, 401, 403) or (not token and str(code) in ("401", "403")):
            self._refused_until = self.clock() + max(LOGIN_COOL_OFF, float(cfg.every))
            self._refused_message = (
                f"login refused for user {cfg.username} (HTTP {resp.status_code}): check the "
                "user name and password, and that the user is a local ESM user allowed to use "
                "the REST API")
            raise SourceError(self._refused_message, permanent=True)
        if not token:
            raise SourceError(f"login as user {cfg.username} answered HTTP {resp.status_code} "
                              "without a token (neither in the body nor in the Authorization "
                              "header)")
        http.add_secret(token)
        self._token = token
        self._token_exp = jwt_expiry(token)
        ctx.log.info("source %s: logged in as %s", cfg.name, cfg.username)
        return token

    def _client(self, ctx: CollectContext) -> HttpClient:
        # One client for the adapter's life (connections are reused); the counters and the
        # log are the current collection's.
        if self._http is None:
            self._http = HttpClient(self.config, ctx.stats, ctx.log, sleep=self.sleep,
                                    jitter=self.jitter, secrets=ctx.secrets)
        self._http.stats = ctx.stats
        self._http.log = ctx.log
        for secret in ctx.secrets:
            self._http.add_secret(secret)
        return self._http


# ---------------------------------------------------------------------- shared with efecte_xml


def ticket_mapper(config: SourceConfig, tz: ZoneInfo, require_updated: bool) -> TicketMapper:
    """A TicketMapper whose `kind` comes from the template code when no kind field is mapped
    and `values.kind` is given (otherwise every ticket is an incident, the default kind)."""
    mapper = TicketMapper(config, tz, require_updated=require_updated)
    if "kind" not in mapper.fields and "kind" in config.values:
        mapper.fields["kind"] = TEMPLATE
    return mapper


def selected_attributes(codes: Iterable[str]) -> list[str]:
    """The attribute codes to ask for: the mapped ones, without synthetic keys, in order."""
    out: list[str] = []
    for code in codes:
        if code not in SYNTHETIC and code not in out:
            out.append(code)
    return out


def complete_row(raw: dict[str, str | None], wanted: Iterable[str],
                 date_codes: set[str]) -> dict[str, str | None]:
    """Give every mapped code a value (None when the card has no such attribute: Efecte leaves
    empty attributes out) and turn epoch numbers in date attributes into ISO times."""
    for code in wanted:
        raw.setdefault(code, None)
    for code in date_codes:
        text = raw.get(code)
        if text and _EPOCH.match(text):
            seconds = float(text)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            raw[code] = datetime.fromtimestamp(seconds, UTC).isoformat()
    return raw


def iso(dt: datetime) -> str:
    """An aware datetime as ISO 8601 UTC, whole seconds (the form saved in state)."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------- card values


def card_row(card: Mapping[str, Any], template: str, wanted: Iterable[str],
             date_codes: set[str]) -> dict[str, str | None]:
    """A data card as raw attribute code → text, plus the synthetic `$id$`, `$name$` and
    `$template$`."""
    card_id = _scalar(card.get("dataCardId", card.get("id")))
    raw: dict[str, str | None] = {CARD_ID: card_id, "dataCardId": card_id,
                                  CARD_NAME: _scalar(card.get("name")), TEMPLATE: template}
    data = card.get("data")
    if isinstance(data, Mapping):
        for code, element in data.items():
            raw[str(code)] = element_text(element)
    elif isinstance(data, list):  # [{"code": …, "values": […]}, …], seen in some versions
        for element in data:
            if isinstance(element, Mapping) and element.get("code"):
                raw[str(element["code"])] = element_text(element)
    return complete_row(raw, wanted, date_codes)


def element_text(element: Any) -> str | None:
    """The first non-empty value of an attribute element (`{"values": [{"value": …}]}`)."""
    if isinstance(element, Mapping):
        values = element["values"] if "values" in element else [element]
    elif isinstance(element, list):
        values = element
    else:
        values = [element]
    if not isinstance(values, list):
        values = [values]
    for value in values:
        text = _value_text(value)
        if text is not None and text.strip():
            return text
    return None


def _value_text(value: Any) -> str | None:
    if isinstance(value, Mapping):
        # `value`: strings, numbers, dates and a static value's display value; `name`: a
        # reference or an external reference; `code`: a static value without a display value.
        for key in ("value", "name", "code"):
            text = _scalar(value.get(key))
            if text is not None and text.strip():
                return text
        return None
    return _scalar(value)


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


@dataclass
class Sweep:
    """How the paging of one template's full pull went (see the module docstring)."""

    template: str
    cards: int = 0
    counts: list[tuple[int, int]] = field(default_factory=list)  # (meta.count, cards) a page
    problem: str | None = None

    def page(self, cards: int, count: int | None) -> None:
        self.cards += cards
        if count is not None:
            self.counts.append((count, cards))

    def end(self, page: int, cards: int, next_left: bool) -> None:
        if next_left:
            self.problem = (f"template {self.template}: page {page} has {cards} cards but "
                            "links to a next page")
            return
        # Efecte's count is of the whole result or of each page: either reading must hold.
        whole = all(count == self.cards for count, _ in self.counts)
        each = all(count == n for count, n in self.counts)
        if not (whole or each):
            said = max(count for count, _ in self.counts)
            self.problem = (f"template {self.template}: the server counts {said} cards, "
                            f"{self.cards} came")


def _gone(card: Mapping[str, Any]) -> bool:
    return card.get("deleted") is True or card.get("hidden") is True


# ---------------------------------------------------------------------- answers


def _page(body: Any, what: str) -> tuple[list[Any], str | None, int | None, int | None]:
    """(cards, next link, the server's page size, its meta.count) of one page of
    `/dc/{template}/data`."""
    if isinstance(body, list):
        return body, None, None, None
    if not isinstance(body, dict):
        raise SourceError(f"{what}: expected a JSON object with `data`")
    cards = body.get("data")
    if cards is None:
        cards = body.get("dataCards", [])
    if not isinstance(cards, list):
        raise SourceError(f"{what}: `data` is not a list of data cards")
    meta = body.get("meta")
    if not isinstance(meta, dict):
        meta = {}
    links = meta.get("links") or body.get("links") or {}
    link = links.get("next") if isinstance(links, dict) else None
    if isinstance(link, dict):
        link = link.get("href")
    limit = meta.get("limit")
    page_limit = limit if isinstance(limit, int) and not isinstance(limit, bool) \
        and limit > 0 else None
    count = meta.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        count = None
    return (cards, link if isinstance(link, str) and link.strip() else None, page_limit,
            count)


def _json(resp: requests.Response, what: str) -> Any:
    try:
        return loads_json(resp.content)
    except ValueError as e:
        size = len(resp.content)
        kind = resp.headers.get("Content-Type", "unknown type")
        why = "; the JSON is nested too deeply" if "nested" in str(e) else \
            "; truncated, or a proxy's or login page?"
        raise SourceError(f"{what}: the answer is not valid JSON ({size} bytes of {kind}"
                          f"{why})") from None


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return loads_json(resp.content)
    except ValueError:
        return None


def _token_from(resp: requests.Response, body: Any) -> str | None:
    """The token of a login answer: common JSON shapes, a bare token, or the header."""
    token: str | None = None
    if isinstance(body, dict):
        for holder in (body, body.get("data"), body.get("result")):
            if not isinstance(holder, dict):
                continue
            for key in ("token", "access_token", "accessToken", "jwt", "id_token"):
                value = holder.get(key)
                if isinstance(value, str) and value.strip():
                    token = value
                    break
            if token:
                break
    elif isinstance(body, str):
        token = body
    elif body is None and resp.status_code < 300:
        text = resp.text.strip()
        if text and " " not in text and "<" not in text and len(text) < 8192:
            token = text  # a bare token as text/plain
    token = token or resp.headers.get("Authorization")
    if not token:
        return None
    token = token.strip().strip('"')
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    return token or None


def jwt_expiry(token: str) -> float | None:
    """The `exp` of a JWT's payload (epoch seconds), read without verifying the signature;
    None for a token that is not a JWT or has no `exp` (then it is used until refused)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = loads_json(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    try:
        seconds = float(exp) / 1000 if exp > 1e11 else float(exp)
    except OverflowError:  # an `exp` of 10**400: beyond any clock, so no expiry to heed
        return None
    return seconds if math.isfinite(seconds) and seconds < 1e12 else None


# ---------------------------------------------------------------------- small helpers


def _state_time(ctx: CollectContext, key: str) -> datetime | None:
    text = ctx.state.get(key)
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        ctx.log.warning("source %s: state %s=%r is not a time; ignoring it",
                        ctx.config.name, key, text)
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _time_or_none(text: str | None, tz: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text, tz)
    except ValueError:
        return None


def _not_older(a: datetime | None, b: datetime | None) -> bool:
    """True when a card stamped `a` should replace the copy stamped `b`."""
    if a is None:
        return b is None
    return b is None or a >= b


def _clock_text(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%H:%M UTC")

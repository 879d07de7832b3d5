"""`efecte_xml`: tickets (or CMDB computers) from Efecte's XML Web API or saved XML exports.

Two ways in (docs/sources/):

* `url` + `query`: `GET {url}/search.ws?query=<EQL>` with Basic auth (`username`/`password`);
  `url` is the Web API's base (e.g. `https://kommun.efectecloud.com/api/itsm`) or the full
  `…/search.ws` address.
* `path` (a glob): saved XML exports in a drop folder. A file is taken once it has not changed
  for `settle` seconds (a one-shot collect waits for it, the daemon leaves it for a later
  cycle), identified by name + size + mtime + content hash, skipped when already imported, read
  as one Batch, then kept, moved to `archive` (relative: inside the drop folder), or deleted, by
  `after`. `ctx.files` (for `kpimon import`) names the exact files to read; those are read even
  if imported before, and never moved or deleted.

The format: `<entityset><entity id="…"><template code="…"/><attribute code="…"><value>…</value>
</attribute>…` — a reference attribute holds `<reference name="…"/>`. Dates are local
`dd.MM.yyyy HH:mm`. An `<error><code>…</code><description>…</description></error>` answer is
a SourceError carrying the code; `<result/>` or an empty entityset is an empty batch.

Parsing uses defusedxml's iterparse: entity declarations (the "billion laughs" bomb) and
external entities are refused, never expanded. Elements are cleared as soon as an entity is
read, so a large export streams in constant memory. A drop-folder file is checked in a first
streaming pass before its batch is handed out, so a broken or hostile file becomes a batch with
one reject (recorded as imported and then kept, archived or deleted like any other file)
instead of failing the source on every cycle.

Ticket batches are not snapshots (a query or an export may well be a subset); with `devices =
true` each answer or file is the complete inventory (`snapshot = True`), the device name taken
from the `name_field` attribute (default: the entity's `name`). `templates`, when given, keeps
only entities of those template codes. Fields may name `$id$` (the entity id), `$name$` or
`$template$` besides attribute codes; without a mapped `kind`, `values.kind` maps the entity's
template code.
"""

from __future__ import annotations

import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from kpimon.config import SourceConfig
from kpimon.records import Device, Record, Reject
from kpimon.sources.base import Batch, CollectContext, FileError, SourceError
from kpimon.sources.dropfolder import DropFile, drop_files
from kpimon.sources.efecte_rest import (
    CARD_ID,
    CARD_NAME,
    DATE_FIELDS,
    TEMPLATE,
    complete_row,
    ticket_mapper,
)
from kpimon.sources.http import HttpClient
from kpimon.sources.mapping import TicketMapper


class EfecteXmlError(Exception):
    """An `<error>` answer from Efecte."""

    def __init__(self, code: str | None, description: str | None):
        super().__init__(f"Efecte answered error {code or '?'}: {description or 'no description'}")
        self.code = code
        self.description = description


@dataclass
class Entity:
    """One `<entity>`: its id, name, template code and attribute code → first value."""

    ordinal: int
    id: str | None
    name: str | None
    template: str | None
    attributes: dict[str, str | None] = field(default_factory=dict)


def iter_entities(source: IO[bytes] | str, *, build: bool = True) -> Iterator[Entity | None]:
    """Stream the entities of an Efecte XML answer or export (None for each with `build`
    false: a check that reads the whole document without keeping anything).

    Raises EfecteXmlError for an `<error>` answer, defusedxml's DefusedXmlException for entity
    declarations or external references, and ET.ParseError for XML that is not well-formed.
    """
    stack: list[ET.Element] = []
    ordinal = 0
    for event, elem in iterparse(source, events=("start", "end")):
        if event == "start":
            stack.append(elem)
            continue
        stack.pop()
        tag = elem.tag
        if tag == "entity" or (tag.endswith("}entity") if isinstance(tag, str) else False):
            ordinal += 1
            yield _entity(elem, ordinal) if build else None
            elem.clear()
            if stack:  # drop it from its parent too, or the tree grows with the file
                stack[-1].remove(elem)
        elif _local(tag) == "error" and not any(_local(e.tag) == "entity" for e in stack):
            raise EfecteXmlError(_child_text(elem, "code"), _child_text(elem, "description"))


def _entities(source: IO[bytes] | str) -> Iterator[Entity]:
    for entity in iter_entities(source):
        assert entity is not None  # built
        yield entity


def _entity(elem: ET.Element, ordinal: int) -> Entity:
    template = elem.get("template") or elem.get("templateCode") or elem.get("template_code")
    attributes: dict[str, str | None] = {}
    for child in elem:
        tag = _local(child.tag)
        if tag == "template" and not template:
            template = child.get("code") or child.get("name")
        elif tag == "attribute":
            code = child.get("code") or child.get("name")
            if code and attributes.get(code) is None:
                attributes[code] = _attribute_text(child)
    return Entity(ordinal, elem.get("id"), elem.get("name"), template, attributes)


def _attribute_text(attribute: ET.Element) -> str | None:
    """The first non-empty `<value>` text or `<reference name>` of an attribute."""
    found_value = False
    for sub in attribute.iter():
        tag = _local(sub.tag)
        if tag == "value":
            found_value = True
            if sub.text and sub.text.strip():
                return sub.text.strip()
        elif tag == "reference":
            found_value = True
            text = sub.get("name") or sub.text
            if text and text.strip():
                return text.strip()
    if not found_value and attribute.text and attribute.text.strip():
        return attribute.text.strip()  # <attribute code="x">text</attribute>
    return None


def _child_text(elem: ET.Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# What a document that cannot be read raises: an `<error>` answer, entities refused, XML that
# is not well-formed, an encoding Python does not know (`encoding="UTF8X"`: LookupError) or
# bytes that do not decode in the declared one (UnicodeDecodeError, a ValueError).
UNREADABLE = (EfecteXmlError, ET.ParseError, DefusedXmlException, LookupError, ValueError)


def refusal(error: Exception) -> str:
    """Why an XML document was refused, in words for a reject or an error message."""
    if isinstance(error, EfecteXmlError):
        return str(error)
    if isinstance(error, DefusedXmlException):
        return ("refused: the XML declares entities or refers to external ones "
                f"({type(error).__name__}); kpimon never expands them")
    if isinstance(error, LookupError):
        return f"unreadable XML: {error}"
    if isinstance(error, ValueError) and not isinstance(error, ET.ParseError):
        return f"unreadable XML: {type(error).__name__}: {error}"
    return f"not well-formed XML: {error}"


class EfecteXmlSource:
    """The `efecte_xml` adapter. `sleep` and `clock` are for tests (settle waits, HTTP waits)."""

    def __init__(self, config: SourceConfig, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time,
                 jitter: Callable[[], float] = random.random):
        self.config = config
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter
        # (path, size, mtime, ctime, inode) → identity key: a kept file is hashed once, not on
        # every cycle.
        self._keys: dict[tuple[str, int, int, int, int], str] = {}

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """One Batch for the search.ws answer, or one per new drop-folder file."""
        if ctx.files is None and self.config.url:
            yield self._search(ctx)
            return
        for drop in self._drop_files(ctx):
            yield self._file_batch(drop, ctx)

    # ------------------------------------------------------------------ search.ws

    def _search(self, ctx: CollectContext) -> Batch:
        cfg = self.config
        if not cfg.query:
            raise SourceError(f"source {cfg.name}: query (EQL) is required with url",
                              permanent=True)
        http = HttpClient(cfg, ctx.stats, ctx.log, sleep=self.sleep, jitter=self.jitter,
                          secrets=ctx.secrets)
        if cfg.username:
            http.session.auth = (cfg.username, cfg.password or "")
        url = (cfg.url or "").rstrip("/")
        if not url.endswith(".ws"):
            url += "/search.ws"

        def error_answer(resp: requests.Response) -> None:
            # An <error> in a failed answer is more telling than the HTTP status.
            try:
                for _ in iter_entities(BytesIO(resp.content)):
                    break
            except EfecteXmlError as e:
                raise SourceError(http.redact(str(e)), permanent=400 <= resp.status_code < 500,
                                  code=e.code) from None
            except UNREADABLE:
                pass

        resp = http.get(url, params={"query": cfg.query}, on_error=error_answer,
                        headers={"Accept": "application/xml, text/xml"})
        if resp.status_code == 401:
            raise SourceError(f"search.ws refused the credentials of user {cfg.username} "
                              "(HTTP 401): check username, password and the user's Web API "
                              "rights", permanent=True)
        try:
            items = list(self._items(BytesIO(resp.content), "search.ws", ctx))
        except UNREADABLE as e:
            code = e.code if isinstance(e, EfecteXmlError) else None
            raise SourceError(f"search.ws: {http.redact(refusal(e))}", code=code) from None
        return Batch(label=f"{cfg.name}: search.ws", items=items, snapshot=cfg.devices)

    # ------------------------------------------------------------------ records

    def _items(self, source: IO[bytes] | str, label: str, ctx: CollectContext
               ) -> Iterator[Record | Reject]:
        """The records and rejects of one document (tickets, or devices)."""
        cfg = self.config
        keep = set(cfg.templates)
        if cfg.devices:
            name_code = cfg.name_field or CARD_NAME
            for entity in _entities(source):
                if keep and entity.template and entity.template not in keep:
                    continue
                raw = _row(entity, [name_code], set())
                name = (raw.get(name_code) or "").strip()
                if not name:
                    yield Reject(cfg.name, _where(label, entity), entity.ordinal, "name",
                                 "required value is empty")
                else:
                    yield Device(cfg.name, name, ctx.now, {})
            return
        mapper: TicketMapper = ticket_mapper(cfg, ctx.tz, require_updated=False)
        date_codes = {mapper.fields[f] for f in DATE_FIELDS if f in mapper.fields}
        try:
            for entity in _entities(source):
                if keep and entity.template and entity.template not in keep:
                    continue
                raw = _row(entity, mapper.fields.values(), date_codes)
                yield mapper.map(raw, _where(label, entity), entity.ordinal)
        finally:
            ctx.stats.warnings += mapper.warnings

    # ------------------------------------------------------------------ drop folder

    def _file_batch(self, drop: DropFile, ctx: CollectContext) -> Batch:
        label = str(drop.path)
        # A first streaming pass, so that a broken or hostile file is one reject, recorded
        # once, rather than a batch that fails half-way on every cycle.
        try:
            with open(drop.path, "rb") as f:
                for _ in iter_entities(f, build=False):
                    pass
        except UNREADABLE as e:
            code = e.code if isinstance(e, EfecteXmlError) else None
            ctx.log.warning("source %s: %s: %s", self.config.name, drop.path.name, refusal(e))
            return Batch(label=label, file_key=drop.key, on_commit=drop.on_commit, items=[
                Reject(self.config.name, label, None, None,
                       refusal(e) + (f" (code {code})" if code else ""))])
        except OSError as e:
            raise SourceError(f"{drop.path}: cannot read: {e.strerror}") from None
        return Batch(label=label, items=self._file_items(drop.path, label, ctx),
                     file_key=drop.key, snapshot=self.config.devices, on_commit=drop.on_commit)

    def _file_items(self, path: Path, label: str, ctx: CollectContext
                    ) -> Iterator[Record | Reject]:
        with open(path, "rb") as f:
            try:
                yield from self._items(f, label, ctx)
            except UNREADABLE as e:
                # Only if the file changed between the check and now: fail this file.
                raise FileError(f"{path}: {refusal(e)}", permanent=True) from None

    def _drop_files(self, ctx: CollectContext) -> Iterator[DropFile]:
        """The files to read now, by the shared drop-folder rules (sources/dropfolder.py)."""
        yield from drop_files(self.config, ctx, clock=self.clock, sleep=self.sleep)


def _row(entity: Entity, wanted: Iterable[str], date_codes: set[str]) -> dict[str, str | None]:
    raw: dict[str, str | None] = {CARD_ID: entity.id, CARD_NAME: entity.name,
                                  TEMPLATE: entity.template}
    raw.update(entity.attributes)
    return complete_row(raw, wanted, date_codes)


def _where(label: str, entity: Entity) -> str:
    return f"{label} entity {entity.id}" if entity.id else label

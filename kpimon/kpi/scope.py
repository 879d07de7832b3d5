"""Which sources an indicator is computed from, and an organisation's view of the indicators.

The sources of an indicator: ticket kinds read every ticket source, call kinds every ACE and
queue_log source, `asset_reconciliation` its `a` and `b`, `manual` none (an indicator's own
`sources` narrows the ticket and call kinds); a ticket-kind source that reads devices (a CMDB)
brings no tickets. The status page marks an indicator stale when one of them fails or is
stale, and alerting mutes the indicator's alerts while one of them fails or is stale.
"""

from __future__ import annotations

from dataclasses import replace

from kpimon.config import (
    CALL_INDICATOR_KINDS,
    TICKET_INDICATOR_KINDS,
    Config,
    IndicatorConfig,
)
from kpimon.config.sources import TICKET_SOURCE_KINDS

CALL_SOURCE_KINDS = ("ace_csv", "queue_log")
DEVICE_SOURCE_KINDS = ("sccm", "inventory_csv")


def ticket_sources(config: Config) -> tuple[str, ...]:
    """The names of the sources that bring tickets."""
    return tuple(s.name for s in config.sources
                 if s.kind in TICKET_SOURCE_KINDS and not s.devices)


def indicator_sources(config: Config, ind: IndicatorConfig) -> tuple[str, ...]:
    """The names of the sources `ind` is computed from."""
    if ind.kind in TICKET_INDICATOR_KINDS:
        names = list(ticket_sources(config))
    elif ind.kind in CALL_INDICATOR_KINDS:
        names = [s.name for s in config.sources if s.kind in CALL_SOURCE_KINDS]
    elif ind.kind == "asset_reconciliation":
        return tuple(x for x in (ind.a, ind.b) if x)
    else:
        return ()
    if ind.sources:
        names = [n for n in names if n in ind.sources]
    return tuple(names)


def source_role(config: Config, name: str) -> str:
    """What a source brings: `tickets`, `calls`, `devices` or `manual`."""
    src = config.source(name)
    if src.kind in TICKET_SOURCE_KINDS and not src.devices:
        return "tickets"
    if src.kind in CALL_SOURCE_KINDS:
        return "calls"
    if src.kind == "manual":
        return "manual"
    return "devices"


def for_org(config: Config, org: str) -> Config:
    """The configuration with every ticket indicator counting only tickets of `org` (the
    board report's `--org`); other indicators are left as they are."""
    inds = []
    for ind in config.indicators:
        if ind.kind in TICKET_INDICATOR_KINDS:
            flt = dict(ind.filter)
            flt["org"] = (org,)
            breakdown = tuple(b for b in ind.breakdown if b != "org")
            ind = replace(ind, filter=flt, breakdown=breakdown)
        inds.append(ind)
    return replace(config, indicators=tuple(inds))

"""Which sources an indicator is computed from (DESIGN §11a "The sources of an indicator").

Ticket kinds read every ticket source, call kinds every ACE and queue_log source,
`asset_reconciliation` its `a` and `b`, `manual` none; an indicator's own `sources` narrows the
ticket and call kinds. A ticket-kind source that reads devices (a CMDB) brings no tickets. Used
for inhibition: a failing or stale source mutes the alerts of the indicators computed from it.
"""

from __future__ import annotations

from kpimon.config import (
    CALL_INDICATOR_KINDS,
    TICKET_INDICATOR_KINDS,
    Config,
    IndicatorConfig,
)
from kpimon.config.sources import TICKET_SOURCE_KINDS

CALL_SOURCE_KINDS = ("ace_csv", "queue_log")


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

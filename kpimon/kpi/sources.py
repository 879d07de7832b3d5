"""The sources of an indicator: the collections its figures come from.

Ticket kinds read every ticket source (or the indicator's own `sources`), call kinds every
ACE and queue_log source, `asset_reconciliation` its `a` and `b`, and `manual` none (its
value is what `kpimon record` entered). An indicator none of whose sources has completed a
collection (an `import` counts) has no value, whatever its kind: before the first collection a
count of 0 would read as "achieved" when nothing is known yet (docs/indicators.md, "Numbers").
"""

from __future__ import annotations

from collections.abc import Collection

from kpimon.config import (
    CALL_INDICATOR_KINDS,
    TICKET_SOURCE_KINDS,
    Config,
    IndicatorConfig,
    SourceConfig,
)

CALL_SOURCE_KINDS = ("ace_csv", "queue_log")


def _is_ticket_source(src: SourceConfig) -> bool:
    return src.kind in TICKET_SOURCE_KINDS and not src.devices


def indicator_sources(ind: IndicatorConfig, config: Config) -> tuple[str, ...] | None:
    """The names of the sources an indicator reads; None for one that reads none (manual)."""
    if ind.kind == "manual":
        return None
    if ind.kind == "asset_reconciliation":
        return tuple(s for s in (ind.a, ind.b) if s)
    if ind.sources:
        return tuple(ind.sources)
    if ind.kind in CALL_INDICATOR_KINDS:
        return tuple(s.name for s in config.sources if s.kind in CALL_SOURCE_KINDS)
    return tuple(s.name for s in config.sources if _is_ticket_source(s))


def awaits_collection(ind: IndicatorConfig, config: Config, collected: Collection[str]) -> bool:
    """True while none of the indicator's sources has completed a collection."""
    names = indicator_sources(ind, config)
    return names is not None and not any(n in collected for n in names)

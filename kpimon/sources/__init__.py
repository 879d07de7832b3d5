"""Source adapters, one module per kind, each with the one-method contract of `base.Adapter`."""

from __future__ import annotations

import importlib

from kpimon.config import SourceConfig
from kpimon.sources.base import Adapter

# kind → "module:Class"; imported only when a configured source needs it.
ADAPTERS = {
    "ticket_csv": "kpimon.sources.ticket_csv:TicketCsvSource",
    "efecte_rest": "kpimon.sources.efecte_rest:EfecteRestSource",
    "efecte_xml": "kpimon.sources.efecte_xml:EfecteXmlSource",
    "ace_csv": "kpimon.sources.ace_csv:AceCsvSource",
    "queue_log": "kpimon.sources.queue_log:QueueLogSource",
    "sccm": "kpimon.sources.sccm:SccmSource",
    "inventory_csv": "kpimon.sources.inventory_csv:InventoryCsvSource",
    "manual": "kpimon.sources.manual:ManualSource",
}


def build_adapter(config: SourceConfig) -> Adapter:
    """Instantiate the adapter for a source's kind."""
    module_name, _, class_name = ADAPTERS[config.kind].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(config)  # type: ignore[no-any-return]

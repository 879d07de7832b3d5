"""Rejected rows for people, without SQL: `kpimon rejects` and the status page's link.

For each source, the rows of its latest collection run that rejected any (or of one run): the
file, the row number, the field, why, and what the value looked like. A value is kept only for a
mapped field, verbatim for a value-mapped one (priority, status, kind: the word to add to the
map) and otherwise masked to its shape (`Xxxxxx 9999`), so the listing holds no personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from kpimon.store import RejectInfo, Store


def rejects_text(store: Store, sources: Sequence[str], *, run_id: int | None = None,
                 limit: int = 50, tz: tzinfo = UTC) -> str:
    """The listing, one block per source that has rejects (or a line saying there are none)."""
    blocks = []
    for source in sources:
        run = store.reject_runs(source, run_id)
        if run is None:
            if run_id is not None and len(sources) == 1:
                blocks.append(f"{source}: no collection run {run_id}\n")
            continue
        rows = store.run_rejects(run.id, limit)
        when = datetime.fromtimestamp(run.started, UTC).astimezone(tz)
        head = (f"{source}: run {run.id} ({when:%Y-%m-%d %H:%M}) rejected {run.rejects:,} "
                f"row{'s' if run.rejects != 1 else ''}")
        if not rows:
            blocks.append(head + "\n")
            continue
        lines = [head + (f", the first {len(rows)}:" if run.rejects > len(rows) else ":")]
        lines += _table(rows)
        if run.rejects > len(rows):
            lines.append(f"  … {run.rejects - len(rows):,} more: "
                         f"kpimon rejects {source} --run {run.id} --limit {run.rejects}")
        blocks.append("\n".join(lines) + "\n")
    if not blocks:
        which = sources[0] if len(sources) == 1 else "any source"
        return f"no rejected rows from {which}\n"
    return "\n".join(blocks)


def _table(rows: list[RejectInfo]) -> list[str]:
    cells = [("file", "row", "field", "reason", "value")]
    for r in rows:
        cells.append((_file(r.location), "" if r.row is None else str(r.row), r.field or "",
                      r.reason, "" if r.value is None else repr(r.value)))
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    return ["  " + "  ".join(c[i].ljust(widths[i]) if i != 1 else c[i].rjust(widths[i])
                             for i in range(4)) + ("  " + c[4] if c[4] else "")
            for c in cells]


def _file(location: str) -> str:
    """A file's name without its folder (the drop folder is in the configuration)."""
    name = location.rsplit("/", 1)[-1]
    return name.split(": ", 1)[-1] if ": " in name else name

"""The store's tables (SQLAlchemy Core). Alembic migrations in `migrations/` create them.

Instants are stored as whole UTC epoch seconds (BIGINT): unambiguous, identical on SQLite and
PostgreSQL, and cheap to compare and subtract in the period queries. Business-time facts are
kept as positions on a calendar's business clock (business seconds since the calendar's origin),
so any elapsed time is one subtraction in SQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY

# A ticket is known by its source and the source's id (unique); `ticket_key` is a number kpimon
# gives it, by which the facts tables refer to it: a key of one integer instead of two strings
# makes their rows and indexes about a third smaller and each insert about half as costly
# (BENCHMARKS.md), and their joins with the tickets integer comparisons. On SQLite it is the
# rowid itself (INTEGER PRIMARY KEY), so a join from the facts reads the ticket's row directly.
tickets = Table(
    "tickets", metadata,
    Column("ticket_key", Id, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger),
    Column("first_response", BigInteger),
    Column("resolved", BigInteger),
    Column("closed", BigInteger),
    Column("resolved_by_line", SmallInteger),
    Column("solution_present", Boolean),
    Column("support_group", String(128)),
    Column("org", String(128)),
    Column("category", String(128)),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("first_seen", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    Column("run_id", BigInteger),  # the collection run that last wrote the row
    Column("row_hash", String(32)),  # content hash, to tell a real change from a repeat
    Column("facts_dirty", Boolean, nullable=False, default=True),
    # Derived by the facts pass: from when the ticket counts as resolved by any later moment,
    # whatever the evaluation time (NULL while open; kpi/resolution.done_at), and
    # the statuses its history passed before it was first resolved ("source", "derived" or
    # "none" tells where that history came from), for the status-flow indicator.
    Column("done_at", BigInteger),
    Column("flow_origin", String(8)),
    Column("flow_seen", String(200)),
    # Also derived by the facts pass: the effective first response (the source's, or the one
    # derived from the history where the source asks for it), the same on every clock.
    Column("response_at", BigInteger),
    UniqueConstraint("source", "id", name="uq_tickets_source_id"),
    Index("ix_tickets_created", "created"),
    # The tickets the facts pass has still to do, in key order (it walks them in chunks);
    # partial, so clearing a flag removes an entry instead of rewriting it.
    Index("ix_tickets_dirty", "source", "id", sqlite_where=text("facts_dirty"),
          postgresql_where=text("facts_dirty")),
)

# Not done by a moment m, cancelled tickets left out: `coalesce(done_at, NEVER_DONE) > m`
# (kpi/indicators/base.py `not_done_by`), one range of ix_tickets_open. The index on done_at
# alone also gave every cancelled ticket for `done_at IS NULL` (they have no done_at either, as
# many as the open ones), and SQLite merged two scans for `done_at IS NULL OR done_at > m`.
# Queries spell the expression and the condition as here, constants included: an expression
# index serves only its own expression, and SQLite uses a partial index only for a query term
# identical to its condition (not for a bound parameter, nor within an OR).
NEVER_DONE = 9223372036854775807
DONE_KEY = f"coalesce(done_at, {NEVER_DONE})"
NOT_CANCELLED = "status <> 'cancelled'"
tickets.append_constraint(Index("ix_tickets_open", text(DONE_KEY),
                                sqlite_where=text(NOT_CANCELLED),
                                postgresql_where=text(NOT_CANCELLED)))

# "The ticket is dirty" in the words of ix_tickets_dirty's condition. SQLite uses a partial
# index only for a query term identical to its WHERE: `facts_dirty = 1` or `IS 1` (what
# SQLAlchemy writes for a Boolean column there) scan every ticket, as does `IS true` on
# PostgreSQL; the bare column reads the index (empty, most of the time) on both.
IS_DIRTY = text("tickets.facts_dirty")

status_changes = Table(
    "status_changes", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("ticket_id", String(128), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("derived", Boolean, nullable=False),
    UniqueConstraint("source", "ticket_id", "at", "to_status", "derived",
                     name="uq_status_changes_key"),
    Index("ix_status_changes_ticket", "source", "ticket_id", "at"),
)

# The three tables the facts pass writes, about one row each per ticket (and clock), are
# WITHOUT ROWID on SQLite: the primary key is the table, so a row costs one B-tree insert
# instead of two (the rowid table and the key's index) — most of what storing a ticket's
# facts costs at import (BENCHMARKS.md). PostgreSQL ignores the option. Each refers to its
# ticket by `tickets.ticket_key` (migration 0023), not by (source, id).
#
# Resolutions (kpi/resolution.py, docs/indicators.md): as of an evaluation moment `at` a ticket is
# resolved at `resolved_at` when valid_from <= at and neither superseded_at (a later-known
# time of the same run of resolved/closed statuses takes over) nor reopened_at (the run ended)
# is at or before `at`. Derived by the facts pass from the status history and the ticket's
# columns; a ticket has at most one row valid at any moment.
resolutions = Table(
    "resolutions", metadata,
    Column("ticket_key", BigInteger, primary_key=True),  # tickets.ticket_key
    Column("resolved_at", BigInteger, primary_key=True),
    Column("valid_from", BigInteger, nullable=False),
    Column("superseded_at", BigInteger),
    Column("reopened_at", BigInteger),
    Index("ix_resolutions_resolved_at", "resolved_at"),
    sqlite_with_rowid=False,
)

# Keyed ticket first: the period queries reach facts from the tickets of the period, and an
# index that starts with the clock would tempt a planner into scanning every fact. Only the
# clocks that are not the identity are stored: on the plain 24x7 clock a position is the
# instant itself, which the indicators read from `tickets` and `resolutions`.
#
# A ticket's last resolution (its greatest resolved_at) has its position on the ticket's own
# row; `resolution_facts` holds only the earlier ones of a ticket resolved more than once.
# Nearly every ticket is resolved at most once, so its facts are one row per clock, not two
# (migration 0022: a third fewer rows to write at import).
ticket_facts = Table(
    "ticket_facts", metadata,
    Column("ticket_key", BigInteger, primary_key=True),
    Column("clock", String(64), primary_key=True),
    Column("created_c", BigInteger, nullable=False),
    Column("response_c", BigInteger),  # position of tickets.response_at
    Column("resolved_at", BigInteger),  # the last resolution's resolutions.resolved_at
    Column("resolved_c", BigInteger),  # its position
    sqlite_with_rowid=False,
)

resolution_facts = Table(
    "resolution_facts", metadata,
    Column("ticket_key", BigInteger, primary_key=True),
    Column("resolved_at", BigInteger, primary_key=True),
    Column("clock", String(64), primary_key=True),
    Column("resolved_c", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

calls = Table(
    "calls", metadata,
    Column("source", String(64), primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("queue", String(128), nullable=False),
    Column("entered", BigInteger, nullable=False),
    Column("wait_seconds", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Index("ix_calls_entered", "entered"),
)

queue_intervals = Table(
    "queue_intervals", metadata,
    Column("source", String(64), primary_key=True),
    Column("queue", String(128), primary_key=True),
    Column("start", BigInteger, primary_key=True),
    Column("end", BigInteger, nullable=False),
    Column("received", Integer, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("abandoned", Integer, nullable=False),
    Column("abandoned_short", Integer, nullable=False),
    Column("wait_seconds_answered_sum", BigInteger, nullable=False),
    Index("ix_queue_intervals_start", "start"),
)

queue_interval_levels = Table(
    "queue_interval_levels", metadata,
    Column("source", String(64), primary_key=True),
    Column("queue", String(128), primary_key=True),
    Column("start", BigInteger, primary_key=True),
    Column("threshold", Integer, primary_key=True),
    Column("answered", Integer, nullable=False),
)

device_snapshots = Table(
    "device_snapshots", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("taken_at", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    Column("named", Boolean, nullable=False),  # false for count-only sources
    Index("ix_device_snapshots_source", "source", "taken_at"),
)

devices = Table(
    "devices", metadata,
    Column("snapshot_id", BigInteger, ForeignKey("device_snapshots.id", ondelete="CASCADE"),
           primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("attrs", Text),  # JSON of non-personal attributes
)

manual_values = Table(
    "manual_values", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("indicator", String(64), nullable=False),
    Column("period", String(32), nullable=False),
    Column("value", Float, nullable=False),
    Column("entered_at", BigInteger, nullable=False),
    Column("note", String(500)),
    Column("author", String(64)),
    Index("ix_manual_values_key", "indicator", "period", "entered_at"),
)

collection_runs = Table(
    "collection_runs", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("started", BigInteger, nullable=False),
    Column("ended", BigInteger),
    Column("ok", Boolean),
    Column("records", Integer, nullable=False, default=0),
    Column("rejects", Integer, nullable=False, default=0),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("requests", Integer, nullable=False, default=0),
    Column("retries", Integer, nullable=False, default=0),
    Column("throttled", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("error", Text),
    Index("ix_collection_runs_source", "source", "started"),
)

# The sums of the collection runs that retention purged, per source. The exported counters
# (kpimon_source_records_total …) are these plus the sums over the runs still kept, so a purge
# never makes a counter go back.
purged_run_totals = Table(
    "purged_run_totals", metadata,
    Column("source", String(64), primary_key=True),
    Column("records", BigInteger, nullable=False),
    Column("rejects", BigInteger, nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("retries", BigInteger, nullable=False),
    Column("throttled", BigInteger, nullable=False),
)

rejects = Table(
    "rejects", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", BigInteger),
    Column("source", String(64), nullable=False),
    Column("location", String(500), nullable=False),
    Column("row", Integer),
    Column("field", String(64)),
    Column("reason", String(500), nullable=False),
    Column("value", String(64)),
    Column("at", BigInteger, nullable=False),
    Index("ix_rejects_source", "source", "at"),
)

imported_files = Table(
    "imported_files", metadata,
    Column("source", String(64), primary_key=True),
    Column("file_key", String(128), primary_key=True),
    Column("path", String(1000), nullable=False),
    Column("imported_at", BigInteger, nullable=False),
    Column("run_id", BigInteger),
)

source_state = Table(
    "source_state", metadata,
    Column("source", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("value", Text, nullable=False),
)

exclusions = Table(
    "exclusions", metadata,
    Column("ticket_id", String(128), primary_key=True),
    Column("reason", String(500), nullable=False),
    Column("author", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

indicator_results = Table(
    "indicator_results", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("indicator", String(64), nullable=False),
    Column("period", String(32), nullable=False),
    Column("period_start", BigInteger, nullable=False),
    Column("period_end", BigInteger, nullable=False),
    Column("evaluated_at", BigInteger, nullable=False),
    Column("value", Float),
    Column("numerator", Float),
    Column("denominator", Float),
    Column("unknown", Integer),
    Column("target", String(64)),
    Column("status", String(16), nullable=False),
    # What a rise/fall target was compared with (in the indicator's unit, like value).
    Column("baseline", Float),
    Column("payload", Text, nullable=False),  # the indicator's §9 JSON object
    Column("config_hash", String(64), nullable=False),
    Column("computed_at", BigInteger, nullable=False),
    Column("adopted", Boolean, nullable=False, default=False),
    UniqueConstraint("indicator", "period", "adopted", name="uq_indicator_results_key"),
)

closed_periods = Table(
    "closed_periods", metadata,
    Column("period", String(32), primary_key=True),
    Column("closed_at", BigInteger, nullable=False),
    Column("author", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # the adopted goals JSON
)

# A drop-folder file that failed as a whole (a header that does not fit the field map …), with
# a hash of the source configuration it failed under: left alone until the file or that
# configuration changes (or `kpimon import --force`); deleted once a file of that path imports.
file_failures = Table(
    "file_failures", metadata,
    Column("source", String(64), primary_key=True),
    Column("file_key", String(128), primary_key=True),
    Column("path", String(1000), nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("error", Text, nullable=False),
    Column("failed_at", BigInteger, nullable=False),
    Column("run_id", BigInteger),
)

# Who closed (adopted) or reopened which period, when and why: the audit trail of
# `kpimon period close` and `kpimon period reopen`.
period_log = Table(
    "period_log", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("period", String(32), nullable=False),
    Column("action", String(16), nullable=False),  # close | reopen
    Column("at", BigInteger, nullable=False),
    Column("author", String(64), nullable=False),
    Column("reason", String(500)),
    Index("ix_period_log_period", "period", "at"),
)

control_records = Table(
    "control_records", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("control", String(64), nullable=False),
    Column("occasion", String(32), nullable=False),  # ISO date, or the occasion's number
    Column("status", String(16), nullable=False),  # none | minor | major | not_started
    Column("comment", Text),
    Column("by", String(128)),  # who followed the control up (--by, the CSV's `by`)
    Column("author", String(64), nullable=False),  # who entered it (user, or the source)
    Column("entered_at", BigInteger, nullable=False),
    Index("ix_control_records_key", "control", "occasion", "entered_at"),
)

# --------------------------------------------------------------------------- alerts
#
# One row per alert (a rule and the fingerprint of its labels). Every change is a
# compare-and-swap on `version`, so two processes (or one after a restart) never move an alert
# twice; the notification a change causes is written in the same transaction.
alert_state = Table(
    "alert_state", metadata,
    Column("rule", String(64), primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("labels", Text, nullable=False),  # JSON object
    Column("annotations", Text, nullable=False),  # JSON object (ticket ids go here)
    Column("details", Text, nullable=False),  # JSON: value, target, trend … for the mail
    Column("sources", String(1000), nullable=False),  # comma-joined: for source inhibition
    Column("state", String(16), nullable=False),  # inactive | pending | firing | resolved
    Column("active_since", BigInteger),
    Column("fired_at", BigInteger),
    Column("resolved_at", BigInteger),
    Column("evaluated_at", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
)

# What each notification group (receiver + group labels) was last told: the fingerprints that
# were firing in it, and when. Alertmanager's notification log.
alert_groups = Table(
    "alert_groups", metadata,
    Column("receiver", String(64), primary_key=True),
    Column("group_key", String(64), primary_key=True),
    Column("labels", Text, nullable=False),  # JSON: the group_by labels
    Column("notified", Text, nullable=False),  # JSON list of fingerprints
    Column("last_notified", BigInteger),
    Column("version", Integer, nullable=False),
)

# The outbox. `scheduled`: a group is due at `due_at`, its content is decided when it is taken;
# `ready`: content fixed (message and Message-ID), waiting for `due_at` (a retry);
# `sending`: taken by `claimed_by` until `lease_until`; then `sent`, `failed` (given up) or
# `skipped` (nothing left to say). At most one `scheduled` row per group.
notifications = Table(
    "notifications", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("receiver", String(64), nullable=False),
    Column("channel", String(16), nullable=False),  # email | alertmanager
    Column("group_key", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("due_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("message_id", String(255)),
    Column("subject", String(1000)),
    Column("recipients", Text),  # JSON list
    Column("payload", Text),  # the whole MIME message, or the Alertmanager JSON
    Column("claimed_by", String(64)),
    Column("lease_until", BigInteger),
    Column("sent_at", BigInteger),
    Column("result", String(1000)),  # what the server answered
    Column("last_error", String(1000)),
    Index("ix_notifications_due", "status", "due_at"),
    Index("uq_notifications_scheduled", "receiver", "group_key", unique=True,
          sqlite_where=text("status = 'scheduled'"),
          postgresql_where=text("status = 'scheduled'")),
)

silences = Table(
    "silences", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("matchers", Text, nullable=False),  # JSON list of [label, op, value]
    Column("starts_at", BigInteger, nullable=False),
    Column("ends_at", BigInteger, nullable=False),
    Column("author", String(64), nullable=False),
    Column("comment", String(500), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_silences_ends_at", "ends_at"),
)

# The sums a settled month contributes to its year's sum-based ticket indicators (kpi/settled.py):
# per month [month_start, month_end), indicator key (a hash of everything its sums depend on)
# and breakdown bucket ("" marks a month stored with no rows). `as_of` is the evaluation moment
# they were read at; `created_n` and `resolved_n`, the month's ticket and resolution counts then,
# tell a reader whether rows came or went since. Rows of a month whose tickets change (dirty
# tickets, a recompute) are deleted by the facts pass (store/settled.py).
settled_sums = Table(
    "settled_sums", metadata,
    Column("month_start", BigInteger, primary_key=True),
    Column("ind_key", String(32), primary_key=True),
    Column("bucket", String(128), primary_key=True),
    Column("month_end", BigInteger, nullable=False),
    Column("a", Float, nullable=False),
    Column("b", BigInteger, nullable=False),
    Column("as_of", BigInteger, nullable=False),
    Column("created_n", BigInteger, nullable=False),
    Column("resolved_n", BigInteger, nullable=False),
)

"""The command line (README.md). Exit codes: 0 ok, 1 a runtime failure, 2 bad usage or config.

Everything is built here, in `main()`, and passed down: the configuration, the store, the
calendars and the engine. A bad configuration is reported in full before any port or database
is opened.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import delete, insert, select

from kpimon import __version__
from kpimon.config import CALL_INDICATOR_KINDS, Config, ConfigError, config_path, load_config
from kpimon.periods import Period, check_years, containing, date_range, parse_at, parse_period
from kpimon.timeutil import epoch

log = logging.getLogger("kpimon")


class UsageError(Exception):
    """Bad arguments: exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kpimon", description="Service-desk KPI monitor")
    p.add_argument("--config", help="config file (default $KPIMON_CONFIG, else "
                   "/etc/kpimon/kpimon.toml)")
    p.add_argument("--log-level", type=_log_level,
                   help="DEBUG, INFO, WARNING or ERROR (default: log_level in the config)")
    p.add_argument("--version", action="version", version=f"kpimon {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the daemon")
    c = sub.add_parser("collect", help="collect each (or the named) source once, compute, exit")
    c.add_argument("sources", nargs="*", metavar="SOURCE")
    i = sub.add_parser("import", help="backfill one file through a source's adapter")
    i.add_argument("--force", action="store_true",
                   help="read the file even if it was imported, or failed, before")
    i.add_argument("source")
    i.add_argument("file")
    k = sub.add_parser("kpis", help="indicators and goals for a period")
    _period_args(k)
    k.add_argument("--format", choices=("table", "json", "csv"), default="table")
    k.add_argument("--decimal", choices=("point", "comma"), default="point",
                   help="decimal separator in --format csv (comma for Swedish spreadsheets)")
    e = sub.add_parser("explain", help="the tickets behind an indicator")
    e.add_argument("indicator")
    _period_args(e)
    e.add_argument("--format", choices=("table", "json"), default="table")
    r = sub.add_parser("report", help="the board report for a period")
    r.add_argument("--period", required=True)
    r.add_argument("--org", help="count only this organisation's tickets")
    r.add_argument("--format", choices=("html", "md", "pdf"), default="html")
    r.add_argument("-o", "--output", help="write to this file (a PDF needs one unless stdout "
                   "is redirected)")
    rec = sub.add_parser("record", help="record a manual value")
    rec.add_argument("indicator")
    rec.add_argument("period")
    rec.add_argument("value")
    rec.add_argument("--note")
    ex = sub.add_parser("exclude", help="leave a ticket out of every indicator")
    ex.add_argument("ticket", nargs="?")
    ex.add_argument("--reason")
    ex.add_argument("--list", action="store_true")
    ex.add_argument("--undo", metavar="TICKET")
    rc = sub.add_parser("recompute", help="recompute facts and results")
    rc.add_argument("--period")
    pc = sub.add_parser("period", help="close (adopt) a period, reopen it, or show its log")
    pc.add_argument("action", choices=("close", "reopen", "history"))
    pc.add_argument("period", nargs="?")
    pc.add_argument("--reason", help="why (required by reopen; kept in the period's log)")
    pc.add_argument("--force", action="store_true",
                    help="close a period that has not ended yet")
    rj = sub.add_parser("rejects", help="rows a source could not take, and why")
    rj.add_argument("source", nargs="?")
    rj.add_argument("--run", type=int, metavar="ID", help="the rejects of this collection run")
    rj.add_argument("--limit", type=_positive, default=50, metavar="N",
                    help="at most N rows per source (default 50)")
    ctl = sub.add_parser("control", help="internal control: record a follow-up")
    ctl_sub = ctl.add_subparsers(dest="control_action", metavar="ACTION", required=True)
    cr = ctl_sub.add_parser("record", help="record a control's status at an occasion")
    cr.add_argument("control")
    cr.add_argument("occasion", help="the occasion's date (YYYY-MM-DD) or number (1, 2, …)")
    cr.add_argument("status", help="none, minor, major, not_started, or Inga avvikelser, "
                    "Mindre avvikelser, Större avvikelser, Ej påbörjad")
    cr.add_argument("--comment")
    cr.add_argument("--by", help="who followed the control up (default: you)")
    al = sub.add_parser("alerts", help="alert rules and states, silences, a test mail")
    asub = al.add_subparsers(dest="action", metavar="ACTION", required=True)
    asub.add_parser("list", help="rules, alerts with state and since, silences")
    si = asub.add_parser("silence", help="mute the alerts matching every MATCHER")
    si.add_argument("matchers", nargs="+", metavar="MATCHER",
                    help="label=value, label!=value, label=~regex or label!~regex")
    until = si.add_mutually_exclusive_group(required=True)
    until.add_argument("--duration", help="e.g. 2h, 1d")
    until.add_argument("--until", help="ISO 8601 time; without an offset it is local time")
    si.add_argument("--comment", required=True)
    si.add_argument("--author", help="default: the login name")
    un = asub.add_parser("unsilence", help="end a silence now")
    un.add_argument("id", type=int)
    te = asub.add_parser("test", help="send a test mail through the configured relay")
    te.add_argument("--to", action="append", metavar="ADDRESS",
                    help="default: every e-mail receiver's addresses")
    sub.add_parser("check-config", help="validate the configuration and the drop folders; "
                   "exit 2 on errors")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=("upgrade",))
    return p


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(text: str) -> str:
    level = text.strip().upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a log level: use one of {', '.join(LOG_LEVELS[:4])}")
    return level


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return n


def _period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period")
    p.add_argument("--from", dest="from_")
    p.add_argument("--to")
    p.add_argument("--at", help="evaluate as of this moment (ISO 8601; local without offset)")


def _at(args: argparse.Namespace, config: Config) -> datetime:
    if not getattr(args, "at", None):
        return datetime.now(UTC)
    try:
        return parse_at(args.at, config.tz)
    except ValueError as e:
        raise UsageError(f"--at: {e}") from None


def _period(args: argparse.Namespace, config: Config, at: datetime) -> Period:
    tz = config.tz
    try:
        if args.period and (args.from_ or args.to):
            raise UsageError("give --period or --from/--to, not both")
        if args.period:
            return parse_period(args.period, tz)
        if args.from_ or args.to:
            if not (args.from_ and args.to):
                raise UsageError("--from and --to go together")
            return check_years(date_range(_date_arg("--from", args.from_),
                                          _date_arg("--to", args.to), tz))
    except ValueError as e:
        raise UsageError(str(e)) from None
    return containing("month", at, tz)


def _period_arg(text: str, tz: Any) -> Period:
    try:
        return parse_period(text, tz)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _date_arg(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise UsageError(f"{option} {text}: not a date YYYY-MM-DD ({e})") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    path = config_path(args.config, os.environ)
    try:
        config = load_config(path)
    except ConfigError as e:
        _print_errors(path, e.errors)
        return 2
    from kpimon.app import check_build

    # Everything the command would build from the file, built now: a configuration that
    # would fail later fails here, before any port or database is touched.
    errors = check_build(config)
    if errors:
        _print_errors(path, errors)
        return 2
    from kpimon import logs
    from kpimon.progress import ProgressLine

    # On a terminal, long commands draw a progress line at the bottom of stderr; the log
    # writes through it, so that log lines appear above the bar instead of over it.
    line = ProgressLine(sys.stderr, enabled=_terminal(sys.stderr))
    try:
        logs.setup(args.log_level or config.log_level, config.log_format, config.secrets,
                   stream=cast(IO[str], line) if line.enabled else None)
        if args.command == "check-config":
            return _check_config(path, config)
        for warning in config.warnings:
            log.warning("%s", warning)
        try:
            code = _dispatch(args, config, line)
        except UsageError as e:
            print(f"kpimon: {e}", file=sys.stderr)
            return 2
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (`kpimon explain … | head`): that is how pipes end, not an
        # error. Later writes and the final flush go nowhere instead of raising again.
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        log.debug("failed", exc_info=True)
        print(f"kpimon: {type(e).__name__}: {logs.redact(str(e))}", file=sys.stderr)
        return 1


def _terminal(stream: Any) -> bool:
    from kpimon.logs import journal_stream

    try:
        return bool(stream.isatty()) and not journal_stream(stream, os.environ)
    except (AttributeError, ValueError):
        return False


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass  # not a real file (a test's capture): nothing will be flushed to a pipe


def _print_errors(path: str, errors: list[str], what: str = "configuration error") -> None:
    from kpimon.logs import journal_stream

    # Under systemd, mark the lines as errors for the journal (logging is not set up yet).
    err_prefix = "<3>" if journal_stream(sys.stderr, os.environ) else ""
    print(f"{err_prefix}kpimon: {path}: {len(errors)} {what}{'s' if len(errors) != 1 else ''}:",
          file=sys.stderr)
    for err in errors:
        print(f"{err_prefix}  {err}", file=sys.stderr)


def _check_config(path: str, config: Config) -> int:
    """`check-config`: the file (already valid here), then the drop and archive folders as
    this user sees them; warnings do not fail it."""
    from kpimon.sources.dropfolder import check_folders

    def named(key: str, message: str) -> str:
        index = int(key.split("[", 1)[1].split("]", 1)[0])
        return f'{key}: {message} (source "{config.sources[index].name}")'

    checks = check_folders(config.sources)
    errors = [named(c.key, c.message) for c in checks if c.error]
    warnings = list(config.warnings) + [named(c.key, c.message) for c in checks if not c.error]
    if errors:
        _print_errors(path, errors, "error")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if errors:
        return 2
    print(f"{path}: ok ({len(config.sources)} sources, {len(config.indicators)} indicators,"
          f" {len(config.goals)} goals)" + (f", {len(warnings)} warning"
                                           f"{'s' if len(warnings) != 1 else ''}"
                                           if warnings else ""))
    return 0


def _dispatch(args: argparse.Namespace, config: Config, line: Any) -> int:
    from kpimon.app import App

    if args.command == "run":
        from kpimon.daemon import run_daemon
        from kpimon.leader import Leadership
        from kpimon.store.leader import leader_lock

        # One leader among the instances on this database (an flock beside a SQLite file).
        return run_daemon(config, log_level=args.log_level, progress=line,
                          leader=Leadership(leader_lock(config.database)))
    app = App.build(config)
    try:
        app.store.upgrade()
        if args.command == "db":
            print("database is at the newest schema")
            return 0
        handler = COMMANDS[args.command]
        return handler(app, args, line)
    finally:
        app.store.close()


def _source(app: Any, name: str) -> Any:
    """The named source, or a usage error listing the configured ones."""
    try:
        return app.config.source(name)
    except KeyError:
        raise UsageError(_unknown("source", name, [s.name for s in app.config.sources])
                         ) from None


def _indicator(app: Any, ident: str) -> Any:
    """The named indicator, or a usage error listing the configured ones."""
    try:
        return app.config.indicator(ident)
    except KeyError:
        raise UsageError(_unknown("indicator", ident, [i.id for i in app.config.indicators])
                         ) from None


def _unknown(what: str, name: str, valid: list[str]) -> str:
    from kpimon.config.parsing import did_you_mean

    listed = ", ".join(valid) if valid else "none are configured"
    return f"no {what} named {name!r}{did_you_mean(name, valid)}; the {what}s are: {listed}"


def cmd_collect(app: Any, args: argparse.Namespace, line: Any) -> int:
    for name in args.sources:
        _source(app, name)
    outcomes = []
    for src in app.config.sources:
        if args.sources and src.name not in args.sources:
            continue
        task = line.task("rows")
        try:
            outcome = app.collector.collect(src, wait_for_settle=True, progress=task)
        finally:
            task.done()
        app.last_outcomes[src.name] = outcome
        outcomes.append(outcome)
    _compute(app, line)
    failed = [o for o in outcomes if not o.ok]
    for o in outcomes:
        c = o.counts
        state = "ok" if o.ok else f"FAILED: {o.error}"
        print(f"{o.source}: {c.records} records ({c.inserted} new, {c.updated} updated, "
              f"{c.unchanged} unchanged), {c.rejected} rejected — {state}")
        for message in o.file_errors[1:]:  # the first is in the line above
            print(f"  also failed: {message}")
        if c.rejected:
            print(f"  see them with: kpimon rejects {o.source}")
    return 1 if failed else 0


def _compute(app: Any, line: Any) -> None:
    """The facts and the running periods, with the facts' progress on a terminal."""
    task = line.task("tickets")
    try:
        app.facts.update(progress=task)
    finally:
        task.done()
    app.compute()


def cmd_import(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.collector import config_hash
    from kpimon.sources.dropfolder import file_identity

    src = _source(app, args.source)
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if not args.force:
        identity = file_identity(path)
        if app.store.is_imported(src.name, identity.key):
            print(f"{path}: already imported (this very file); nothing to do — "
                  "`kpimon import --force` reads it again")
            return 0
        error = app.store.file_failure(src.name, identity.key, config_hash(src))
        if error is not None:
            print(f"kpimon: {path} failed before with this configuration: {error}\n"
                  "  fix the source's configuration (or the file), or read it again with "
                  "`kpimon import --force`", file=sys.stderr)
            return 1
    task = line.task("rows")
    try:
        outcome = app.collector.collect(src, files=[path], wait_for_settle=True, progress=task,
                                        force=True)
    finally:
        task.done()  # the bar's last state stays on its own line, above the summary
    c = outcome.counts
    rows = c.inserted + c.updated + c.unchanged + c.rejected
    if not outcome.file_errors:
        print(f"{path}: {rows:,} rows: inserted {c.inserted:,}, updated {c.updated:,}, "
              f"unchanged {c.unchanged:,}, rejected {c.rejected:,} in {outcome.duration:.1f} s")
    if c.rejected and outcome.run_id is not None:
        shown = app.store.run_rejects(outcome.run_id, 10)
        for r in shown:
            what = f" {r.field}" if r.field else ""
            value = f" ({r.value!r})" if r.value is not None and repr(r.value) not in r.reason \
                else ""
            print(f"  row {r.row if r.row is not None else '-'}{what}: {r.reason}{value}")
        if c.rejected > len(shown):
            print(f"  … and {c.rejected - len(shown):,} more: "
                  f"kpimon rejects {src.name} --run {outcome.run_id}")
    if not outcome.ok:
        print(f"kpimon: import failed: {outcome.error}", file=sys.stderr)
        return 1
    _compute(app, line)
    return 0


def cmd_kpis(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.kpi.output import evaluation_csv, evaluation_json, evaluation_table

    at = _at(args, app.config)
    period = _period(args, app.config, at)
    app.facts.update()
    ev = app.evaluate(period, at)
    if args.format == "json":
        print(json.dumps(evaluation_json(ev), ensure_ascii=False, indent=1))
    elif args.format == "csv":
        # UTF-8 with a byte-order mark, whatever the locale: Excel then reads Laxå as Laxå.
        text = "\ufeff" + evaluation_csv(ev, decimal="," if args.decimal == "comma" else ".")
        _write_utf8(text)
    else:
        from kpimon.i18n import formatter_for

        sys.stdout.write(evaluation_table(ev, formatter_for(app.config)))
    return 0


def _write_utf8(text: str) -> None:
    sys.stdout.flush()
    raw = getattr(sys.stdout, "buffer", None)
    if raw is None:
        sys.stdout.write(text)
        return
    raw.write(text.encode("utf-8"))
    raw.flush()


def cmd_explain(app: Any, args: argparse.Namespace, line: Any) -> int:
    ind = _indicator(app, args.indicator)
    at = _at(args, app.config)
    period = _period(args, app.config, at)
    app.facts.update()
    rows = app.engine.explain(ind, period, at)
    excluded = _exclusions(app)
    # How many ids got each verdict (met, missed, pending; counted, ok, unknown; …), in the
    # order they first appear, so the table and the JSON say the same at a glance.
    summary: dict[str, int] = {}
    for r in rows:
        if "verdict" in r:
            summary[r["verdict"]] = summary.get(r["verdict"], 0) + 1
    if args.format == "json":
        print(json.dumps({"indicator": ind.id, "kind": ind.kind, "period": period.json(),
                          "evaluated_at": at.astimezone(app.config.tz).isoformat(),
                          "summary": summary, "tickets": rows, "excluded": excluded},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"{ind.id} ({ind.kind}) for {period.label} as of "
          f"{at.astimezone(app.config.tz):%Y-%m-%d %H:%M}")
    if ind.kind in CALL_INDICATOR_KINDS:
        from kpimon.i18n import formatter_for
        from kpimon.present.explain import explain_table, text_table

        sys.stdout.write(text_table(explain_table(formatter_for(app.config), ind, rows)))
        return 0
    for r in rows:
        if "device" in r:
            print(f"  {r['device']:<24} {r['verdict']}")
        elif "summary" in r:
            print(f"  {r['summary']}")
        elif "entered_at" in r:  # a manual value's entries
            print(f"  {r['entered_at']}  {r['value']:>12g}  {r['verdict']:<10} "
                  f"{r.get('author') or ''}  {r.get('note') or ''}".rstrip())
        elif "ticket" in r:
            el = r.get("elapsed_seconds")
            print(f"  {r['ticket']:<16} {r['verdict']:<8} "
                  f"{'' if el is None else _duration(el):>10} "
                  f"{'' if el is None else f'{el} s':>12}  {r.get('org') or ''}")
        else:
            print(f"  {json.dumps(r, ensure_ascii=False)}")
    for e in excluded:
        print(f"  {e['ticket']:<16} excluded  ({e['reason']}, {e['author']})")
    if summary:
        print("  " + ", ".join(f"{verdict} {n}" for verdict, n in summary.items()))
    return 0


def _duration(seconds: int) -> str:
    h, rem = divmod(int(seconds), 3600)
    return f"{h}h{rem // 60:02d}m"


def _exclusions(app: Any) -> list[dict[str, Any]]:
    from kpimon.store import tables as t

    with app.store.engine.connect() as conn:
        return [{"ticket": r.ticket_id, "reason": r.reason, "author": r.author,
                 "at": datetime.fromtimestamp(r.created_at, app.config.tz).isoformat()}
                for r in conn.execute(select(t.exclusions).order_by(t.exclusions.c.ticket_id))]


def cmd_exclude(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.store import tables as t

    if args.list:
        for e in _exclusions(app):
            print(f"{e['ticket']}\t{e['at']}\t{e['author']}\t{e['reason']}")
        return 0
    if args.undo:
        with app.store.engine.begin() as conn:
            n = conn.execute(delete(t.exclusions).where(
                t.exclusions.c.ticket_id == args.undo)).rowcount
        if not n:
            print(f"kpimon: {args.undo} was not excluded", file=sys.stderr)
            return 1
        print(f"{args.undo}: counts again")
        return 0
    if not args.ticket or not args.reason:
        raise UsageError("exclude TICKET --reason TEXT | exclude --list | exclude --undo TICKET")
    with app.store.engine.begin() as conn:
        conn.execute(delete(t.exclusions).where(t.exclusions.c.ticket_id == args.ticket))
        conn.execute(insert(t.exclusions).values(
            ticket_id=args.ticket, reason=args.reason[:500], author=_author(),
            created_at=epoch(datetime.now(UTC))))
        # TICKET is an id, or SOURCE:ID where two sources share ids (as the indicators match).
        tk = t.tickets.c
        known = conn.execute(select(tk.id).where(
            (tk.id == args.ticket) | ((tk.source + ":" + tk.id) == args.ticket)).limit(1)
        ).first() is not None
    print(f"{args.ticket}: left out of every indicator ({args.reason})")
    if not known:  # a typo should not pass unnoticed; a ticket yet to come is still excluded
        print(f"kpimon: note: no ticket {args.ticket} has been collected yet; it will be left "
              "out when it is", file=sys.stderr)
    return 0


def _author() -> str:
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except Exception:
        return "unknown"


def cmd_record(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.store import tables as t

    ind = _indicator(app, args.indicator)
    if ind.kind != "manual":
        manual = [i.id for i in app.config.indicators if i.kind == "manual"]
        raise UsageError(f"{ind.id} is a {ind.kind} indicator, not manual; the manual ones "
                         f"are: {', '.join(manual) if manual else 'none are configured'}")
    from kpimon.sources.manual import NOTE_MAX, parse_value

    try:
        period = parse_period(args.period, app.config.tz)
        # The same reading as the manual CSV drop: decimal comma, −, spaces, a trailing %.
        value = parse_value(args.value)
    except ValueError as e:
        raise UsageError(str(e)) from None
    note = (args.note or "").strip()[:NOTE_MAX] or None
    with app.store.engine.begin() as conn:
        conn.execute(insert(t.manual_values).values(
            indicator=ind.id, period=period.label, value=value,
            entered_at=epoch(datetime.now(UTC)), note=note, author=_author()))
    print(f"{ind.id} {period.label} = {value:g}" + (f" ({note})" if note else ""))
    return 0


def cmd_recompute(app: Any, args: argparse.Namespace, line: Any) -> int:
    task = line.task("tickets")
    try:
        n = app.facts.rebuild(progress=task)
    finally:
        task.done()
    print(f"recomputed facts for {n} tickets")
    if args.period:
        period = _period_arg(args.period, app.config.tz)
        ev = app.save_results(period, datetime.now(UTC))
        print(f"recomputed {len(ev.indicators)} indicators for {period.label}"
              + (" (adopted figures kept; new ones stored beside them)" if _closed(app, period)
                 else ""))
    return 0


def _closed(app: Any, period: Period) -> bool:
    from kpimon.kpi.results import is_closed

    with app.store.engine.connect() as conn:
        return is_closed(conn, period)


def cmd_period(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.kpi.results import PeriodStateError, period_log, reopen_period

    if args.action == "history":
        period = _period_arg(args.period, app.config.tz) if args.period else None
        entries = period_log(app.store, period.label if period else None)
        for e in entries:
            when = datetime.fromtimestamp(e.at, app.config.tz).strftime("%Y-%m-%d %H:%M")
            print(f"{e.period}\t{e.action}\t{when}\t{e.author}\t{e.reason or ''}".rstrip())
        if not entries:
            print("no period has been closed yet" if period is None
                  else f"{period.label} has never been closed")
        return 0
    if not args.period:
        raise UsageError(f"period {args.action} needs a period, e.g. 2020-12")
    period = _period_arg(args.period, app.config.tz)
    now = datetime.now(UTC)
    if args.action == "reopen":
        if not (args.reason or "").strip():
            raise UsageError("period reopen needs --reason TEXT (kept in the period's log)")
        try:
            reopen_period(app.store, period, now, _author(), args.reason.strip()[:500])
        except PeriodStateError as e:
            print(f"kpimon: {e}", file=sys.stderr)
            return 1
        print(f"{period.label} reopened: its figures follow the data again "
              "(`kpimon period history` shows the log)")
        return 0
    early = now < period.end
    if early and not args.force:
        print(f"kpimon: {period.label} has not ended yet (it ends "
              f"{period.end:%Y-%m-%d %H:%M}): its figures still change as tickets come in, "
              "and closing adopts them for good; close it when it is over, or use --force to "
              "close it now anyway", file=sys.stderr)
        return 1
    reason = (args.reason or "").strip()
    if early:
        reason = "closed before its end (--force)" + (f": {reason}" if reason else "")
    app.facts.update()
    from kpimon.kpi.results import PeriodAlreadyClosed

    try:
        app.close_period(period, now, _author(), reason[:500] or None)
    except PeriodAlreadyClosed as e:
        print(f"kpimon: {e}", file=sys.stderr)
        return 1
    print(f"{period.label} closed: its results are adopted and will not change"
          + (" (before its end: --force)" if early else ""))
    return 0


def cmd_rejects(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.rejects import rejects_text

    names = [_source(app, args.source).name] if args.source else \
        [s.name for s in app.config.sources]
    text = rejects_text(app.store, names, run_id=args.run, limit=args.limit, tz=app.config.tz)
    sys.stdout.write(text)
    return 0


def cmd_report(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.report import render

    period = _period_arg(args.period, app.config.tz)
    if args.org is not None and app.config.orgs and args.org not in app.config.orgs:
        raise UsageError(f"--org {args.org!r} is not one of the configured orgs: "
                         f"{', '.join(app.config.orgs)}")
    if args.format == "pdf" and not args.output and sys.stdout.isatty():
        raise UsageError("a PDF goes to a file: give -o FILE (or redirect stdout)")
    app.facts.update()
    out = render(app, period, datetime.now(UTC), args.format, args.org)
    data = out if isinstance(out, bytes) else out.encode("utf-8")
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


def cmd_control(app: Any, args: argparse.Namespace, line: Any) -> int:
    from kpimon.records import parse_control_status
    from kpimon.store.controls import record_control

    try:
        ctl = app.config.control(args.control)
    except KeyError:
        raise UsageError(_unknown("control", args.control, [c.id for c in app.config.controls])
                         ) from None
    try:
        occasion = ctl.occasion(args.occasion)
        status = parse_control_status(args.status)
    except ValueError as e:
        raise UsageError(str(e)) from None
    comment = (args.comment or "").strip() or None
    by = (args.by or "").strip() or _author()
    record_control(app.store.engine, ctl.id, occasion.isoformat(), status, comment, by,
                   _author(), epoch(datetime.now(UTC)))
    from kpimon.i18n import formatter_for

    fmt = formatter_for(app.config)
    print(f"{ctl.id} {occasion.isoformat()}: {fmt.control_status(status)} ({by})"
          + (f": {comment}" if comment else ""))
    return 0


def cmd_alerts(app: Any, args: argparse.Namespace, line: Any = None) -> int:
    return {"list": _alerts_list, "silence": _alerts_silence, "unsilence": _alerts_unsilence,
            "test": _alerts_test}[args.action](app, args)


def _alerts_list(app: Any, args: argparse.Namespace) -> int:
    from kpimon.alerts.matchers import format_matcher
    from kpimon.alerts.view import build_view

    now = epoch(datetime.now(UTC))
    view = build_view(app.config, app.store, app.calendars, now)
    tz = app.config.tz
    rules = app.config.alerts.rules
    print(f"Rules ({len(rules)}):")
    for r in rules:
        what = ", ".join(r.indicators or r.sources) or ""
        labels = " ".join(f"{k}={v}" for k, v in sorted(r.labels.items()))
        print(f"  {r.id:<24} {r.kind:<18} {what:<24} for {_seconds(r.for_):<5} {labels}"
              .rstrip())
    print(f"\nAlerts ({len(view.alerts)}):")
    for a in view.alerts:
        since = datetime.fromtimestamp(a.since, tz).strftime("%Y-%m-%d %H:%M") \
            if a.since else "-"
        note = (f"silenced by #{', #'.join(map(str, a.silenced_by))}" if a.silenced_by
                else f"muted by {', '.join(a.inhibited_by)}" if a.inhibited_by else "")
        print(f"  {a.state:<9} {since:<17} {a.rule:<24} {a.title}"
              + (f"  [{note}]" if note else ""))
    print(f"\nSilences ({len(view.silences)}):")
    for s in view.silences:
        start = datetime.fromtimestamp(s.starts_at, tz).strftime("%Y-%m-%d %H:%M")
        end = datetime.fromtimestamp(s.ends_at, tz).strftime("%Y-%m-%d %H:%M")
        print(f"  #{s.id:<4} {start} – {end}  {' '.join(map(format_matcher, s.matchers))}  "
              f"by {s.author}: {s.comment}")
    return 0


def _seconds(n: int) -> str:
    """A duration as the config writes it: 2h, 15m, 90s, 1d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if n and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n}s"


def _alerts_silence(app: Any, args: argparse.Namespace) -> int:
    from kpimon.alerts.matchers import format_matcher, parse_matcher
    from kpimon.durations import parse_duration
    from kpimon.store import alerts as db

    try:
        matchers = [parse_matcher(m) for m in args.matchers]
    except ValueError as e:
        raise UsageError(str(e)) from None
    now = epoch(datetime.now(UTC))
    if args.duration:
        try:
            seconds = parse_duration(args.duration).seconds()
        except ValueError as e:
            raise UsageError(f"--duration: {e}") from None
        if not 0 < seconds <= 3650 * 86400:
            raise UsageError("--duration: more than 0 and at most 3650d")
        ends = now + seconds
    else:
        try:
            ends = epoch(parse_at(args.until, app.config.tz))
        except ValueError as e:
            raise UsageError(f"--until: {e}") from None
        if ends <= now:
            raise UsageError("--until: that time has passed")
    comment = " ".join(args.comment.split())
    if not comment:
        raise UsageError("--comment: say why")
    author = (args.author or _author()).strip()[:64] or "unknown"
    with app.store.engine.begin() as conn:
        ident = db.add_silence(conn, matchers, now, ends, author, comment, now)
    until_text = datetime.fromtimestamp(ends, app.config.tz).strftime("%Y-%m-%d %H:%M")
    print(f"silence #{ident}: {' '.join(map(format_matcher, matchers))} until {until_text}")
    return 0


def _alerts_unsilence(app: Any, args: argparse.Namespace) -> int:
    from kpimon.store import alerts as db

    with app.store.engine.begin() as conn:
        done = db.expire_silence(conn, args.id, epoch(datetime.now(UTC)))
    if not done:
        print(f"kpimon: no active silence #{args.id}", file=sys.stderr)
        return 1
    print(f"silence #{args.id} ended")
    return 0


def _alerts_test(app: Any, args: argparse.Namespace) -> int:
    from kpimon.alerts.errors import DeliveryError
    from kpimon.alerts.outbox import Sender
    from kpimon.config.alerts import address_ok

    alerts = app.config.alerts
    if alerts.smtp is None:
        raise UsageError("no [alerts] smtp relay is configured")
    to = args.to or sorted({a for r in alerts.receivers.values() for a in r.email})
    if not to:
        raise UsageError("no e-mail receiver is configured; give --to ADDRESS")
    bad = [a for a in to if not address_ok(a)]
    if bad:
        raise UsageError(f"--to: {', '.join(map(repr, bad))} is not an e-mail address")
    try:
        answer = Sender(app.config, app.store, app.calendars).send_test(to)
    except DeliveryError as e:
        print(f"kpimon: test mail to {', '.join(to)} failed: {e}", file=sys.stderr)
        return 1
    print(f"test mail to {', '.join(to)} via {alerts.smtp.host}:{alerts.smtp.port}: {answer}")
    return 0


COMMANDS = {
    "collect": cmd_collect, "import": cmd_import, "kpis": cmd_kpis, "explain": cmd_explain,
    "exclude": cmd_exclude, "record": cmd_record, "recompute": cmd_recompute,
    "period": cmd_period, "report": cmd_report, "rejects": cmd_rejects,
    "control": cmd_control, "alerts": cmd_alerts,
}


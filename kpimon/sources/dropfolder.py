"""Drop folders (docs/configuration.md): which files a file-based source takes, and what happens
to them after.

Every adapter that reads files dropped into a folder (ACE reports, ticket CSV exports, inventory
lists, manual values) uses this module the same way::

    for drop in drop_files(self.config, ctx):
        yield Batch(label=drop.path.name, items=parse(drop.path), file_key=drop.key,
                    on_commit=drop.on_commit)

The rules, for a `SourceConfig` with `path` (a glob), `settle`, `after` and `archive`:

* **Which files.** `ctx.files` when the runner gives them (`kpimon import`), else the files that
  match `path`, oldest first (by mtime, then by name so equal mtimes keep a stable order). Hidden
  files (`.name`) never match a `*`, so an exporter that writes `.report.csv.part` and renames it
  is safe; directories and files inside the archive folder are skipped. A `path` that names a
  folder (it is one, or it ends in `/`) means every file in it, as `folder/*` would.
* **The folder.** The drop folder is the part of `path` before its first wildcard (the folder
  of a single file). A missing one is created, with the permissions of the folder it is made
  in (so a group-writable drop folder's new subfolder is group-writable too); one that cannot be
  created fails the source with a message naming it. `check_folders` tells the same in advance
  for `kpimon check-config`.
* **Settle.** A file is taken once it has not changed (size and mtime) for `settle` seconds, so a
  file still being written or copied is not read half-way. The daemon leaves an unsettled file for
  its next cycle; with `ctx.wait_for_settle` (a one-shot `collect`) the helper waits for it, in
  small sleeps, up to `max_wait` seconds.
* **Identity.** A file is identified by name + size + mtime + SHA-256 of its content
  (`FileIdentity.key`); a file already imported (`ctx.is_imported(key)`) is skipped, and a file
  changed after its import is a new version and is taken again.
* **After.** `DropFile.on_commit` (run by the runner after the batch is committed) keeps the file
  (`after = "keep"`, the default), moves it into `archive` (`after = "archive"`) or deletes it
  (`after = "delete"`). The archive folder is created when needed; a relative `archive` is inside
  the drop folder (the part of `path` before its first wildcard); an archived file of the same
  name is never overwritten — the new one gets a `.1`, `.2`, … suffix before its extension. A
  file that changed after it was read is left in place (the new version is taken next cycle),
  and files named by `ctx.files` (`kpimon import`) are always left where they are.

Text files are decoded with `decode_text`: `utf-8-sig`, then `utf-8`, then `cp1252` (what Excel
and Windows-based report tools write).
"""

from __future__ import annotations

import errno
import glob
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kpimon.config import SourceConfig
from kpimon.redact import url_label
from kpimon.sources.base import CollectContext, SourceError

ENCODINGS = ("utf-8-sig", "utf-8", "cp1252")
"""Encodings tried in order by `decode_text`."""

_CHUNK = 1 << 20  # read size for hashing; a file is never read into memory whole here
KEY_MAX = 128  # the store's imported_files.file_key


@dataclass(frozen=True)
class FileIdentity:
    """What identifies one version of a file: name, size, mtime (ns) and content hash."""

    name: str
    size: int
    mtime_ns: int
    sha256: str

    @property
    def key(self) -> str:
        """The string stored as the batch's `file_key`: `name|size|mtime_ns|sha256`, the name
        shortened so that the key fits the store's 128 characters."""
        rest = f"|{self.size}|{self.mtime_ns}|{self.sha256}"
        return f"{self.name[:max(0, KEY_MAX - len(rest))]}{rest}"


@dataclass(frozen=True)
class DropFile:
    """A settled, not yet imported file: read `path`, then pass `key` and `on_commit` on."""

    path: Path
    identity: FileIdentity
    on_commit: Callable[[], None]
    origin: str | None = None  # where it came from when that is not `path` (a URL)

    @property
    def key(self) -> str:
        return self.identity.key

    @property
    def label(self) -> str:
        """How rejects and logs name the file."""
        return self.origin or str(self.path)


@contextmanager
def downloaded(config: SourceConfig, ctx: CollectContext) -> Iterator[DropFile]:
    """The file at the source's `url` (Basic auth from username/password), as a DropFile in a
    temporary file that is removed afterwards; its identity is that of the content."""
    from kpimon.sources.http import HttpClient

    client = HttpClient(config, ctx.stats, ctx.log, secrets=ctx.secrets)
    if config.username and config.password:
        client.session.auth = (config.username, config.password)
    try:
        resp = client.get(config.url or "")
    finally:
        client.session.close()
    if resp.status_code == 401:  # the helper raises for every other failure itself
        raise SourceError(f"{config.url}: the server refused the credentials for user "
                          f"{config.username or '(none)'}", permanent=True)
    # Userinfo and query may carry a password, a token; the path a token from the environment.
    label = url_label(config.url or "", ctx.secrets)
    body = resp.content
    # The same content at the same address is the same file, whenever it is fetched.
    identity = FileIdentity(label, len(body), 0, hashlib.sha256(body).hexdigest())
    fd, name = tempfile.mkstemp(prefix="kpimon-", suffix=".download")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        del body, resp
        yield DropFile(path, identity, _keep, origin=label)
    finally:
        path.unlink(missing_ok=True)


def decode_text(data: bytes, encodings: tuple[str, ...] = ENCODINGS) -> tuple[str, str]:
    """Decode bytes with the first encoding that fits; returns (text, encoding used).

    `utf-8-sig` drops a byte-order mark. cp1252 leaves five byte values undefined; a file with
    one of them still decodes (as U+FFFD) rather than being unreadable.
    """
    for enc in encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode(encodings[-1], errors="replace"), encodings[-1]


def read_text(path: Path, encodings: tuple[str, ...] = ENCODINGS) -> tuple[str, str]:
    """Read a (small) text file and decode it with `decode_text`."""
    return decode_text(path.read_bytes(), encodings)


def file_identity(path: Path) -> FileIdentity:
    """Hash a file in chunks and return its identity (raises OSError if it cannot be read)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        before = os.fstat(f.fileno())
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
        after = os.fstat(f.fileno())
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        # Written to while we hashed it: the hash matches neither version.
        raise _Changed(path)
    return FileIdentity(path.name, after.st_size, after.st_mtime_ns, digest.hexdigest())


class _Changed(Exception):
    """A file changed while it was being hashed."""


def _has_magic(text: str) -> bool:
    return any(c in text for c in "*?[")


def candidates(config: SourceConfig, ctx: CollectContext) -> list[Path]:
    """The files to consider, in the order to import them (see the module docstring).

    Raises SourceError when an explicitly given file is missing, or when the folder of the glob
    does not exist (a drop folder that was never created is a setup error worth an alert).
    """
    if ctx.files is not None:
        for p in ctx.files:
            if not p.is_file():
                raise SourceError(f"{p}: no such file", permanent=True)
        return list(ctx.files)
    if not config.path:
        raise SourceError(f"source {config.name!r} has no path", permanent=True)
    pattern = expand_path(config.path)
    unclear = unclear_path(pattern)
    if unclear:
        raise SourceError(unclear, permanent=True)
    folder = base_folder(pattern)
    if not folder.is_dir():
        ensure_folder(folder, ctx.log, config.path)
        return []  # a folder just made holds nothing yet
    archive = _archive_dir(config, pattern)
    found: list[tuple[int, str, Path]] = []
    for name in glob.glob(pattern, recursive=True):
        p = Path(name)
        try:
            st = p.stat()
        except OSError:
            continue  # vanished between listing and stat
        if not p.is_file():
            continue
        if archive is not None and _inside(p, archive):
            continue
        found.append((st.st_mtime_ns, p.name, p))
    found.sort(key=lambda t: (t[0], t[1]))
    return [p for _, _, p in found]


def expand_path(path: str) -> str:
    """A source's `path` as a glob: `~` expanded, and a folder (one that is there, or a path
    ending in `/`) taken as every file in it."""
    pattern = os.path.expanduser(path)
    if not _has_magic(pattern) and (pattern.endswith(("/", os.sep)) or os.path.isdir(pattern)):
        return os.path.join(pattern, "*")
    return pattern


def unclear_path(pattern: str) -> str | None:
    """Why a `path` cannot be read as meant, or None: a path with no wildcard that is not
    there and has no file extension may be a folder not made yet or a misspelt one, and
    guessing would read nothing without a word — so it is an error that says how to write
    either."""
    if _has_magic(pattern) or os.path.exists(pattern) or "." in Path(pattern).name:
        return None
    return (f"{pattern} does not exist, and it is not clear whether it is a folder or a file: "
            f'for a folder of exports write path = "{pattern}/" (every file in it) or '
            f'"{pattern}/*.csv"; for a file, give its name with its extension')


def nearest_existing(folder: Path) -> Path:
    """The folder itself or its nearest ancestor that exists."""
    here = folder.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def ensure_folder(folder: Path, log: logging.Logger, path: str | None = None) -> None:
    """Create a missing drop folder like the folder it is made in; SourceError naming it when
    it cannot be created."""
    where = f" (path = {path!r})" if path and Path(os.path.expanduser(path)) != folder else ""
    existing = nearest_existing(folder)
    if not existing.is_dir():
        raise SourceError(f"drop folder {folder} does not exist and cannot be created: "
                          f"{existing} is not a folder{where}")
    try:
        mode = existing.stat().st_mode & 0o7777
        made = []
        for part in reversed([folder, *folder.parents]):
            if not part.exists():
                part.mkdir()
                made.append(part)
        for part in made:
            os.chmod(part, mode)
    except OSError as e:
        raise SourceError(f"drop folder {folder} does not exist and cannot be created: "
                          f"{e.strerror or e}{where}") from None
    log.info("created drop folder %s (like %s)", folder, existing)


def base_folder(pattern: str) -> Path:
    """The drop folder of a glob: its leading path up to the first part with a wildcard."""
    parts = Path(pattern).parts
    fixed: list[str] = []
    for part in parts[:-1]:
        if _has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _archive_dir(config: SourceConfig, pattern: str | None) -> Path | None:
    """The archive folder; a relative one is inside the drop folder."""
    if config.after != "archive" or not config.archive:
        return None
    archive = Path(os.path.expanduser(config.archive))
    if archive.is_absolute() or not pattern:
        return archive
    return base_folder(expand_path(pattern)) / archive


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def drop_files(
    config: SourceConfig,
    ctx: CollectContext,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    step: float = 0.5,
    max_wait: float | None = None,
) -> Iterator[DropFile]:
    """Yield the settled, not yet imported files of a drop-folder source, oldest first.

    `clock` (wall-clock seconds, compared with file mtimes) and `sleep` are injectable for tests.
    With `ctx.wait_for_settle`, an unsettled file is waited for in sleeps of at most `step`
    seconds, for at most `max_wait` seconds (default: 10 × settle, at least 60 s) — a file that
    keeps changing longer than that is left for the next collection with a warning.
    Files are hashed lazily, one at a time, as the caller asks for the next one.
    """
    settle = max(0, config.settle)
    limit = max_wait if max_wait is not None else max(60.0, 10.0 * settle)
    if ctx.files is not None:
        settle = 0  # `kpimon import FILE`: the user points at a finished file
    for path in candidates(config, ctx):
        identity = _settled_identity(path, settle, ctx, clock, sleep, step, limit)
        if identity is None:
            continue
        if ctx.files is not None:
            # `kpimon import FILE` names a file of the user's: read it even if it was imported
            # before (the upserts make that harmless), and never move or delete it.
            yield DropFile(path, identity, _keep)
            continue
        after = _after_action(config, path, identity, ctx.log)
        if ctx.is_imported(identity.key):
            # Imported, but the process stopped before `after` ran: finish that now.
            ctx.log.debug("%s: already imported, skipped", path)
            after()
            continue
        if ctx.failed_before(identity.key):
            # Failed as a whole with this configuration: stays where it is until it or the
            # configuration changes; the files after it go on.
            ctx.log.debug("%s: failed before with this configuration, skipped", path)
            continue
        yield DropFile(path, identity, after)


def _keep() -> None:
    """`after = "keep"`: nothing to do."""


def _settled_identity(
    path: Path,
    settle: int,
    ctx: CollectContext,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    step: float,
    limit: float,
) -> FileIdentity | None:
    """The identity of `path` once it has settled, or None to leave it for the next cycle."""
    started = clock()
    while True:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None  # taken away by someone else
        except OSError as e:
            raise SourceError(f"{path}: cannot read: {e.strerror}") from None
        age = clock() - st.st_mtime_ns / 1e9
        if age >= settle:
            try:
                identity = file_identity(path)
            except _Changed:
                identity = None
            except FileNotFoundError:
                return None
            except OSError as e:
                raise SourceError(f"{path}: cannot read: {e.strerror}") from None
            # The hash is of this version only if nothing changed since the stat.
            if identity is not None and (identity.size, identity.mtime_ns) == (
                st.st_size, st.st_mtime_ns
            ):
                return identity
            age = 0.0
        if not ctx.wait_for_settle:
            ctx.log.info("%s: changed %.0f s ago, waiting for it to settle (%d s)",
                         path, max(age, 0.0), settle)
            return None
        waited = clock() - started
        if waited >= limit:
            ctx.log.warning("%s: still changing after %.0f s, left for the next collection",
                            path, waited)
            return None
        sleep(max(0.01, min(step, settle - age, limit - waited)))


def _after_action(config: SourceConfig, path: Path, identity: FileIdentity,
                  log: logging.Logger) -> Callable[[], None]:
    """The `on_commit` callable for one file, per the source's `after` setting."""
    if config.after == "keep":
        return _keep
    archive = _archive_dir(config, config.path)
    if archive is None and config.after == "archive":
        archive = path.parent / "archive"  # unreachable with a validated config; be safe

    def on_commit() -> None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return  # already gone; nothing to do
        if (st.st_size, st.st_mtime_ns) != (identity.size, identity.mtime_ns):
            # A new version arrived after we read this one: keep it for the next cycle.
            log.warning("%s: changed after import; left in place", path)
            return
        try:
            if config.after == "delete":
                path.unlink(missing_ok=True)
            elif archive is not None:
                dest = archive_file(path, archive)
                log.info("%s: archived as %s", path, dest)
        except OSError as e:
            # The data is committed; failing here would only hide that. The file is skipped
            # next time (its key is imported), so a warning is enough.
            log.warning("%s: could not %s it: %s", path, config.after, e.strerror or e)

    return on_commit


def archive_file(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` (created if needed) without overwriting; returns the new path.

    An existing `report.csv` in the folder makes the new one `report.1.csv`, then `report.2.csv`…
    A hard link claims the name atomically, so two collectors can never overwrite each other;
    across file systems the file is copied into an exclusively created name instead.
    """
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    while True:
        name = path.name if n == 0 else f"{path.stem}.{n}{path.suffix}"
        dest = folder / name
        try:
            os.link(path, dest)
        except FileExistsError:
            n += 1
            continue
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
                raise
            try:
                _copy_exclusive(path, dest)
            except FileExistsError:
                n += 1
                continue
        path.unlink()
        return dest


def _copy_exclusive(src: Path, dest: Path) -> None:
    with src.open("rb") as fin, dest.open("xb") as fout:
        shutil.copyfileobj(fin, fout, _CHUNK)
    shutil.copystat(src, dest)


def pending_files(pattern: str, config: SourceConfig, ctx: CollectContext, *,
                  optional: bool = False) -> Iterator[DropFile]:
    """`drop_files` for another glob of the same source (e.g. ticket_csv's `status_changes`).

    With `optional`, a drop folder that does not exist is a warning, not a failed source:
    the tickets still come in while their history folder is being set up.
    """
    from dataclasses import replace

    folder = base_folder(expand_path(pattern))
    if optional and ctx.files is None and not folder.is_dir():
        try:
            ensure_folder(folder, ctx.log, pattern)
        except SourceError as e:
            ctx.log.warning("source %s: %s; nothing read from it", config.name, e.message)
        return
    yield from drop_files(replace(config, path=pattern), ctx)


def detect_encoding(path: Path, encodings: tuple[str, ...] = ENCODINGS) -> str:
    """The first of `encodings` that decodes the whole file, checked in chunks so a large
    export is never held in memory (a BOM picks `utf-8-sig` at once)."""
    import codecs

    with path.open("rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        for enc in encodings:
            f.seek(0)
            decoder = codecs.getincrementaldecoder(enc)()
            try:
                while chunk := f.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return enc
    return encodings[-1]


# ------------------------------------------------------------------ check-config

DROP_KINDS = ("ticket_csv", "ace_csv", "inventory_csv", "manual", "efecte_xml")
"""Source kinds that read a drop folder when they have a `path`."""


@dataclass(frozen=True)
class FolderCheck:
    """A drop or archive folder this process could not use as the source will: `key` is the
    config path (`sources[1].path`); an error fails `check-config`, a warning does not."""

    key: str
    message: str
    error: bool


def check_folders(sources: Sequence[SourceConfig]) -> list[FolderCheck]:
    """Every drop folder (`path`, `status_changes`) and archive folder of the file sources,
    as this user sees them: missing ones kpimon can create are warnings; missing ones it
    cannot create, and ones it cannot read (or, with `after` = archive or delete, write) are
    errors. Nothing is created or changed."""
    out: list[FolderCheck] = []
    user = _user()
    for i, src in enumerate(sources):
        if src.kind not in DROP_KINDS or not src.path:
            continue
        moves = src.after in ("archive", "delete")
        globs = [("path", src.path)]
        if src.status_changes:
            globs.append(("status_changes", src.status_changes))
        for key, glob_text in globs:
            unclear = unclear_path(expand_path(glob_text))
            problem = (unclear, True) if unclear else _check_folder(
                base_folder(expand_path(glob_text)), "drop folder", user, write=moves,
                created="at its first collection")
            if problem:
                out.append(FolderCheck(f"sources[{i}].{key}", *problem))
        archive = _archive_dir(src, src.path)
        if archive is not None:
            problem = _check_folder(archive, "archive folder", user, write=True,
                                    created="when it archives the first file")
            if problem:
                out.append(FolderCheck(f"sources[{i}].archive", *problem))
    return out


def _check_folder(folder: Path, what: str, user: str, *, write: bool, created: str
                  ) -> tuple[str, bool] | None:
    if folder.exists():
        if not folder.is_dir():
            return f"{what} {folder} is not a folder", True
        if not os.access(folder, os.R_OK | os.X_OK):
            return f"{what} {folder} is not readable by {user}", True
        if write and not os.access(folder, os.W_OK | os.X_OK):
            return (f"{what} {folder} is not writable by {user}, so files cannot be moved out "
                    "of it (after = \"archive\" or \"delete\")"), True
        return None
    existing = nearest_existing(folder)
    if not existing.is_dir():
        return f"{what} {folder} does not exist and cannot be created: {existing} is not a " \
               "folder", True
    if not os.access(existing, os.W_OK | os.X_OK):
        return (f"{what} {folder} does not exist and cannot be created: {existing} is not "
                f"writable by {user}"), True
    return f"{what} {folder} does not exist; kpimon creates it (like {existing}) {created}", \
        False


def _user() -> str:
    try:
        import pwd

        return f"user {pwd.getpwuid(os.geteuid()).pw_name}"
    except (ImportError, KeyError):
        return f"uid {os.geteuid()}"

"""Shared machinery of the config parser: error list, typed section access, `${ENV}`, secrets.

Every section module reads its TOML table through `Section`, which records a problem with its key
path in `Errors` instead of raising, so that the loader can report every error at once.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpimon.durations import Duration, parse_duration


class ConfigError(Exception):
    """A configuration that cannot be used; `errors` lists every problem with its key path."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors

_ENV_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Errors:
    """What parsing found wrong (`items`, each with its key path) and, beside it, every value
    taken from outside the file (`taken`): each `${NAME}` substituted and each secret read
    from a `*_file`, with the key path it went into. It is the one object every parser gets;
    the loader turns `taken` into secrets (`Config.secrets`)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.taken: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)

    def took(self, path: str, value: str) -> None:
        """Record a value that came from the environment or a secret file, and its key path."""
        self.taken.append((path, value))


#: How deep tables and lists may nest: far more than any real file needs, and little enough
#: that nothing walking the tree comes near Python's recursion limit.
MAX_DEPTH = 32
#: The largest integer any key takes: what a 64-bit database column holds.
MAX_INT = 2**63 - 1


def expand_env(value: Any, path: str, env: Mapping[str, str], errors: Errors,
               depth: int = 0) -> Any:
    """Expand `${VAR}` in every string of a parsed TOML tree; a tree nested deeper than
    MAX_DEPTH is an error (and is cut there)."""
    if depth > MAX_DEPTH and isinstance(value, (dict, list)):
        errors.add(path, f"nested more than {MAX_DEPTH} levels deep")
        return type(value)()
    if isinstance(value, str):
        if "\x00" in value:  # no name, path or URL holds one; the OS would refuse it later
            errors.add(path, "holds a NUL character")
            return value.replace("\x00", "")

        def repl(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name = m.group(1)
            if name not in env:
                errors.add(path, f"environment variable {name} is not set")
                return ""
            errors.took(path, env[name])
            return env[name]
        return _ENV_RE.sub(repl, value)
    if isinstance(value, dict):
        return {k: expand_env(v, join_path(path, k), env, errors, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, f"{path}[{i}]", env, errors, depth + 1)
                for i, v in enumerate(value)]
    return value


def did_you_mean(key: str, choices: Iterable[str]) -> str:
    """` (did you mean "timezone"?)` for a key close to one of `choices`, else ""."""
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.6)
    return f' (did you mean "{lowered[match[0]]}"?)' if match else ""


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Section:
    """Typed access to one TOML table that records errors instead of raising."""

    def __init__(self, data: Mapping[str, Any], path: str, errors: Errors):
        self.data = data
        self.path = path
        self.errors = errors

    def p(self, key: str) -> str:
        return join_path(self.path, key)

    def unknown(self, allowed: set[str], what: str = "") -> None:
        for key in self.data:
            if key not in allowed:
                hint = f" for {what}" if what else ""
                self.errors.add(self.p(key), f"unknown key{hint}{did_you_mean(key, allowed)}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None,
            required: bool = False) -> Any:
        if key not in self.data:
            if required:
                self.errors.add(self.p(key), "required")
            return default
        value = self.data[key]
        # Every number has a range: no NaN or infinity, no integer beyond a 64-bit column.
        if isinstance(value, float) and not math.isfinite(value):
            self.errors.add(self.p(key), f"{value} is not a finite number")
            return default
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            self.errors.add(self.p(key), "the number is too large")
            return default
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, bool) and kind is not bool and bool not in _tuple(kind):
            self.errors.add(self.p(key), f"expected {_typename(kind)}, got a boolean")
            return default
        if not isinstance(value, kind):
            self.errors.add(self.p(key), f"expected {_typename(kind)}, got {type(value).__name__}")
            return default
        return value

    def within(self, key: str, kind: type, ok: Callable[[Any], bool], message: str) -> Any:
        """`get`, then a range: a value `ok` refuses is the error `message` (and None)."""
        value = self.get(key, kind)
        if value is not None and not ok(value):
            self.errors.add(self.p(key), message)
            return None
        return value

    def str_list(self, key: str, default: tuple[str, ...] = (), one_ok: bool = False,
                 required: bool = False) -> tuple[str, ...]:
        value = self.get(key, (list, str) if one_ok else list, None, required)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        out = []
        for i, v in enumerate(value):
            if not isinstance(v, str):
                self.errors.add(f"{self.p(key)}[{i}]", "expected a string")
            else:
                out.append(v)
        return tuple(out)

    def duration(self, key: str, default: str | None = None, required: bool = False
                 ) -> Duration | None:
        text = self.get(key, str, default, required)
        if text is None:
            return None
        try:
            return parse_duration(text)
        except ValueError as e:
            self.errors.add(self.p(key), str(e))
            return None

    def table(self, key: str) -> Section:
        value = self.get(key, dict, {})
        return Section(value if isinstance(value, dict) else {}, self.p(key), self.errors)


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _typename(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _tuple(kind))


def read_secret(sec: Section, key: str, errors: Errors) -> str | None:
    direct = sec.get(key, str)
    file_key = f"{key}_file"
    path = sec.get(file_key, str)
    if direct is not None and path is not None:
        errors.add(sec.p(file_key), f"give either {key} or {file_key}, not both")
    if path is not None:
        try:
            secret = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as e:
            errors.add(sec.p(file_key), f"cannot read secret file {path}: {e.strerror}")
            return None
        except (UnicodeDecodeError, ValueError):
            errors.add(sec.p(file_key), f"secret file {path} is not UTF-8 text")
            return None
        if _CONTROL.search(secret):
            # A NUL or a line break inside cannot go into an HTTP header or an SMTP login.
            errors.add(sec.p(file_key), f"secret file {path} holds a control character "
                       "(only its final line break is taken off)")
            return None
        errors.took(sec.p(key), secret)
        return secret
    if direct is not None and _CONTROL.search(direct):
        errors.add(sec.p(key), "holds a control character")
        return None
    return direct


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_timezone(name: str, path: str, errors: Errors) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors.add(path, f"{name!r} is not a known time zone")

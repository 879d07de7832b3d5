"""The configuration loader fuzzed: whatever the file holds, `load_config` returns a Config or
raises ConfigError (a list of errors), and a Config it returns builds (`check_build` lists
what would not, and never raises). Seeded with the inputs that once crashed it; the example
configuration is the base that values are swapped into. The number of examples follows the
hypothesis profile (`HYPOTHESIS_PROFILE`): small in `make test`, larger for a long run."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpimon.app import check_build
from kpimon.config import Config, ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kpimon.example.toml"
BASE_TEXT = EXAMPLE.read_bytes()
BASE = tomllib.loads(BASE_TEXT.decode("utf-8"))


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of the parsed example, tables and lists included."""
    out = [path] if path else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


PATHS = _paths(BASE)
SCALARS = st.one_of(
    st.integers(), st.integers(min_value=10**18, max_value=10**40), st.floats(),
    st.booleans(), st.text(max_size=30), st.sampled_from([
        "1000000000d", "99999999999999s", "1" * 400 + "s", "0s", "-1m", "127.0.0.1:\u00b2",
        "nan", "\x00", "${NOT_SET}", "$$", "24:00-00:00", "2020-02-30", ">= 1e400",
        "9" * 40, "rise from " + "9" * 400, "\ud800"]),
    st.datetimes(), st.dates())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8)


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> None:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    creds = tmp_path_factory.mktemp("credentials")
    for name in ("efecte", "cmdb", "sccm", "smtp"):
        (creds / name).write_text(f"secret-{name}\n")
    return {"CREDENTIALS_DIRECTORY": str(creds)}


def _load_and_build(load: Callable[..., Config], *args: Any) -> None:
    """`load(*args)` gives a Config that builds (with or without listed errors) or raises
    ConfigError with a non-empty list of messages; anything else fails the test."""
    try:
        config = load(*args)
    except ConfigError as e:
        assert e.errors and all(isinstance(x, str) and x for x in e.errors)
        return
    assert isinstance(check_build(config), list)


@pytest.mark.timeout(120)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow], deadline=None)
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=4))
@example(changes=[(("sources", 0, "every"), "1000000000d")])
@example(changes=[(("compute_every",), "99999999999999s")])
@example(changes=[(("sources", 0, "timeout"), float("nan"))])
@example(changes=[(("sources", 0, "timeout"), -1)])
@example(changes=[(("http", "listen"), "127.0.0.1:\u00b2")])
@example(changes=[(("sources", 0, "every"), "1" * 400 + "s")])
@example(changes=[(("retention_years",), 10**4000)])
def test_values_swapped_into_the_example(changes: list[tuple[tuple[Any, ...], Any]],
                                         env: dict[str, str]) -> None:
    data = _copy(BASE)
    for path, value in changes:
        try:
            _replace(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced the table this path goes through
    _load_and_build(parse_config, data, env)


@pytest.mark.timeout(120)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow], deadline=None)
@given(at=st.integers(min_value=0, max_value=len(BASE_TEXT)), cut=st.integers(0, 40),
       insert=st.binary(max_size=40))
@example(at=0, cut=len(BASE_TEXT), insert=b"\x89")
@example(at=0, cut=0, insert="x = 'Lax\xe5'\n".encode("latin-1"))
@example(at=0, cut=0, insert=b"x = " + b"[" * 1200 + b"]" * 1200 + b"\n")
@example(at=0, cut=0, insert=b"x = " + b"5" * 5000 + b"\n")
def test_bytes_spliced_into_the_file(tmp_path_factory: pytest.TempPathFactory, at: int,
                                     cut: int, insert: bytes, env: dict[str, str]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "kpimon.toml"
    path.write_bytes(BASE_TEXT[:at] + insert + BASE_TEXT[at + cut:])
    _load_and_build(load_config, path, env)

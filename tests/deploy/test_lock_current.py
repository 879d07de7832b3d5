"""constraints.txt is current: every distribution kpimon needs — its requirements in
pyproject.toml with the `ntlm` and `test` extras, followed transitively through the installed
metadata — is pinned with `==`, at the version installed here (the venv is built with
`pip install -c constraints.txt`), and that version satisfies pyproject's specifier.

When this fails after a dependency change: upgrade the venv, then `make lock`.
"""

from __future__ import annotations

import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.harness import REPO

EXTRAS = ("ntlm", "test")


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"constraints.txt: {raw!r} is not pinned with =="
        pins[canonicalize_name(name)] = version.strip()
    return pins


def _top_level() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in EXTRAS:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


def _closure(top: list[Requirement]) -> dict[str, list[Requirement]]:
    """Every distribution reached from `top` → the requirements that asked for it."""
    seen: dict[str, list[Requirement]] = {}
    todo = [(r, "") for r in top]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        first = name not in seen
        seen.setdefault(name, []).append(req)
        if not first and not req.extras:
            continue
        for sub in metadata.requires(req.name) or []:
            sub_req = Requirement(sub)
            for want in (req.extras or {""}):
                todo.append((sub_req, want))
    return seen


def test_every_needed_distribution_is_pinned_at_the_installed_version() -> None:
    pins = _pins()
    problems = []
    for name, reqs in sorted(_closure(_top_level()).items()):
        installed = metadata.version(name)
        if name not in pins:
            problems.append(f"{name} is not in constraints.txt (installed {installed})")
            continue
        if pins[name] != installed:
            problems.append(f"{name}: constraints.txt has {pins[name]}, installed {installed}")
        for req in reqs:
            if not req.specifier.contains(pins[name], prereleases=True):
                problems.append(f"{name}=={pins[name]} does not satisfy {req}")
    assert not problems, "run `make lock`:\n" + "\n".join(problems)


def test_kpimon_itself_is_not_locked() -> None:
    assert "kpimon" not in _pins()

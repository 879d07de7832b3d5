"""`make audit` (.ci/audit.py): pip-audit's report over constraints.txt decides the CI gate —
a locked version with a fixable vulnerability fails; an unfixed one is listed; no answer from
the vulnerability service says NOT AUDITED and passes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest

from tests.deploy.harness import REPO


def _audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_audit", REPO / ".ci" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ci_audit"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


AUDIT = _audit()


def test_a_fixable_vulnerability_fails() -> None:
    v = AUDIT.judge({"dependencies": [
        {"name": "requests", "version": "2.0.0", "vulns": [
            {"id": "PYSEC-2023-74", "fix_versions": ["2.31.0"]}]},
        {"name": "idna", "version": "3.7", "vulns": []}]})
    assert v.failed
    assert v.not_audited is None
    assert any("VULNERABLE (fix available): requests==2.0.0 PYSEC-2023-74 → 2.31.0" in line
               for line in v.lines())


def test_an_unfixed_vulnerability_is_listed_but_passes() -> None:
    v = AUDIT.judge({"dependencies": [
        {"name": "ecdsa", "version": "0.19.0", "vulns": [{"id": "GHSA-x", "fix_versions": []}]},
        {"name": "lost", "skip_reason": "Dependency not found on PyPI"}]})
    assert not v.failed
    lines = v.lines()
    assert "vulnerable, no fix yet: ecdsa==0.19.0 GHSA-x" in lines
    assert "not audited (1): lost" in lines


def test_no_answer_for_any_package_is_not_audited() -> None:
    v = AUDIT.judge({"dependencies": [
        {"name": "a", "skip_reason": "Dependency not found on PyPI and could not be audited"},
        {"name": "b", "skip_reason": "Dependency not found on PyPI and could not be audited"}],
        "fixes": []})
    assert not v.failed
    assert v.lines()[0].startswith("NOT AUDITED: the vulnerability service answered for none "
                                   "of 2 packages")


def test_no_report_is_not_audited() -> None:
    v = AUDIT.judge(None, "pip-audit could not reach 'osv' or failed: Name or service not known")
    assert not v.failed
    assert v.lines() == ["NOT AUDITED: pip-audit could not reach 'osv' or failed: "
                         "Name or service not known"]


@pytest.mark.timeout(300)
def test_make_audit_runs_pip_audit_over_the_lock() -> None:
    """The real run: pip-audit is installed from the lock and reads every pinned line; here,
    without the service, it must say NOT AUDITED rather than pass silently."""
    run = subprocess.run([sys.executable, str(REPO / ".ci" / "audit.py"), "--requirements",
                          str(REPO / "constraints.txt"), "--timeout", "240"],
                         capture_output=True, text=True, timeout=280, cwd=REPO)
    first = run.stdout.splitlines()[0] if run.stdout else ""
    assert "not installed" not in run.stdout, run.stdout
    if first.startswith("NOT AUDITED: "):
        assert run.returncode == 0, run.stdout + run.stderr
    else:  # the service answered: the verdict is the lock's
        assert first.startswith(("audited ", "VULNERABLE", "vulnerable")), run.stdout
        assert run.returncode == (1 if "VULNERABLE (fix available)" in run.stdout else 0)

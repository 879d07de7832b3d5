"""`make audit`: pip-audit over the locked dependency set (constraints.txt), as a CI gate.

    python .ci/audit.py [--requirements constraints.txt] [--service pypi] [--json FILE]

Every line of the lock is pinned, so pip-audit reads it as it is (`--no-deps --disable-pip`:
nothing is resolved or installed) and asks the vulnerability service about each pinned version.

Exit 1 when a locked version has a known vulnerability with a fixed version (update the lock:
`.venv/bin/pip install -U 'NAME>=FIX' && make lock`); exit 0 when there is none, when the known
ones have no fix yet (they are listed), or when the audit could not be made at all — then the
first line says `NOT AUDITED: <reason>` (no network to the service, or the service answered for
none of the packages), so an offline CI run says what it could not check instead of failing or
passing silently. Packages the service did not know are listed as not audited.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Verdict:
    """What one pip-audit report means for the gate."""

    audited: list[str] = field(default_factory=list)  # "name==version"
    skipped: dict[str, str] = field(default_factory=dict)  # name → pip-audit's reason
    fixable: list[str] = field(default_factory=list)  # "name==version ID → fix versions"
    unfixed: list[str] = field(default_factory=list)  # "name==version ID (no fix yet)"
    not_audited: str | None = None  # why nothing could be audited

    @property
    def failed(self) -> bool:
        return bool(self.fixable)

    def lines(self) -> list[str]:
        out = []
        if self.not_audited:
            out.append(f"NOT AUDITED: {self.not_audited}")
        for line in self.fixable:
            out.append(f"VULNERABLE (fix available): {line}")
        for line in self.unfixed:
            out.append(f"vulnerable, no fix yet: {line}")
        if not self.not_audited:
            out.append(f"audited {len(self.audited)} locked packages: "
                       f"{len(self.fixable)} with a fixable vulnerability, "
                       f"{len(self.unfixed)} with an unfixed one")
            if self.skipped:
                out.append(f"not audited ({len(self.skipped)}): "
                           + ", ".join(sorted(self.skipped)))
        return out


def judge(report: dict[str, Any] | None, error: str | None = None) -> Verdict:
    """The gate's verdict on pip-audit's JSON report (None: pip-audit gave none, `error` why)."""
    v = Verdict()
    if report is None:
        v.not_audited = error or "pip-audit gave no report"
        return v
    for dep in report.get("dependencies", []):
        name = dep.get("name", "?")
        if "skip_reason" in dep:
            v.skipped[name] = dep["skip_reason"]
            continue
        pinned = f"{name}=={dep.get('version', '?')}"
        v.audited.append(pinned)
        for vuln in dep.get("vulns", []):
            ident = vuln.get("id", "?")
            fixes = vuln.get("fix_versions") or []
            if fixes:
                v.fixable.append(f"{pinned} {ident} → {', '.join(fixes)}")
            else:
                v.unfixed.append(f"{pinned} {ident}")
    if not v.audited:
        reasons = sorted(set(v.skipped.values()))
        v.not_audited = (
            f"the vulnerability service answered for none of {len(v.skipped)} packages"
            + (f" (e.g. {reasons[0]})" if reasons else ""))
    return v


def run_pip_audit(requirements: Path, service: str, out: Path, timeout: float
                  ) -> tuple[dict[str, Any] | None, str | None]:
    """pip-audit's JSON report, or None and the reason it gave none."""
    cmd = [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps",
           "--disable-pip", "--vulnerability-service", service, "--progress-spinner", "off",
           "--format", "json", "--output", str(out)]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except FileNotFoundError as e:
        return None, f"cannot run pip-audit: {e}"
    except subprocess.TimeoutExpired:
        return None, f"pip-audit did not finish within {timeout:.0f} s"
    # pip-audit exits 1 when it found something; any other failure leaves no usable report.
    if run.returncode in (0, 1) and out.is_file() and out.stat().st_size:
        try:
            return json.loads(out.read_text(encoding="utf-8")), None
        except ValueError as e:
            return None, f"pip-audit's report is not JSON: {e}"
    tail = [ln for ln in (run.stderr or run.stdout).strip().splitlines() if ln.strip()]
    why = tail[-1].strip() if tail else f"exit code {run.returncode}"
    if "No module named pip_audit" in (run.stderr or ""):
        why = "pip-audit is not installed (make venv installs it with the test extras)"
    return None, f"pip-audit could not reach {service!r} or failed: {why}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="audit", description=__doc__.splitlines()[0])
    p.add_argument("--requirements", type=Path, default=Path("constraints.txt"))
    p.add_argument("--service", default="pypi", choices=("pypi", "osv"),
                   help="pip-audit's vulnerability service (default pypi: PyPI's JSON API)")
    p.add_argument("--json", type=Path, help="keep pip-audit's JSON report here")
    p.add_argument("--timeout", type=float, default=600)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kpimon-audit") as tmp:
        out = args.json or Path(tmp) / "audit.json"
        report, error = run_pip_audit(args.requirements, args.service, out, args.timeout)
    verdict = judge(report, error)
    for line in verdict.lines():
        print(line)
    return 1 if verdict.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Known vulnerabilities in the locked dependencies (pip-audit), with an honest verdict.

    python scripts/audit_deps.py                      # requirements/lock.txt
    python scripts/audit_deps.py --environment        # the packages installed here instead
    YINGJI_REQUIRE_AUDIT=1 python scripts/audit_deps.py   # CI where the service must answer

Exit status:
  0  every package was checked and none has a known vulnerability, or the vulnerability
     service could not be reached (printed loudly as NOT AUDITED; never called clean);
  1  at least one known vulnerability (each is printed with its fixed versions);
  2  not audited while YINGJI_REQUIRE_AUDIT=1, or pip-audit itself failed for another reason.

pip-audit marks a package it could not look up with a ``skip_reason`` and still prints
"No known vulnerabilities found" and exits 0; where its service is unreachable (an offline
machine, a package mirror without PyPI's per-version JSON), that would be every package. This
script reads its JSON and says what was really checked.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
TIMEOUT = 900  # seconds for the whole pip-audit run
# pip-audit crashes instead of skipping when its service cannot be reached at all (e.g. OSV).
NETWORK_ERRORS = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "ConnectTimeout",
    "ReadTimeout",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


@dataclass
class Verdict:
    status: int
    lines: list[str] = field(default_factory=list)


def decide(report: dict[str, Any], *, require_audit: bool) -> Verdict:
    """The verdict on one pip-audit JSON report (``--format json``)."""
    deps = report.get("dependencies")
    if not isinstance(deps, list) or not deps:
        return Verdict(2, ["NOT AUDITED: pip-audit reported no packages at all"])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    checked = len(deps) - len(skipped)
    lines: list[str] = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            aliases = ", ".join(vuln.get("aliases") or [])
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(
                f"VULNERABLE {dep['name']} {dep.get('version', '?')}: {vuln.get('id', '?')}"
                + (f" ({aliases})" if aliases else "")
                + f"; fixed in: {fixes}"
            )
    if skipped:
        if checked == 0:
            lines.append(
                "NOT AUDITED: the vulnerability service is unreachable "
                f"({len(skipped)} of {len(deps)} packages skipped)"
            )
        else:
            lines.append(
                f"PARTLY AUDITED: {len(skipped)} of {len(deps)} packages could not be checked: "
                + ", ".join(sorted(d["name"] for d in skipped))
            )
        lines.append(f"  first reason: {skipped[0]['skip_reason']}")
    if vulnerable:
        count = sum(len(d["vulns"]) for d in vulnerable)
        lines.append(
            f"{count} known vulnerabilit{'y' if count == 1 else 'ies'} "
            f"in {len(vulnerable)} of {len(deps)} packages"
        )
        return Verdict(1, lines)
    if skipped:
        if checked:
            lines.append(f"no known vulnerability in the {checked} packages that were checked")
        if require_audit:
            lines.append("YINGJI_REQUIRE_AUDIT=1: a complete audit is required")
            return Verdict(2, lines)
        return Verdict(0, lines)
    return Verdict(0, [f"audited: no known vulnerability in {len(deps)} packages"])


def decide_failure(returncode: int, stderr: str, *, require_audit: bool) -> Verdict:
    """pip-audit ended without a JSON report."""
    tail = (stderr.strip().splitlines() or ["no output"])[-1].strip()
    if any(marker in stderr for marker in NETWORK_ERRORS):
        lines = [
            "NOT AUDITED: the vulnerability service is unreachable "
            f"(pip-audit exit {returncode}: {tail})"
        ]
        if require_audit:
            return Verdict(2, [*lines, "YINGJI_REQUIRE_AUDIT=1: a complete audit is required"])
        return Verdict(0, lines)
    return Verdict(2, [f"NOT AUDITED: pip-audit failed (exit {returncode}): {tail}"])


def pip_audit_command(args: argparse.Namespace) -> list[str]:
    exe = args.pip_audit or shutil.which("pip-audit", path=str(Path(sys.executable).parent))
    exe = exe or shutil.which("pip-audit")
    if exe is None:
        print("NOT AUDITED: pip-audit is not installed (pip install -e '.[dev]')")
        raise SystemExit(2)
    command = [exe, "--format", "json", "--progress-spinner", "off"]
    if args.service:
        command += ["--vulnerability-service", args.service]
    if args.environment:
        return [*command, "--skip-editable"]  # the project itself is not on PyPI
    # Every line of the lock is pinned and hashed: no resolution, no virtualenv to build.
    return [*command, "--requirement", str(args.requirement), "--require-hashes", "--disable-pip"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--requirement", "-r", type=Path, default=LOCK, help="a hashed lock file")
    target.add_argument("--environment", action="store_true", help="audit installed packages")
    parser.add_argument("--service", choices=["pypi", "osv"], help="pip-audit's default: pypi")
    parser.add_argument("--pip-audit", help="the pip-audit executable (default: beside python)")
    args = parser.parse_args(argv)
    require_audit = os.environ.get("YINGJI_REQUIRE_AUDIT", "").strip() == "1"
    if not args.environment and not args.requirement.is_file():
        print(f"NOT AUDITED: {args.requirement} does not exist", file=sys.stderr)
        return 2
    command = pip_audit_command(args)
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        stderr = f"ReadTimeout: pip-audit did not finish in {TIMEOUT} s"
        verdict = decide_failure(-1, stderr, require_audit=require_audit)
    else:
        try:
            report = json.loads(done.stdout)
        except ValueError:
            verdict = decide_failure(done.returncode, done.stderr, require_audit=require_audit)
        else:
            verdict = decide(report, require_audit=require_audit)
    print("\n".join(verdict.lines))
    return verdict.status


if __name__ == "__main__":
    sys.exit(main())

"""scripts/audit_deps.py: the verdict on pip-audit's JSON, from canned outputs of pip-audit 2.x.

The decisive case is the one this machine produces: every package skipped because the
vulnerability service cannot be reached. pip-audit itself then says "No known vulnerabilities
found" and exits 0; the script must say NOT AUDITED instead, and fail when an audit is required.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_deps.py"
_spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
assert _spec and _spec.loader
audit = importlib.util.module_from_spec(_spec)
sys.modules["audit_deps"] = audit  # dataclasses look their module up there
_spec.loader.exec_module(audit)


def skipped(name: str, version: str) -> dict[str, str]:
    # verbatim shape of pip-audit 2.10's entry when PyPI's per-version JSON answers 404
    reason = f"Dependency not found on PyPI and could not be audited: {name} ({version})"
    return {"name": name, "skip_reason": reason}


def clean(name: str, version: str) -> dict[str, object]:
    return {"name": name, "version": version, "vulns": []}


VULN = {
    "name": "django",
    "version": "5.2.1",
    "vulns": [
        {
            "id": "PYSEC-2025-47",
            "fix_versions": ["4.2.22", "5.1.10", "5.2.2"],
            "aliases": ["CVE-2025-48432", "GHSA-7xr5-9hcq-chf9"],
            "description": "Log injection via request.path",
        }
    ],
}
ALL_SKIPPED = {
    "dependencies": [skipped("django", "5.2.19"), skipped("redis", "8.1.0"), skipped("rq", "3.0")],
    "fixes": [],
}


def test_nothing_checked_is_never_reported_clean():
    verdict = audit.decide(ALL_SKIPPED, require_audit=False)
    assert verdict.status == 0
    assert verdict.lines[0] == (
        "NOT AUDITED: the vulnerability service is unreachable (3 of 3 packages skipped)"
    )
    assert not any("no known vulnerability" in line for line in verdict.lines)


def test_nothing_checked_fails_when_an_audit_is_required():
    verdict = audit.decide(ALL_SKIPPED, require_audit=True)
    assert verdict.status == 2
    assert verdict.lines[0].startswith("NOT AUDITED")


def test_every_package_checked_and_clean():
    report = {"dependencies": [clean("django", "5.2.19"), clean("redis", "8.1.0")], "fixes": []}
    for required in (False, True):
        verdict = audit.decide(report, require_audit=required)
        assert (verdict.status, verdict.lines) == (
            0,
            ["audited: no known vulnerability in 2 packages"],
        )


def test_each_vulnerability_is_printed_and_fails_even_with_packages_skipped():
    report = {"dependencies": [VULN, clean("redis", "8.1.0"), skipped("rq", "3.0")]}
    verdict = audit.decide(report, require_audit=False)
    assert verdict.status == 1
    assert verdict.lines[0] == (
        "VULNERABLE django 5.2.1: PYSEC-2025-47 (CVE-2025-48432, GHSA-7xr5-9hcq-chf9); "
        "fixed in: 4.2.22, 5.1.10, 5.2.2"
    )
    assert "PARTLY AUDITED: 1 of 3 packages could not be checked: rq" in verdict.lines
    assert verdict.lines[-1] == "1 known vulnerability in 1 of 3 packages"


def test_a_vulnerability_without_a_fix_says_so():
    report = {"dependencies": [{**VULN, "vulns": [{"id": "GHSA-x", "fix_versions": []}]}]}
    verdict = audit.decide(report, require_audit=False)
    assert verdict.lines[0] == "VULNERABLE django 5.2.1: GHSA-x; fixed in: no fixed version yet"


def test_partly_audited_is_loud_and_fails_when_required():
    report = {"dependencies": [clean("django", "5.2.19"), skipped("rq", "3.0")]}
    verdict = audit.decide(report, require_audit=False)
    assert verdict.status == 0
    assert verdict.lines[0] == "PARTLY AUDITED: 1 of 2 packages could not be checked: rq"
    assert "no known vulnerability in the 1 packages that were checked" in verdict.lines
    assert audit.decide(report, require_audit=True).status == 2


def test_an_empty_report_is_not_a_clean_one():
    assert audit.decide({"dependencies": []}, require_audit=False).status == 2
    assert audit.decide({}, require_audit=False).status == 2


def test_pip_audit_crashing_on_an_unreachable_service():
    # pip-audit -s osv with no network: a traceback and exit 1, no JSON
    stderr = (
        "Traceback (most recent call last):\n  ...\nrequests.exceptions.ConnectionError: "
        "HTTPSConnectionPool(host='vulns.example', port=443): Max retries exceeded"
    )
    verdict = audit.decide_failure(1, stderr, require_audit=False)
    assert verdict.status == 0 and verdict.lines[0].startswith(
        "NOT AUDITED: the vulnerability service is unreachable (pip-audit exit 1: "
    )
    assert audit.decide_failure(1, stderr, require_audit=True).status == 2


def test_pip_audit_failing_for_another_reason_is_an_error():
    verdict = audit.decide_failure(
        2, "pip-audit: error: unrecognized arguments: --x", require_audit=False
    )
    assert verdict.status == 2
    assert verdict.lines == [
        "NOT AUDITED: pip-audit failed (exit 2): pip-audit: error: unrecognized arguments: --x"
    ]


def fake_pip_audit(tmp_path: Path, report: object, exit_code: int) -> Path:
    """An executable standing in for pip-audit: records its arguments, prints a report."""
    fake = tmp_path / "pip-audit"
    body = report if isinstance(report, str) else json.dumps(report)
    record = str(tmp_path / "argv.json")
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, pathlib, sys\n"
        f"pathlib.Path({record!r}).write_text(json.dumps(sys.argv[1:]))\n"
        f"sys.stdout.write({body!r})\n"
        f"sys.exit({exit_code})\n"
    )
    fake.chmod(0o755)
    return fake


@pytest.mark.parametrize(
    ("report", "exit_code", "required", "status", "first"),
    [
        (ALL_SKIPPED, 0, "", 0, "NOT AUDITED: the vulnerability service is unreachable"),
        (ALL_SKIPPED, 0, "1", 2, "NOT AUDITED: the vulnerability service is unreachable"),
        ({"dependencies": [VULN]}, 1, "", 1, "VULNERABLE django 5.2.1"),
        ({"dependencies": [clean("a", "1")]}, 0, "1", 0, "audited: no known vulnerability"),
        ("not json", 3, "", 2, "NOT AUDITED: pip-audit failed (exit 3)"),
    ],
)
def test_the_script_end_to_end(
    tmp_path, monkeypatch, capsys, report, exit_code, required, status, first
):
    monkeypatch.setenv("YINGJI_REQUIRE_AUDIT", required)
    lock = tmp_path / "lock.txt"
    lock.write_text("django==5.2.19 --hash=sha256:00\n")
    fake = fake_pip_audit(tmp_path, report, exit_code)
    assert audit.main(["--requirement", str(lock), "--pip-audit", str(fake)]) == status
    assert capsys.readouterr().out.startswith(first)
    argv = json.loads((tmp_path / "argv.json").read_text())
    assert argv[-4:] == ["--requirement", str(lock), "--require-hashes", "--disable-pip"]
    assert argv[:2] == ["--format", "json"]


def test_a_missing_lock_file_is_not_audited(tmp_path, capsys):
    assert audit.main(["--requirement", str(tmp_path / "missing.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err

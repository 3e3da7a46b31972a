"""Investigation report files without a row (the service's transaction, or its caller's, rolled
back after the file was written) are removed by the periodic sweep once older than the grace
period; a report a row names, or that the audit trail names as once filed (a replaced report),
is kept, and so are young files, links, and a file an upload of the same bytes is sharing."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accidents.conftest import pdf, record
from yingji.accidents import documents
from yingji.accidents.models import Investigation
from yingji.accidents.services import investigation as inv_service
from yingji.core import audit, jobs, orphans, schedule
from yingji.core.backup import _collect
from yingji.core.models import AuditEntry, JobStatus

pytestmark = pytest.mark.django_db

OLD = 7 * 3600  # seconds: past the 6-hour grace period
TEAM = "王强，西湖区应急管理局，组长"


class Refused(Exception):
    """The caller's own block failing after the report was stored (a later step, say)."""


def _opened(people) -> int:
    occurred = (timezone.now() - dt.timedelta(days=20)).isoformat()
    accident = record(people.county, occurred_at=occurred)
    started = timezone.localdate() - dt.timedelta(days=10)
    inv_service.open_investigation(
        actor=people.county, pk=accident.pk, data={"team": TEAM, "started_on": started}
    )
    return accident.pk


def _submit(people, pk: int, size: int) -> Investigation:
    return inv_service.transition(
        actor=people.county,
        pk=pk,
        action="submit",
        data={"cause": "设备缺陷"},
        upload=pdf(size=size),
    )


def _rolled_back(people, pk: int, size: int) -> Path:
    """The file a report submitted inside a caller's transaction that rolled back left behind."""
    submitted: list[Investigation] = []

    def callers_block() -> None:
        with transaction.atomic():
            submitted.append(_submit(people, pk, size))
            raise Refused

    with pytest.raises(Refused):
        callers_block()
    assert Investigation.objects.get(accident_id=pk).report_file == ""
    return documents.documents_root() / submitted[0].report_file


def _age(*paths: Path, seconds: int = OLD) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then), follow_symlinks=False)


def _files() -> set[str]:
    root = documents.documents_root()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _sweep() -> orphans.SweepResult:
    return orphans.sweep(documents.REPORTS)


def test_a_report_rolled_back_with_its_callers_transaction_is_removed_after_the_grace(people):
    path = _rolled_back(people, _opened(people), size=10)
    assert path.is_file()  # the leak: a report file no row names

    young = _sweep()
    assert path.is_file(), "a transaction may still be committing its row"
    assert (young.recent, young.orphans) == (1, 0)

    _age(path)
    size = path.stat().st_size
    swept = _sweep()
    relative = path.relative_to(documents.documents_root()).as_posix()
    assert not path.exists() and _files() == set()
    assert (swept.orphans, swept.orphan_bytes, swept.removed) == (1, size, [relative])
    entry = AuditEntry.objects.get(action="report_sweep")
    assert entry.object_type == "accidents.investigation"
    assert entry.after["removed"] == [relative]
    assert "removed 1 orphan report file(s)" in entry.message


def test_named_and_once_filed_reports_are_kept_and_only_the_orphan_goes(people):
    """A report replaced after its return stays (the audit trail names it); a copy of the
    current report's bytes under another month is another file, and no row names it."""
    pk = _opened(people)
    first = _submit(people, pk, size=20).report_file
    inv_service.transition(actor=people.county, pk=pk, action="return", data={"note": "补充"})
    current = _submit(people, pk, size=30).report_file
    assert first != current
    changes = AuditEntry.objects.filter(action="investigation_submit").order_by("id").last()
    assert changes is not None and changes.changes["report_file"] == [first, current]
    orphan = _rolled_back(people, _opened(people), size=40)
    root = documents.documents_root()
    elsewhere = root / "2020" / "01" / Path(current).name
    elsewhere.parent.mkdir(parents=True)
    shutil.copyfile(root / current, elsewhere)
    _age(root / first, root / current, orphan, elsewhere)

    result = _sweep()

    assert (root / first).is_file() and (root / current).is_file()
    assert not orphan.exists() and not elsewhere.exists()
    assert (result.referenced, result.orphans) == (2, 2)
    assert documents.open_document(first).read_bytes().startswith(b"%PDF-")


def test_the_lookup_costs_the_same_for_one_report_or_many(people):
    """Two queries per batch (rows, then the investigations' audit entries), not per file."""

    def queries_for(count: int, sizes: int) -> list[str]:
        for size in range(sizes, sizes + count):
            pk = _opened(people)
            _submit(people, pk, size=size)
            inv_service.transition(actor=people.county, pk=pk, action="return", data={"note": "x"})
            _submit(people, pk, size=size + 1000)
        files = [p for p in documents.documents_root().rglob("*") if p.is_file()]
        _age(*files)
        with CaptureQueriesContext(connection) as seen:
            result = _sweep()
        assert result.referenced == len(files) == 2 * Investigation.objects.count()
        return [q["sql"] for q in seen.captured_queries]

    one = queries_for(1, sizes=100)
    many = queries_for(6, sizes=200)
    assert len(many) == len(one) == 2
    trail = [sql for sql in many if "core_auditentry" in sql]
    assert len(trail) == 1 and "object_type" in trail[0]


def test_a_young_orphan_and_stale_temporary_files(people):
    path = _rolled_back(people, _opened(people), size=50)
    folder = path.parent
    stale, fresh = folder / ".upload-k3j9x2ab.part", folder / ".upload-q8w7e6rt.part"
    foreign = folder / "notes.txt"
    for extra in (stale, fresh, foreign):
        extra.write_bytes(b"half a report")
    _age(stale, foreign)
    result = _sweep()
    assert path.is_file() and fresh.is_file() and foreign.is_file() and not stale.exists()
    assert (result.recent, result.orphans, result.temp_files, result.skipped) == (2, 0, 1, 1)


def test_links_are_never_followed_nor_anything_outside_removed(people, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / f"{'a' * 64}.pdf"  # named like a report, old, no row
    target.write_bytes(b"%PDF-1.4\n%%EOF\n")
    _age(target)
    folder = documents.documents_root() / "2024" / "07"
    folder.mkdir(parents=True)
    (folder / f"{'c' * 64}.pdf").symlink_to(target)
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    _age(folder / f"{'c' * 64}.pdf", folder / "linked")

    result = _sweep()
    assert target.is_file() and (folder / f"{'c' * 64}.pdf").is_symlink()
    assert (folder / "linked").is_symlink()
    assert (result.orphans, result.skipped) == (0, 1)

    shutil.rmtree(documents.documents_root())  # the store itself a link: nothing swept
    documents.documents_root().symlink_to(outside, target_is_directory=True)
    assert _sweep().orphans == 0 and target.is_file()


def test_an_upload_sharing_an_old_orphan_while_it_is_judged_keeps_it(people, monkeypatch):
    """The sweep found no row; before it removes the file, a submission of the same bytes
    (its row not committed yet) reuses it: the store's touch makes the sweep keep the file."""
    path = _rolled_back(people, _opened(people), size=60)
    _age(path)
    real = orphans.discard_in

    def upload_first(folder, name, mtime, referenced):
        assert (
            documents.store(pdf(size=60)).file
            == path.relative_to(documents.documents_root()).as_posix()
        )
        return real(folder, name, mtime, referenced)

    monkeypatch.setattr(orphans, "discard_in", upload_first)
    result = _sweep()
    assert path.is_file() and (result.orphans, result.referenced) == (0, 1)
    assert not list(path.parent.glob(".upload-*"))


def test_an_upload_after_the_file_was_taken_aside_writes_it_again(people, monkeypatch):
    path = _rolled_back(people, _opened(people), size=70)
    content = path.read_bytes()
    _age(path)
    real = orphans.discard_in

    def upload_meanwhile(folder, name, mtime, referenced):
        def check_then_upload():
            assert not path.exists()  # renamed aside: the store's touch finds nothing
            documents.store(pdf(size=70))  # so it writes the file anew
            return referenced()

        return real(folder, name, mtime, check_then_upload)

    monkeypatch.setattr(orphans, "discard_in", upload_meanwhile)
    _sweep()
    assert path.read_bytes() == content
    assert not list(path.parent.glob(".upload-*"))


def test_a_failed_submission_leaves_no_file_but_spares_a_shared_one(people, monkeypatch):
    """The service's own failure after the file: the file it wrote goes at once; a file it
    only reused (another investigation's report, the same bytes) stays."""
    shared = _submit(people, _opened(people), size=80)
    pk = _opened(people)
    before = _files()

    def broken(**_kwargs):
        raise Refused

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(Refused):
        _submit(people, pk, size=90)  # new bytes: written, then removed
    with pytest.raises(Refused):
        _submit(people, pk, size=80)  # the other report's bytes: touched, kept
    assert _files() == before == {shared.report_file}
    assert documents.open_document(shared.report_file).is_file()
    assert Investigation.objects.get(accident_id=pk).report_file == ""


def test_the_sweep_is_a_periodic_job(people):
    assert schedule.periods()[documents.SWEEP_KIND] == orphans.PERIOD
    path = _rolled_back(people, _opened(people), size=110)
    _age(path)
    job = jobs.execute(str(jobs.start(actor=None, kind=documents.SWEEP_KIND).pk))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["orphans"] == 1 and not path.exists()
    assert "removed 1 orphan report file(s)" in job.log[-1]


def test_the_backup_skips_report_files_being_removed(people):
    """A report renamed aside for removal (and a temporary upload) never goes in a backup; a
    file left aside by an interrupted removal is put back by the next sweep."""
    inv = _submit(people, _opened(people), size=120)
    path = documents.open_document(inv.report_file)
    aside = path.with_name(orphans.TOMBSTONE + path.name)
    path.rename(aside)  # a removal killed after its rename
    (path.parent / ".upload-zz9plural.part").write_bytes(b"partial")
    files, _sources, _skipped = _collect(lambda *_args: None)
    names = {member.path for member in files}
    assert not [n for n in names if "accident-reports" in n]

    result = _sweep()
    assert path.is_file() and not aside.exists() and result.recent == 2
    files, _sources, _skipped = _collect(lambda *_args: None)
    names = {member.path for member in files}
    assert names == {f"files/accident-reports/{inv.report_file}"}

"""Photo files without a row (a caller's transaction rolled back after the photo, a process
killed before its commit) are removed by the periodic sweep once older than the grace period;
files with a row, young files, links and whatever lies outside the photo directory are not."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from yingji.core import audit, jobs, orphans, photo_sweep, photos, schedule
from yingji.core.backup import _collect
from yingji.core.errors import InvalidInput
from yingji.core.models import AuditEntry, JobStatus, Photo

pytestmark = pytest.mark.django_db

OLD = 7 * 3600  # seconds: past the 6-hour grace period


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


class Refused(Exception):
    """A caller's own check failing after the photo was stored (a later field, say)."""


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def _upload(colour: tuple[int, int, int]) -> SimpleUploadedFile:
    return SimpleUploadedFile("evidence.jpg", _jpeg(colour), content_type="image/jpeg")


def _report(colour: tuple[int, int, int], purpose: str, stored: list[Photo]) -> None:
    """A caller's service: its transaction stores the photo, then refuses another field."""
    with transaction.atomic():
        stored.append(photos.store_photo(_upload(colour), purpose=purpose))
        raise Refused


def _rolled_back(colour: tuple[int, int, int], purpose: str = "hazard") -> Path:
    """The file a photo stored in a caller's transaction that rolled back left behind."""
    stored: list[Photo] = []
    with pytest.raises(Refused):
        _report(colour, purpose, stored)
    assert not Photo.objects.filter(pk=stored[0].pk).exists()
    return photos.photos_root() / stored[0].file


def _age(*paths: Path, seconds: int = OLD) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then), follow_symlinks=False)


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_a_photo_rolled_back_with_its_callers_transaction_is_removed_after_the_grace(data_dir):
    path = _rolled_back((200, 40, 40))
    assert path.is_file()  # the leak: a file without a row

    young = photo_sweep.sweep()
    assert path.is_file(), "a transaction may still be committing its row"
    assert (young.recent, young.orphans) == (1, 0)
    assert not AuditEntry.objects.filter(action="photo_sweep").exists()

    _age(path)
    size = path.stat().st_size
    swept = photo_sweep.sweep()
    relative = path.relative_to(photos.photos_root()).as_posix()
    assert not path.exists()
    assert (swept.orphans, swept.orphan_bytes, swept.removed) == (1, size, [relative])
    assert _files(data_dir / "photos") == set()
    entry = AuditEntry.objects.get(action="photo_sweep")
    assert entry.after["orphans"] == 1 and entry.after["removed"] == [relative]
    assert "removed 1 orphan photo file(s)" in entry.message


def test_an_old_file_with_its_row_is_kept(data_dir):
    photo = photos.store_photo(_upload((40, 200, 40)), purpose="hazard")
    path = photos.open_photo(photo)
    _age(path)
    result = photo_sweep.sweep()
    assert (result.referenced, result.orphans) == (1, 0)
    assert photos.open_photo(photo) == path and path.read_bytes()[:3] == b"\xff\xd8\xff"


def test_the_same_bytes_elsewhere_are_judged_by_their_own_path(data_dir):
    """A row for these bytes under another purpose or month does not keep this file."""
    colour = (40, 40, 200)
    kept = photos.store_photo(_upload(colour), purpose="hazard")
    kept_path = photos.open_photo(kept)
    orphan = _rolled_back(colour, purpose="inspection")  # same sha256, another purpose
    other_month = photos.photos_root() / "hazard" / "2020" / "01" / kept_path.name
    other_month.parent.mkdir(parents=True)
    shutil.copyfile(kept_path, other_month)  # same purpose and name, another month
    assert orphan.name == kept_path.name == other_month.name
    _age(kept_path, orphan, other_month)

    result = photo_sweep.sweep()

    assert kept_path.is_file() and photos.open_photo(kept) == kept_path
    assert not orphan.exists() and not other_month.exists()
    assert (result.orphans, result.referenced) == (2, 1)


def test_links_are_never_followed_nor_anything_outside_removed(data_dir, tmp_path):
    outside = tmp_path / "outside"
    (outside / "2020" / "01").mkdir(parents=True)
    stray = _jpeg((9, 9, 9))
    name = f"{'a' * 64}.jpg"
    target = outside / name  # named like a photo, old, no row: it would be swept if reached
    target.write_bytes(stray)
    deep = outside / "2020" / "01" / f"{'b' * 64}.jpg"
    deep.write_bytes(stray)
    _age(target, deep)
    folder = photos.photos_root() / "hazard"
    folder.mkdir(parents=True)
    (folder / f"{'c' * 64}.jpg").symlink_to(target)  # a file link
    (folder / "linked").symlink_to(outside, target_is_directory=True)  # a directory link
    _age(folder / f"{'c' * 64}.jpg", folder / "linked")

    result = photo_sweep.sweep()

    assert target.read_bytes() == stray and deep.read_bytes() == stray
    assert (folder / f"{'c' * 64}.jpg").is_symlink() and (folder / "linked").is_symlink()
    assert result.orphans == 0 and result.skipped == 1

    # The photo directory itself a link: nothing is swept at all.
    shutil.rmtree(photos.photos_root())
    photos.photos_root().symlink_to(outside, target_is_directory=True)
    assert photo_sweep.sweep().orphans == 0
    assert target.is_file() and deep.is_file()


def test_stale_temporary_files_go_and_foreign_names_stay(data_dir):
    folder = photos.photos_root() / "hazard" / "2024" / "07"
    folder.mkdir(parents=True)
    stale, fresh = folder / ".upload-k3j9x2ab.part", folder / ".upload-q8w7e6rt.part"
    foreign = folder / "notes.txt"
    for path in (stale, fresh, foreign):
        path.write_bytes(b"half a photo")
    _age(stale, foreign)

    result = photo_sweep.sweep()

    assert not stale.exists() and fresh.is_file() and foreign.is_file()
    assert (result.temp_files, result.temp_bytes, result.skipped) == (1, 12, 1)
    assert result.removed == ["hazard/2024/07/.upload-k3j9x2ab.part"]


def test_an_upload_sharing_an_old_orphan_while_it_is_judged_keeps_it(data_dir, monkeypatch):
    """The sweep found no row; before it removes the file, an upload of the same bytes (its
    row not committed yet) reuses it. The upload's touch makes the sweep keep the file."""
    colour = (120, 60, 30)
    path = _rolled_back(colour)
    _age(path)
    real = orphans.discard_in

    def upload_first(folder, name, mtime, referenced):
        orphans.place(path, path.read_bytes())  # the upload's file step; its row comes later
        return real(folder, name, mtime, referenced)

    monkeypatch.setattr(orphans, "discard_in", upload_first)
    result = photo_sweep.sweep()
    assert path.is_file() and (result.orphans, result.referenced) == (0, 1)
    assert not list(path.parent.glob(".upload-*"))


def test_an_upload_after_the_file_was_taken_aside_writes_it_again(data_dir, monkeypatch):
    colour = (30, 60, 120)
    path = _rolled_back(colour)
    content = path.read_bytes()
    _age(path)
    real = orphans.discard_in

    def upload_meanwhile(folder, name, mtime, referenced):
        def check_then_upload():
            assert not path.exists()  # renamed aside: the upload's touch finds nothing
            assert orphans.place(path, content) is not None  # so it writes the file anew
            return referenced()

        return real(folder, name, mtime, check_then_upload)

    monkeypatch.setattr(orphans, "discard_in", upload_meanwhile)
    photo_sweep.sweep()
    assert path.read_bytes() == content
    assert not list(path.parent.glob(".upload-*"))


def test_a_file_left_aside_by_an_interrupted_removal_is_put_back(data_dir):
    photo = photos.store_photo(_upload((10, 200, 200)), purpose="incident")
    path = photos.open_photo(photo)
    path.rename(path.with_name(orphans.TOMBSTONE + path.name))  # killed after the rename
    result = photo_sweep.sweep()
    assert photos.open_photo(photo) == path and result.recent == 1
    assert not list(path.parent.glob(".upload-*"))


def test_a_failed_row_leaves_no_file_and_nothing_aside(data_dir, monkeypatch):
    def broken(**_kwargs):
        raise Refused

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(Refused):
        photos.store_photo(_upload((1, 2, 3)), purpose="hazard")
    assert _files(data_dir / "photos") == set()


def test_the_sweep_is_a_periodic_job_and_refuses_a_short_grace(data_dir):
    assert schedule.periods()[photo_sweep.SWEEP_KIND] == orphans.PERIOD
    path = _rolled_back((99, 99, 0))
    _age(path)
    job = jobs.start(actor=None, kind=photo_sweep.SWEEP_KIND)
    job = jobs.execute(str(job.pk))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["orphans"] == 1 and not path.exists()
    assert "removed 1 orphan photo file(s)" in job.log[-1]
    with pytest.raises(InvalidInput):
        photo_sweep.sweep(grace=orphans.MIN_GRACE / 2)


def test_the_backup_skips_files_being_removed(data_dir):
    """A file renamed aside for removal (and a temporary upload) is never put in a backup:
    it may be gone by the time the archive is written."""
    photo = photos.store_photo(_upload((5, 5, 250)), purpose="hazard")
    path = photos.open_photo(photo)
    aside = path.with_name(orphans.TOMBSTONE + "f" * 64 + ".jpg")
    shutil.copyfile(path, aside)
    (path.parent / ".upload-zz9plural.part").write_bytes(b"partial")
    files, _sources, _skipped = _collect(lambda *_args: None)
    names = {member.path for member in files}
    assert f"files/photos/{photo.file}" in names
    assert not [n for n in names if "/.upload-" in n]

"""Excel exports: asynchronous jobs, chunked, scoped, downloadable only by who may see them;
written whole or not at all (a full disk mid-save leaves no partial file and fails the job)."""

from __future__ import annotations

import errno
import io
import os
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from yingji.core import exports
from yingji.core.errors import Forbidden, InvalidInput, NotFound
from yingji.core.models import Job, JobStatus
from yingji.core.worker import run as run_worker


@pytest.fixture
def worker(on_commit):
    def start_and_run(**kwargs):
        with on_commit(execute=True):
            job = exports.start(**kwargs)
        run_worker(batch=True, interval=0)
        job.refresh_from_db()
        return job

    return start_and_run


def _sheet(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).active.values)


def test_village_export_of_a_county(client, xihu_staff, worker, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 50)  # several chunks, several progress steps
    job = worker(actor=xihu_staff, name="regions", filters={"region": "330106", "level": "village"})
    assert job.status == "succeeded", job.error
    assert job.result["rows"] == 222
    assert len(job.log) >= 5
    client.force_login(xihu_staff)
    response = client.get(f"/jobs/{job.pk}/download")
    assert response.status_code == 200
    rows = _sheet(b"".join(response.streaming_content))
    assert rows[0][0] == "代码 code"
    assert len(rows) == 223
    assert all(str(r[0]).startswith("330106") for r in rows[1:])


def test_users_export_is_scoped_to_the_jurisdiction(
    client, xihu_staff, binjiang_staff, make_user, worker
):
    make_user("xihu_grid", "330106002", "grid_worker")
    job = worker(actor=xihu_staff, name="users", filters={})
    client.force_login(xihu_staff)
    rows = _sheet(b"".join(client.get(f"/api/jobs/{job.pk}/download").streaming_content))
    assert {r[0] for r in rows[1:]} == {"xihu_staff", "xihu_grid"}


def test_another_county_cannot_download_the_file(client, xihu_staff, binjiang_staff, worker):
    job = worker(actor=xihu_staff, name="regions", filters={"region": "330106"})
    client.force_login(binjiang_staff)
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
    assert client.get(f"/api/jobs/{job.pk}/download").status_code == 404


def test_export_needs_the_capability_of_its_registry(make_user):
    viewer = make_user("viewer9", "330106", "viewer")
    with pytest.raises(Forbidden):
        exports.start(actor=viewer, name="users")


@pytest.mark.parametrize(
    ("name", "filters", "field"),
    [
        ("planets", {}, "name"),
        ("regions", {"region": "33x"}, "code"),
        ("regions", {"region": "330106", "level": "galaxy"}, "level"),
    ],
)
def test_bad_export_requests_fail_before_queuing(xihu_staff, name, filters, field):
    with pytest.raises(InvalidInput) as exc:
        exports.start(actor=xihu_staff, name=name, filters=filters)
    assert exc.value.field == field
    assert not Job.objects.exists()


def test_export_page_flow(client, xihu_staff, on_commit):
    client.force_login(xihu_staff)
    with on_commit(execute=True):
        response = client.post("/exports/", {"name": "regions", "region": "330106000000"})
    assert response.status_code == 302
    job_url = response["Location"]
    assert "准备" in client.get(job_url).content.decode()
    run_worker(batch=True, interval=0)
    page = client.get(job_url).content.decode()
    assert "下载" in page and "12" in page


def test_api_export(client, xihu_staff, django_capture_on_commit_callbacks):
    client.force_login(xihu_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/exports/",
            {"name": "users", "filters": {"q": "xihu"}},
            content_type="application/json",
        )
    assert response.status_code == 202
    assert response.json()["kind"] == "core.export"
    too_many = client.post(
        "/api/exports/",
        {"name": "users", "filters": {str(i): "x" for i in range(30)}},
        content_type="application/json",
    )
    assert too_many.status_code == 422


# --- a full disk mid-write, temporary files -----------------------------------------------------


def _no_space_after(monkeypatch, parts: int) -> list[int]:
    """The workbook's ZIP writer fails with ENOSPC once ``parts`` parts are written; the file
    offsets reached before that (so the test can see bytes were on disk when it failed)."""
    real = zipfile.ZipFile.writestr
    reached: list[int] = []

    def writestr(self, *args, **kwargs):
        if len(reached) == parts:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(self, *args, **kwargs)
        reached.append(self.fp.tell())

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    return reached


def _age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def system_temp(tmp_path, monkeypatch) -> Path:
    """The system's temporary directory, where openpyxl streams a write-only sheet's rows."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_full_disk_mid_save_fails_the_job_and_leaves_no_file(
    settings, tmp_path, client, xihu_staff, worker, monkeypatch, system_temp
):
    settings.DATA_DIR = tmp_path
    reached = _no_space_after(monkeypatch, 3)
    job = worker(actor=xihu_staff, name="regions", filters={"region": "330106"})
    assert len(reached) == 3 and reached[-1] > 0, "the save failed after writing some bytes"
    assert job.status == "failed"
    assert job.error.startswith("服务器数据磁盘已满，导出文件未写入")
    assert "The server's data disk is full; nothing was saved" in job.error
    assert "The export file was not written (OSError: [Errno 28] No space left" in job.error
    assert list((tmp_path / "exports").iterdir()) == []  # no partial .xlsx, no temporary file
    assert list(system_temp.iterdir()) == []  # nor the rows openpyxl had streamed aside
    client.force_login(xihu_staff)
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404


def test_a_failed_save_keeps_the_earlier_file(tmp_path, xihu_staff, monkeypatch, system_temp):
    spec, out = exports.get("regions"), tmp_path / "regions.xlsx"
    assert exports.write_workbook(spec, xihu_staff, {"region": "330106"}, out) == 12
    before = out.read_bytes()
    _no_space_after(monkeypatch, 2)
    with pytest.raises(OSError, match="No space left"):
        exports.write_workbook(spec, xihu_staff, {"region": "330105"}, out)
    assert out.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == sorted([out, system_temp])
    assert list(system_temp.iterdir()) == []


def test_a_finished_export_is_whole_and_alone(settings, tmp_path, xihu_staff, worker):
    settings.DATA_DIR = tmp_path
    folder = tmp_path / "exports"
    folder.mkdir()
    stale, fresh = folder / ".users-7.xlsx.k2j4h6g8.part", folder / ".users-8.xlsx.a1b2c3d4.part"
    stale.write_bytes(b"PK\x03\x04 half a workbook")  # a worker killed mid-save, long ago
    fresh.write_bytes(b"PK\x03\x04 being written")  # another worker saving right now
    _age(stale, 2 * 3600)
    job = worker(actor=xihu_staff, name="regions", filters={"region": "330106"})
    assert job.status == "succeeded", job.error
    final = folder / job.result["file"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([final.name, fresh.name])
    assert final.stat().st_mode & 0o777 == 0o640
    assert len(_sheet(final.read_bytes())) == 13


@pytest.mark.parametrize("name", [".regions-1.xlsx.k2j4h6g8.part", "../secret.xlsx", ""])
def test_the_download_never_serves_anything_but_a_finished_export(db, settings, tmp_path, name):
    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "data" / "exports").mkdir(parents=True)
    (tmp_path / "data" / "exports" / ".regions-1.xlsx.k2j4h6g8.part").write_bytes(b"PK")
    (tmp_path / "data" / "secret.xlsx").write_bytes(b"PK")
    job = Job.objects.create(
        kind=exports.EXPORT_KIND, title="t", status=JobStatus.SUCCEEDED, result={"file": name}
    )
    with pytest.raises(NotFound):
        exports.file_for(job)

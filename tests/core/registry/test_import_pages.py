"""Importing from the web page: small files inline, big ones as a job with progress."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.core.registry.conftest import shelter_row, workbook
from yingji.core.models import Job
from yingji.core.registry import views
from yingji.core.worker import run as run_worker
from yingji.registry.models.shelter import Shelter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("shelters.xlsx", content, content_type=XLSX)


def test_inline_import_with_errors_offers_the_marked_workbook(client, xihu_staff):
    client.force_login(xihu_staff)
    rows = [shelter_row(n) for n in range(1, 6)]
    rows[2]["capacity"] = "很多"
    response = client.post("/registry/shelters/import/", {"file": _upload(workbook(rows))})
    assert response.status_code == 422
    page = response.content.decode()
    assert "未导入任何数据" in page
    assert "很多" in page
    link = response.context["annotated"]
    download = client.get(f"/registry/shelters/errors/{link}")
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert client.get("/registry/shelters/errors/..%2Fsecret_key").status_code == 404
    assert not Shelter.objects.exists()


def test_dry_run_writes_nothing_then_real_import(client, xihu_staff):
    client.force_login(xihu_staff)
    content = workbook([shelter_row(n) for n in range(1, 8)])
    response = client.post("/registry/shelters/import/", {"file": _upload(content), "dry_run": "1"})
    assert "校验通过" in response.content.decode()
    assert not Shelter.objects.exists()
    client.post("/registry/shelters/import/", {"file": _upload(content)})
    assert Shelter.objects.count() == 7


def test_big_import_runs_as_a_job(client, xihu_staff, monkeypatch, on_commit):
    monkeypatch.setattr(views, "INLINE_IMPORT_ROWS", 10)
    client.force_login(xihu_staff)
    with on_commit(execute=True):
        response = client.post(
            "/registry/shelters/import/",
            {"file": _upload(workbook([shelter_row(n) for n in range(1, 31)]))},
        )
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    run_worker(batch=True, interval=0)
    job = Job.objects.get()
    assert job.status == "succeeded", job.error
    assert job.result["created"] == 30
    assert Shelter.objects.count() == 30


def test_big_import_with_bad_rows_fails_the_job_with_the_rows(
    client, xihu_staff, monkeypatch, on_commit
):
    monkeypatch.setattr(views, "INLINE_IMPORT_ROWS", 10)
    client.force_login(xihu_staff)
    rows = [shelter_row(n) for n in range(1, 31)]
    rows[20]["region"] = "330108"
    with on_commit(execute=True):
        client.post("/registry/shelters/import/", {"file": _upload(workbook(rows))})
    run_worker(batch=True, interval=0)
    job = Job.objects.get()
    assert job.status == "failed"
    assert job.result["errors"][0]["row"] == 23
    assert job.result["annotated"].startswith("shelters-errors-")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "标注问题的工作簿" in page and "330108" in page
    assert not Shelter.objects.exists()


def test_not_an_excel_file(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post(
        "/registry/shelters/import/", {"file": SimpleUploadedFile("x.xlsx", b"%PDF-1.4 nope")}
    )
    assert response.status_code == 422
    assert "not an Excel" in response.content.decode()

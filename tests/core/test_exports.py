"""Excel exports: asynchronous jobs, chunked, scoped, downloadable only by who may see them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from yingji.core import exports
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.models import Job
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

"""掌上执法 API (/api/enforcement/): the phone's whole inspection through JSON and multipart,
strict bodies, scoping (404), roles (403), states (409) and hostile input (422)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from tests.enforcement.conftest import jpeg
from tests.enforcement.test_inspection_services import make_task, signature_url
from yingji.enforcement.models import EnforcementDocument, Finding, InspectionTask, TaskState
from yingji.hazards.models import HiddenHazard, Source

API = "/api/enforcement"


def post_json(client, path, body):
    return client.post(API + path, json.dumps(body), content_type="application/json")


@pytest.fixture
def task(item, firms, crew):
    return make_task(item, firms.own, [crew.i1, crew.i2])


def test_an_inspection_through_the_api(client, crew, firms, task, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(crew.i1)
    mine = client.get(f"{API}/tasks").json()
    assert mine["total"] == 1 and mine["items"][0]["code"] == task.code
    detail = client.get(f"{API}/tasks/{task.pk}").json()
    assert detail["actions"] == ["start"] and detail["legal_basis"] == task.item.legal_basis
    assert [p["id"] for p in detail["checklist"]] == ["1", "2", "3"]
    started = post_json(client, f"/tasks/{task.pk}/start", {"lon": 120.13, "lat": 30.25})
    assert started.status_code == 200 and started.json()["state"] == "in_progress"
    for point in ("1", "2"):
        r = client.post(f"{API}/tasks/{task.pk}/findings", {"point_id": point, "compliant": "1"})
        assert r.status_code == 201
    recorded = client.post(
        f"{API}/tasks/{task.pk}/findings",
        {"point_id": "3", "compliant": "0", "description": "报警器断电", "photo": [jpeg()],
         "lon": "120.1301", "lat": "30.2502"},
    )  # fmt: skip
    assert recorded.status_code == 201
    finding = recorded.json()["finding"]
    point = recorded.json()["checklist"][2]["finding"]
    assert point["id"] == finding and len(point["photos"]) == 1
    assert client.get(point["photos"][0]).status_code == 200
    made = post_json(
        client, f"/tasks/{task.pk}/findings/{finding}/hazard",
        {"category": "hazchem", "grade": "general", "title": "报警器断电"},
    )  # fmt: skip
    assert made.status_code == 201
    hazard = HiddenHazard.objects.get(pk=made.json()["hazard"]["id"])
    assert hazard.source == Source.INSPECTION and hazard.evidence.count() == 1
    rectify_by = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    body = {
        "kind": "rectify_order", "rectify_by": rectify_by, "present_person": "王经理",
        "signatures": [
            {"role": "inspector", "name": "执法人员1", "image": signature_url(1)},
            {"role": "inspector", "name": "执法人员2", "image": signature_url(2)},
            {"role": "enterprise", "name": "王经理", "image": signature_url(3)},
        ],
    }  # fmt: skip
    preview = post_json(client, f"/tasks/{task.pk}/documents/preview", {**body, "signatures": []})
    assert preview.status_code == 200 and preview.json()["rectify_by"] == rectify_by
    issued = post_json(client, f"/tasks/{task.pk}/documents", body)
    assert issued.status_code == 201, issued.content
    document = issued.json()
    pdf = client.get(document["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in pdf["Content-Disposition"]
    text = "".join(
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "责令限期整改指令书" in text and firms.own.name in text and document["number"] in text
    assert client.get(document["docx_url"]).status_code == 200
    shown = client.get(f"{API}/documents/{document['id']}").json()
    assert shown["content"]["rectify_by"] == rectify_by and len(shown["signers"]) == 3
    done = post_json(
        client, f"/tasks/{task.pk}/complete", {"outcome": "rectify", "summary": "已下达整改指令书"}
    )
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert done.json()["documents"][0]["number"] == document["number"]


def test_scoping_of_the_api(client, crew, firms, task):
    for stranger in (crew.i3, crew.other_county, crew.other_inspector, firms.other_manager):
        client.force_login(stranger)
        assert client.get(f"{API}/tasks/{task.pk}").status_code == 404
        assert post_json(client, f"/tasks/{task.pk}/start", {}).status_code == 404
        assert task.pk not in [t["id"] for t in client.get(f"{API}/tasks").json()["items"]]
    client.force_login(firms.manager)
    assert client.get(f"{API}/tasks/{task.pk}").json()["can_act"] is False
    refused = post_json(client, f"/tasks/{task.pk}/start", {})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    client.logout()
    assert client.get(f"{API}/tasks").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lon": 181, "lat": 30}, "lon"),
        ({"lon": 120, "lat": 91}, "lat"),
        ({"lon": "east", "lat": 30}, "lon"),
        ({"lon": 120}, "lat"),
        ({"lon": 120, "lat": 30, "altitude": 9}, "altitude"),
    ],
)
def test_a_bad_start_is_422_naming_the_field(client, crew, task, body, field):
    client.force_login(crew.i1)
    refused = post_json(client, f"/tasks/{task.pk}/start", body)
    assert refused.status_code == 422 and refused.json()["field"] == field
    assert InspectionTask.objects.get(pk=task.pk).state == TaskState.ASSIGNED


def _fake(name, data, kind="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=kind)


@pytest.mark.parametrize(
    ("fields", "files", "field"),
    [
        ({"point_id": "9", "compliant": "1"}, [], "point_id"),
        ({"point_id": "1", "compliant": "1", "color": "red"}, [], "color"),
        ({"point_id": "1", "compliant": "0", "description": "长" * 10_000}, [], "description"),
        ({"point_id": "1", "compliant": "1", "lon": "120", "lat": "95"}, [], "lat"),
        ({"point_id": "1", "compliant": "1"}, [_fake("x.jpg", b"%PDF-1.5\n")], "photo"),
        (
            {"point_id": "1", "compliant": "1"},
            [_fake("x.jpg", b"\xff\xd8\xff" + b"\0" * (20 << 20))],
            "photo",
        ),
        ({"point_id": "1"}, [], "compliant"),
    ],
)
def test_bad_findings_are_422(client, crew, task, fields, files, field):
    client.force_login(crew.i1)
    post_json(client, f"/tasks/{task.pk}/start", {})
    data = dict(fields)
    if files:
        data["photo"] = files
    refused = client.post(f"{API}/tasks/{task.pk}/findings", data)
    assert refused.status_code == 422 and refused.json()["field"] == field
    assert not Finding.objects.exists()


def test_photos_under_another_name_are_refused(client, crew, task):
    client.force_login(crew.i1)
    post_json(client, f"/tasks/{task.pk}/start", {})
    refused = client.post(
        f"{API}/tasks/{task.pk}/findings",
        {"point_id": "1", "compliant": "1", "picture": [jpeg()]},
    )
    assert refused.status_code == 422 and refused.json()["field"] == "picture"


def test_states_are_409_with_what_is_allowed(client, crew, task):
    client.force_login(crew.i1)
    finding = client.post(f"{API}/tasks/{task.pk}/findings", {"point_id": "1", "compliant": "1"})
    assert finding.status_code == 409 and finding.json()["code"] == "wrong_state"
    post_json(client, f"/tasks/{task.pk}/start", {})
    again = post_json(client, f"/tasks/{task.pk}/start", {})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    assert post_json(client, f"/tasks/{task.pk}/cancel", {"reason": "x"}).status_code == 403
    client.force_login(crew.county)
    assert post_json(client, f"/tasks/{task.pk}/cancel", {"reason": "企业停产"}).status_code == 200


def test_signature_payloads_are_checked(client, crew, task):
    client.force_login(crew.i1)
    post_json(client, f"/tasks/{task.pk}/start", {})
    client.post(
        f"{API}/tasks/{task.pk}/findings", {"point_id": "1", "compliant": "0", "description": "x"}
    )
    rectify_by = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    huge = "data:image/png;base64," + "A" * 800_000
    for signatures, status in (
        ([{"role": "inspector", "name": "执法人员1", "image": huge}], 422),
        ([{"role": "inspector", "name": "执法人员1", "image": signature_url(), "x": 1}], 422),
        ([{"role": "inspector", "name": "执法人员1", "image": signature_url()}] * 11, 422),
        ([{"role": "inspector", "name": "执法人员1", "image": signature_url()}], 422),
    ):
        body = {"kind": "rectify_order", "rectify_by": rectify_by, "signatures": signatures}
        assert post_json(client, f"/tasks/{task.pk}/documents", body).status_code == status
    assert not EnforcementDocument.objects.exists()


def test_ad_hoc_tasks_through_the_api(client, crew, firms, item):
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    body = {"kind": "follow_up", "enterprise": firms.xihu[4].pk, "item": item.pk,
            "inspectors": [crew.i2.inspector.pk, crew.i4.inspector.pk], "due_on": due}  # fmt: skip
    client.force_login(crew.i1)
    assert post_json(client, "/tasks", body).status_code == 403
    client.force_login(crew.county)
    assert (
        post_json(client, "/tasks", {**body, "inspectors": [crew.i2.inspector.pk]}).status_code
        == 422
    )
    assert post_json(client, "/tasks", {**body, "due_on": "2026-13-01"}).status_code == 422
    made = post_json(client, "/tasks", body)
    assert made.status_code == 201 and made.json()["code"].startswith("FC-330106-")
    assert [c["name"] for c in made.json()["crew"]] == ["执法人员2", "执法人员4"]


def test_unknown_ids_are_404(client, crew):
    client.force_login(crew.i1)
    assert client.get(f"{API}/tasks/99999").status_code == 404
    assert client.get(f"{API}/documents/99999.pdf").status_code == 404
    assert client.get(f"{API}/tasks/{2**64}").status_code in (404, 422)

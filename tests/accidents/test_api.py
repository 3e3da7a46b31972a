"""The accident API (/api/accidents/): record, list (scoped, filtered, paged), detail, from an
incident, 补报, the investigation steps with the report upload, findings, measures,
evaluation, statistics and the GDP import; 4xx JSON with a code and a message on bad input,
403 without the role, 404 for another county's accident."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.accidents.conftest import docx, pdf, record
from tests.incidents.conftest import accident as incident_accident
from yingji.accidents.models import Accident, RegionEconomy

pytestmark = pytest.mark.django_db
URL = "/api/accidents/"


def as_(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def post(user, url: str, data: Any = None):
    return as_(user).post(url, json.dumps(data or {}), content_type="application/json")


def body(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "起重伤害事故",
        "summary": "吊物坠落砸伤作业人员",
        "occurred_at": (timezone.now() - dt.timedelta(days=20)).isoformat(),
        "accident_type": "lifting",
        "region": "330106002",
        "dead": 3,
        "direct_loss_yuan": "2000000",
    }
    data.update(changes)
    return data


def test_record_list_and_detail(people):
    made = post(people.county, URL, body())
    assert made.status_code == 201, made.content
    accident = made.json()
    assert (accident["grade"], accident["grade_label"], accident["grade_decided_by"]) == (
        1,
        "较大",
        ["dead"],
    )
    assert accident["code"].startswith("SG-330106-")
    record(people.other_county, region="330108001")
    listed = as_(people.county).get(URL, {"grade": "1", "limit": 10}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == accident["id"]
    assert listed["coverage"] == {"closed": 0, "evaluated": 0, "rate": None}
    city = as_(people.city).get(URL).json()
    assert city["total"] == 2
    detail = as_(people.county).get(f"{URL}{accident['id']}").json()
    assert detail["summary"] == "吊物坠落砸伤作业人员" and detail["investigation"] is None


@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        ({"dead": -1}, "dead", 422),
        ({"dead": "many"}, "dead", 422),
        ({"title": "x" * 201}, "title", 422),
        ({"summary": "a\x00b"}, None, 422),  # the NUL guard refuses the whole body
        ({"accident_type": "meteor"}, "accident_type", 422),
        ({"occurred_at": "last week"}, "occurred_at", 422),
        ({"direct_loss_yuan": "1e99"}, "direct_loss_yuan", 422),
        ({"region": "330108001"}, "region", 404),
        ({"surprise": 1}, "surprise", 422),
    ],
)
def test_bad_input_is_4xx_json_naming_the_field(people, changes, field, status):
    answer = post(people.county, URL, body(**changes))
    assert answer.status_code == status, answer.content
    problem = answer.json()
    assert problem["code"] and problem["message"]
    if field:
        assert problem["field"] == field
    assert not Accident.objects.exists()


def test_roles_and_jurisdiction(people):
    assert post(people.viewer, URL, body()).status_code == 403
    accident = record(people.county)
    assert as_(people.other_county).get(f"{URL}{accident.pk}").status_code == 404
    assert as_(people.other_manager).get(f"{URL}{accident.pk}").status_code == 404
    assert (
        post(people.other_county, f"{URL}{accident.pk}/casualties", {"dead": 5}).status_code == 404
    )
    assert Client().get(URL).status_code == 401


def test_from_incident_and_casualties(people):
    incident = incident_accident(people.duty, dead=1, seriously_injured=0)
    made = post(people.county, f"{URL}from-incident/{incident.pk}", {"accident_type": "poisoning"})
    assert made.status_code == 201 and made.json()["incident"] == incident.pk
    again = post(people.county, f"{URL}from-incident/{incident.pk}", {})
    assert again.status_code == 409 and again.json()["field"] == "incident"
    pk = made.json()["id"]
    later = post(people.county, f"{URL}{pk}/casualties", {"dead": 10, "note": "核实"})
    assert later.json()["grade_label"] == "重大"


def test_the_investigation_over_the_api(people):
    pk = record(people.county, occurred_at=(timezone.now() - dt.timedelta(days=20)).isoformat()).pk
    base = f"{URL}{pk}/investigation"
    opened = post(
        people.county, base, {"team": [{"name": "王强", "unit": "应急局", "role": "组长"}]}
    )
    assert opened.status_code == 201
    inv = opened.json()["investigation"]
    assert inv["state"] == "open" and inv["level"] == "county"
    extended = post(people.county, f"{base}/extend", {"days": 60, "reason": "需要补充鉴定"})
    assert extended.json()["investigation"]["extension_days"] == 60
    refused = post(people.county, f"{base}/extend", {"days": 1, "reason": "再延一天"})
    assert refused.status_code == 409 and refused.json()["code"] == "extended"
    bad = post(people.county, f"{base}/submit", {"cause": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "report"
    client = as_(people.county)
    evil = client.post(f"{base}/report", {"report": docx(macro=True), "cause": "违章"})
    assert evil.status_code == 422 and evil.json()["code"] == "report_type"
    sent = client.post(f"{base}/report", {"report": pdf(), "cause": "违章作业"})
    assert sent.status_code == 200, sent.content
    assert sent.json()["investigation"]["report"]["url"] == f"/accidents/{pk}/report"
    finding = post(
        people.county,
        f"{URL}{pk}/findings",
        {"subject": "李某", "responsibility": "main", "handling": "fine"},
    )
    assert finding.status_code == 201
    measure = post(
        people.county,
        f"{URL}{pk}/measures",
        {"text": "修订操作规程", "owner_unit": "厂", "due_on": "2030-01-01"},
    )
    mid = measure.json()["investigation"]["measures"][0]["id"]
    checked = post(people.county, f"{URL}{pk}/measures/{mid}/followup", {"result": "yes"})
    assert checked.json()["investigation"]["measures"][0]["check_result"] == "yes"
    closed = post(people.county, f"{base}/close", {"approval": "同意结案"})
    assert closed.json()["investigation"]["state"] == "closed"
    scored = post(
        people.county,
        f"{URL}{pk}/evaluation",
        {"measures_implemented": "yes", "score": 101, "conclusion": "x"},
    )
    assert scored.status_code == 422 and scored.json()["field"] == "score"
    scored = post(
        people.county,
        f"{URL}{pk}/evaluation",
        {"measures_implemented": "yes", "score": 95, "conclusion": "整改到位"},
    )
    assert scored.status_code == 201 and scored.json()["evaluation"]["score"] == 95
    actions = [e["action"] for e in scored.json()["timeline"]]
    assert actions[:3] == ["record", "open", "extend"] and actions[-1] == "evaluate"
    assert post(people.county, f"{base}/fly", {}).status_code == 422


def test_statistics_and_gdp(people):
    record(people.county, occurred_at="2025-03-03T10:00", dead=4)
    client = as_(people.county)
    upload = client.post(f"{URL}gdp/import", {"file": _csv("330106,2025,2000\n")})
    assert upload.status_code == 200 and upload.json()["created"] == 1
    figures = client.get(f"{URL}stats", {"year": "2025"}).json()
    assert figures["totals"]["dead"] == 4 and figures["rate"]["value"] == "0.002000"
    assert client.get(f"{URL}stats", {"year": "twenty"}).json()["field"] == "year"
    assert client.get(f"{URL}stats", {"region": "330108"}).status_code == 404
    rejected = client.post(f"{URL}gdp/import", {"file": _csv("330106,2025,1\n330108,2025,2\n")})
    assert rejected.status_code == 422
    assert rejected.json()["errors"] == [
        {"row": 3, "field": "region_code", "message": "滨江区 is outside your jurisdiction"}
    ]
    assert RegionEconomy.objects.get().gdp_100m_yuan == 2000
    listed = client.get(f"{URL}gdp", {"year": 2025}).json()["items"]
    assert [row["region"] for row in listed] == ["330106000000"]
    assert as_(people.manager).get(f"{URL}gdp").status_code == 403


def _csv(rows: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("gdp.csv", ("区划代码,年份,GDP（亿元）\n" + rows).encode())

"""The warning API (/api/alerts/): a warning drafted, reviewed and issued by three people over
HTTP; 409 with `allowed` for a step not possible now, 403 for a role or the separation of
duties, 422 naming the field; 滨江 cannot see 西湖's warnings (404); CAP XML per warning; a draft
from a monitoring alarm; CAP import."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from yingji.alerts.models import State, Warning
from yingji.kernels import cap

URL = "/api/alerts/"
NOW = timezone.now().replace(microsecond=0)


def as_(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(**changes):
    data = {
        "event_type": "rainstorm", "level": 2, "urgency": "Immediate",
        "headline": "西湖区暴雨橙色预警",
        "description": "预计未来3小时西湖区降雨量将达50毫米以上。",
        "onset": NOW.isoformat(), "expires": (NOW + dt.timedelta(hours=6)).isoformat(),
        "areas": [{"region": "330106", "description": "西湖区"}],
    }  # fmt: skip
    data.update(changes)
    return data


def create(user, **changes):
    return as_(user).post(URL, body(**changes), content_type="application/json")


def act(user, pk, action, note=None):
    payload = {} if note is None else {"note": note}
    return as_(user).post(f"{URL}{pk}/{action}", payload, content_type="application/json")


def test_lifecycle_with_three_people(people):
    made = create(people["duty"])
    assert made.status_code == 201, made.content
    draft = made.json()
    assert draft["state"] == "draft" and draft["allowed_actions"] == ["submit", "withdraw"]
    assert draft["areas"][0]["region"]["code"] == "330106"
    pk = draft["id"]
    assert act(people["duty"], pk, "submit").json()["state"] == "submitted"
    reviewer_view = as_(people["reviewer"]).get(f"{URL}{pk}").json()
    assert reviewer_view["allowed_actions"] == ["return", "review"]
    assert act(people["reviewer"], pk, "review").json()["state"] == "reviewed"
    issued = act(people["issuer"], pk, "issue").json()
    assert issued["state"] == "issued" and issued["identifier"].startswith("330106000")
    assert [e["action"] for e in issued["events"]] == ["create", "submit", "review", "issue"]
    assert issued["issued_by"] == "xihu_issuer"

    xml = as_(people["viewer"]).get(f"{URL}{pk}/cap.xml")
    assert xml.status_code == 200 and xml["Content-Type"].startswith("application/cap+xml")
    assert cap.from_xml(xml.content).status is cap.Status.ACTUAL

    update = act(people["duty"], pk, "update")
    assert update.status_code == 201 and update.json()["msg_type"] == "Update"
    new = update.json()["id"]
    edited = as_(people["duty"]).patch(
        f"{URL}{new}", {"level": 3, "headline": "升级为红色"}, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["level_label"] == "红色"
    listed = as_(people["viewer"]).get(f"{URL}?state=draft").json()
    assert [row["id"] for row in listed["items"]] == [new] and listed["total"] == 1


def test_409_403_and_422(people):
    pk = create(people["duty"]).json()["id"]
    refused = act(people["issuer"], pk, "issue")
    assert refused.status_code == 409
    assert refused.json()["code"] == "illegal_transition" and refused.json()["allowed"] == []
    assert act(people["viewer"], pk, "submit").status_code == 403
    act(people["duty"], pk, "submit")
    no_note = act(people["reviewer"], pk, "return")
    assert no_note.status_code == 422 and no_note.json()["field"] == "note"
    assert act(people["reviewer"], pk, "return", note="补充影响区域").json()["state"] == "draft"
    bad_level = create(people["duty"], event_type="heat", level=0)
    assert bad_level.status_code == 422 and bad_level.json()["field"] == "level"
    stray = create(people["duty"], colour="red")
    assert stray.status_code == 422 and stray.json()["field"] == "colour"
    bad_expiry = create(people["duty"], expires="tomorrow")
    assert bad_expiry.status_code == 422 and bad_expiry.json()["field"] == "expires"
    unknown = act(people["duty"], pk, "publish")
    assert unknown.status_code == 422 and unknown.json()["field"] == "action"
    assert create(people["viewer"]).status_code == 403
    assert Warning.objects.count() == 1


def test_separation_of_duties_is_403(people):
    both = people["both"]
    pk = create(both).json()["id"]
    act(both, pk, "submit")
    refused = act(both, pk, "review")
    assert refused.status_code == 403 and refused.json()["code"] == "separation"


def test_another_countys_warning_is_not_found(people):
    pk = create(people["duty"]).json()["id"]
    other = as_(people["binjiang"])
    assert other.get(f"{URL}{pk}").status_code == 404
    assert other.get(f"{URL}{pk}/cap.xml").status_code == 404
    assert act(people["binjiang"], pk, "submit").status_code == 404
    assert other.get(URL).json()["total"] == 0
    foreign_area = create(people["binjiang"])  # 西湖区 as an area of 滨江's warning
    assert foreign_area.status_code == 404 and foreign_area.json()["field"] == "areas"


def test_list_filters(people):
    create(people["duty"])
    create(people["duty"], event_type="gale", level=1, headline="大风黄色预警")
    viewer = as_(people["viewer"])
    assert viewer.get(f"{URL}?type=gale").json()["total"] == 1
    assert viewer.get(f"{URL}?level=2").json()["total"] == 1
    assert viewer.get(f"{URL}?q=大风").json()["items"][0]["event_type"] == "gale"
    assert viewer.get(f"{URL}?region=330106").json()["total"] == 2
    assert viewer.get(f"{URL}?region=330108").json()["total"] == 0
    bad = viewer.get(f"{URL}?state=live")
    assert bad.status_code == 422 and bad.json()["field"] == "state"
    assert viewer.get(f"{URL}?limit=1").json()["items"].__len__() == 1


def test_draft_from_alarm(people, alarm):
    made = as_(people["duty"]).post(
        f"{URL}from-alarm", {"alarm": alarm.pk}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert made.json()["source"] == "alarm" and made.json()["source_alarm"] == alarm.pk
    assert made.json()["areas"][0]["region"]["code"] == "330106002000"
    refused = as_(people["binjiang"]).post(
        f"{URL}from-alarm", {"alarm": alarm.pk}, content_type="application/json"
    )
    assert refused.status_code == 404


def test_import_cap(people):
    pk = create(people["duty"]).json()["id"]
    xml = as_(people["duty"]).get(f"{URL}{pk}/cap.xml").content
    made = as_(people["duty"]).post(f"{URL}import-cap", xml, content_type="application/xml")
    assert made.status_code == 201 and made.json()["source"] == "cap"
    bad = as_(people["duty"]).post(f"{URL}import-cap", b"<a>", content_type="application/xml")
    assert bad.status_code == 422 and bad.json()["field"] == "cap"
    assert Warning.objects.filter(state=State.DRAFT).count() == 2


def test_a_bad_second_area_is_named_with_its_place_in_the_list(people):
    areas = [{"region": "330106", "description": "西湖区"}, {"region": "330106", "polygon": "北山"}]
    refused = create(people["duty"], areas=areas)
    assert refused.status_code == 422
    assert refused.json()["field"] == "areas[1].polygon"  # which of the areas, not just "polygon"
    assert Warning.objects.count() == 0


def test_a_method_the_address_does_not_answer_gets_the_api_error_shape(people):
    refused = as_(people["duty"]).put(URL, body(), content_type="application/json")
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, POST"
    assert refused.json() == {"code": "method_not_allowed", "field": None,
                              "message": "This address answers GET, POST only"}  # fmt: skip

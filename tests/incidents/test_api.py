"""The incident API (/api/incidents/): an accident filed over HTTP is graded 较大 from its
figures and a 续报 raising the dead to 10 re-grades it 重大; 上报, grading, roles, tasks and the
timeline; 422 naming the field for bad input (NUL, huge strings, wrong types, unknown fields),
409 for a state that does not allow the step, 403 without the role, and 404 for another
county's incident on every endpoint."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yingji.incidents import services
from yingji.incidents.models import Entry, Incident, Report, Task

URL = "/api/incidents/"
NOW = timezone.now().replace(microsecond=0)


pytestmark = pytest.mark.usefixtures("_english")


def as_(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def body(**changes: Any) -> dict[str, Any]:
    data = {
        "event_type": "hazchem", "region": "330106002", "title": "某化工企业泄漏爆炸",
        "occurred_at": (NOW - dt.timedelta(minutes=30)).isoformat(),
        "description": "储罐区发生泄漏并引发爆炸，现场正在处置。", "dead": 2,
        "seriously_injured": 10, "direct_loss_yuan": "3000000", "lon": 120.12, "lat": 30.26,
    }  # fmt: skip
    data.update(changes)
    return data


def post(user, url: str, data: Any = None):
    payload = json.dumps(data) if data is not None else ""
    return as_(user).post(url, payload, content_type="application/json")


def create(user, **changes):
    return post(user, URL, body(**changes))


def made(user, **changes) -> dict[str, Any]:
    response = create(user, **changes)
    assert response.status_code == 201, response.content
    return response.json()


# ---------------------------------------------------------------- the happy path


def test_an_accident_filed_over_http_is_graded_and_shows_its_time_limits(people):
    incident = made(people["grid"])
    assert (incident["grade_label"], incident["grade_decided_by"]) == (
        "较大",
        ["seriously_injured"],
    )
    assert incident["code"].startswith("330106-") and incident["source"] == "api"
    assert incident["status"] == "open" and incident["work_safety"] is True
    assert [r["kind"] for r in incident["reports"]] == ["first"]
    assert [r["level"] for r in incident["receipts"]] == ["county"]
    limits = {x["what"]: x for x in incident["limits"]}
    assert list(limits) == ["report:county", "report:city", "report:province", "window", "update"]
    assert limits["report:county"]["state"] == "met"
    assert limits["report:city"]["state"] == "pending"  # due 1 h 30 min from now
    assert incident["timeline"][0]["kind"] == "report"
    assert incident["allowed"]["forward"] is None  # a grid worker does not forward
    seen = as_(people["county"]).get(f"{URL}{incident['id']}").json()
    assert seen["allowed"]["forward"] == "city" and seen["allowed"]["forward_label"] == "市级"
    assert seen["allowed"]["grade"] is False  # graded by Decree 493


def test_a_follow_up_raising_the_dead_to_10_regrades_it(people):
    pk = made(people["grid"])["id"]
    answer = post(
        people["county"], f"{URL}{pk}/reports", {"description": "死亡人数上升。", "dead": 10}
    )
    assert answer.status_code == 201, answer.content
    report, incident = answer.json()["report"], answer.json()["incident"]
    assert (report["kind"], report["number"], report["grade_after_label"]) == ("update", 2, "重大")
    assert (incident["grade_label"], incident["dead"], incident["seriously_injured"]) == (
        "重大", 10, 10)  # fmt: skip
    assert incident["grade_decided_by"] == ["dead"]
    assert "report:ministry" in [x["what"] for x in incident["limits"]]
    assert [e["kind"] for e in incident["timeline"][:2]] == ["grade", "report"]  # newest first


def test_forward_goes_one_level_up_once(people):
    pk = made(people["grid"])["id"]
    first = post(people["county"], f"{URL}{pk}/forward")
    assert first.status_code == 200, first.content
    assert first.json()["receipt"]["level"] == "city"
    again = post(people["county"], f"{URL}{pk}/forward")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert post(people["grid"], f"{URL}{pk}/forward").status_code == 403
    up = post(people["city"], f"{URL}{pk}/forward").json()
    assert [r["level"] for r in up["incident"]["receipts"]] == ["county", "city", "province"]


def test_grading_by_hand_is_for_non_work_safety_incidents(people):
    flood = made(people["county"], event_type="flood", dead=0, seriously_injured=0)
    assert flood["grade"] is None and flood["allowed"]["grade"] is True
    graded = post(people["county"], f"{URL}{flood['id']}/grade", {"grade": 1, "note": "淹没农田"})
    assert graded.status_code == 200 and graded.json()["grade_label"] == "较大"
    assert graded.json()["grade_basis"] == "the duty officer's judgement"
    hazchem = made(people["county"])
    assert post(people["county"], f"{URL}{hazchem['id']}/grade", {"grade": 3}).status_code == 409
    for bad in ({"grade": 7}, {"grade": "2"}, {"grade": True}, {"grade": 1, "note": "a\x00b"}):
        refused = post(people["county"], f"{URL}{flood['id']}/grade", bad)
        assert refused.status_code == 422, bad
        assert refused.json()["field"] in ("grade", None), refused.json()  # NUL: the guard
    assert post(people["viewer"], f"{URL}{flood['id']}/grade", {"grade": 1}).status_code == 403


def test_roles_hand_off_and_tasks_are_done(people):
    pk = made(people["grid"])["id"]
    given = post(
        people["county"], f"{URL}{pk}/roles", {"role": "指挥长", "user": people["county"].pk}
    )
    assert given.status_code == 201, given.content
    assert post(
        people["county"], f"{URL}{pk}/roles", {"role": "指挥长", "user": people["county"].pk}
    ).status_code == 409  # fmt: skip
    handed = post(
        people["county"], f"{URL}{pk}/roles", {"role": "指挥长", "user": people["deputy"].pk}
    )
    assert [r["user"]["id"] for r in handed.json()["incident"]["roles"]] == [people["deputy"].pk]
    assert "handed from" in handed.json()["incident"]["timeline"][0]["text"]
    due = (NOW + dt.timedelta(hours=2)).isoformat()
    task = post(people["county"], f"{URL}{pk}/tasks", {"title": "疏散周边群众", "role": "指挥长",
                                                       "due_at": due})  # fmt: skip
    assert task.status_code == 201, task.content
    row = task.json()["task"]
    assert row["owner"]["id"] == people["deputy"].pk  # the role's holder
    assert row["status"] == "open" and row["overdue"] is False
    finish = f"{URL}{pk}/tasks/{row['id']}/finish"
    assert post(people["grid"], finish, {"status": "done"}).status_code == 403  # not the owner
    done = post(people["deputy"], finish, {"status": "done", "note": "已疏散300人"})
    assert done.status_code == 200 and done.json()["task"]["status"] == "done"
    assert post(people["deputy"], finish, {"status": "done"}).status_code == 409
    assert post(people["county"], f"{URL}{pk}/tasks/999999/finish").status_code == 404


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("roles", {"role": "指挥长", "user": 2**70}, "user"),
        ("roles", {"role": "指挥长", "user": "1"}, "user"),
        ("roles", {"role": "指\x00挥长", "user": 1}, None),
        ("roles", {"role": "x" * 41, "user": 1}, "role"),
        ("roles", {"role": "指挥长"}, "user"),
        ("tasks", {"title": ""}, "title"),
        ("tasks", {"title": "x" * 301}, "title"),
        ("tasks", {"title": "a\x00b"}, None),
        ("tasks", {"title": ["a"]}, "title"),
        ("tasks", {"title": "t", "due_at": "tomorrow"}, "due_at"),
        ("tasks", {"title": "t", "role": "a\x00"}, None),
        ("tasks", {"title": "t", "owner": 0}, "owner"),
        ("tasks", {"title": "t", "colour": "red"}, "colour"),
        ("reports", {"description": "x", "kind": "first"}, "kind"),
        ("reports", {"description": "x", "dead": -1}, "dead"),
        ("reports", {"description": "x", "dead": "3"}, "dead"),
        ("reports", {"description": ""}, "description"),
        ("reports", {"description": "x" * 30_000}, "description"),
        ("reports", {"description": "x", "direct_loss_yuan": [1]}, "direct_loss_yuan"),
    ],
)
def test_room_writes_refuse_bad_input_naming_the_field(people, path, data, field):
    """A NUL anywhere in a JSON body is refused before the endpoint (field None)."""
    pk = made(people["grid"])["id"]
    before = (Entry.objects.count(), Task.objects.count(), Report.objects.count())
    refused = post(people["county"], f"{URL}{pk}/{path}", data)
    assert refused.status_code == 422, refused.content
    assert refused.json()["field"] == field and refused.json()["message"]
    assert (Entry.objects.count(), Task.objects.count(), Report.objects.count()) == before


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"description": "a\x00b"}, 422, None),
        ({"description": "x" * 5001}, 422, "description"),
        ({"description": "x" * 25_000}, 422, "description"),
        ({"title": "x" * 201}, 422, "title"),
        ({"dead": "2"}, 422, "dead"),
        ({"dead": True}, 422, "dead"),
        ({"dead": 2.5}, 422, "dead"),
        ({"dead": -1}, 422, "dead"),
        ({"dead": 10**12}, 422, "dead"),
        ({"direct_loss_yuan": "NaN"}, 422, "direct_loss_yuan"),
        ({"direct_loss_yuan": False}, 422, "direct_loss_yuan"),
        ({"event_type": ["hazchem"]}, 422, "event_type"),
        ({"event_type": "alien"}, 422, "event_type"),
        ({"region": "330108"}, 404, "region"),  # another county: as if it did not exist
        ({"region": "33"}, 422, "region"),
        ({"region": "33\x0001"}, 422, None),
        ({"region": None}, 422, "region"),
        ({"occurred_at": "yesterday"}, 422, "occurred_at"),
        ({"occurred_at": (NOW + dt.timedelta(hours=3)).isoformat()}, 422, "occurred_at"),
        ({"occurred_at": 20260701}, 422, "occurred_at"),
        ({"lon": "120.1"}, 422, "lon"),
        ({"lon": 150.0, "lat": 30.0}, 422, "lon"),
        ({"casualties": 3}, 422, "casualties"),
    ],
)
def test_a_bad_first_report_is_refused_naming_the_field_and_nothing_is_created(
    people, changes, status, field
):
    refused = create(people["county"], **changes)
    assert refused.status_code == status, refused.content
    assert refused.json()["field"] == field and refused.json()["message"]
    assert not Incident.objects.exists() and not Entry.objects.exists()


def test_a_body_that_is_not_json_is_refused(people):
    response = as_(people["county"]).post(URL, "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert not Incident.objects.exists()


# ---------------------------------------------------------------- jurisdiction and roles


def test_another_countys_incident_is_not_found_anywhere(people):
    pk = made(people["grid"])["id"]
    task = post(people["county"], f"{URL}{pk}/tasks", {"title": "警戒"}).json()["task"]["id"]
    other = people["binjiang"]
    assert as_(other).get(f"{URL}{pk}").status_code == 404
    assert as_(other).get(f"{URL}{pk}/timeline").status_code == 404
    assert as_(other).get(URL).json()["total"] == 0
    for path, data in [
        ("reports", {"description": "x"}),
        ("forward", None),
        ("grade", {"grade": 1}),
        ("roles", {"role": "指挥长", "user": other.pk}),
        ("tasks", {"title": "x"}),
        (f"tasks/{task}/finish", {"status": "done"}),
    ]:
        assert post(other, f"{URL}{pk}/{path}", data).status_code == 404, path
    assert Task.objects.get(pk=task).status == "open"
    # a person of another county cannot be given a role here either
    foreign = post(people["county"], f"{URL}{pk}/roles", {"role": "指挥长", "user": other.pk})
    assert foreign.status_code == 422 and foreign.json()["field"] == "user"


def test_without_the_capability_it_is_403(people, client):
    pk = made(people["grid"])["id"]
    assert as_(people["company"]).get(URL).status_code == 403
    assert as_(people["company"]).get(f"{URL}{pk}").status_code == 403
    assert create(people["viewer"]).status_code == 403
    assert post(people["viewer"], f"{URL}{pk}/reports", {"description": "x"}).status_code == 403
    assert post(people["grid"], f"{URL}{pk}/tasks", {"title": "x"}).status_code == 403
    closing = {"description": "x", "kind": "final"}
    assert post(people["grid"], f"{URL}{pk}/reports", closing).status_code == 403
    assert client.get(URL).status_code == 401


def test_a_closed_incident_takes_no_more_steps(people):
    pk = made(people["grid"])["id"]
    final = post(
        people["county"], f"{URL}{pk}/reports", {"description": "处置完毕", "kind": "final"}
    )
    assert final.status_code == 201 and final.json()["incident"]["status"] == "closed"
    assert "update" not in [x["what"] for x in final.json()["incident"]["limits"]]
    for path, data in [
        ("reports", {"description": "再报"}),
        ("roles", {"role": "指挥长", "user": people["county"].pk}),
        ("tasks", {"title": "x"}),
    ]:
        refused = post(people["county"], f"{URL}{pk}/{path}", data)
        assert refused.status_code == 409, path


# ---------------------------------------------------------------- the list and the timeline


def test_list_filters_and_pages(people):
    made(people["county"])
    flood = made(people["county"], event_type="flood", dead=0, seriously_injured=0, title="内涝")
    made(people["county"], region="330106004", title="另一街道")

    def ids(**params):
        answer = as_(people["viewer"]).get(URL, params)
        assert answer.status_code == 200, answer.content
        return [row["id"] for row in answer.json()["items"]]

    assert len(ids()) == 3
    assert ids(category="natural") == [flood["id"]] == ids(event_type="flood")
    assert ids(q="内涝") == [flood["id"]]
    assert len(ids(grade=1)) == 2 and ids(status="closed") == []
    assert len(ids(region="330106002")) == 2
    assert len(ids(limit=1)) == 1 and len(ids(limit=1, offset=2)) == 1
    row = as_(people["viewer"]).get(URL, {"q": "内涝"}).json()["items"][0]
    assert row["grade"] is None and row["overdue"] is False and row["region"]["path"] == "330106002"
    for bad in ({"status": "lost"}, {"category": "x"}, {"event_type": "alien"}, {"grade": 9},
                {"grade": "red"}, {"region": "33x"}, {"limit": 0}, {"limit": 10**6},
                {"q": "x" * 61}, {"offset": -1}):  # fmt: skip
        answer = as_(people["viewer"]).get(URL, bad)
        assert answer.status_code == 422, bad
        assert answer.json()["field"] == next(iter(bad)), answer.json()


def test_a_missed_limit_flags_the_row_overdue(people):
    then = NOW - dt.timedelta(hours=3)  # filed 3 hours ago, never forwarded to the city
    data = body(occurred_at=(then - dt.timedelta(minutes=80)).isoformat())
    late = services.report_incident(people["county"], data, now=then)
    (row,) = as_(people["county"]).get(URL).json()["items"]
    assert row["id"] == late.pk and row["overdue"] is True
    found = as_(people["county"]).get(f"{URL}{late.pk}").json()
    limits = {x["what"]: x["state"] for x in found["limits"]}
    assert limits["report:county"] == "late" and limits["report:city"] == "overdue"
    assert found["overdue"] is True


def test_the_timeline_pages_newest_first(people):
    pk = made(people["grid"])["id"]
    for n in range(4):
        post(people["county"], f"{URL}{pk}/tasks", {"title": f"任务{n}"})
    client = as_(people["viewer"])
    first = client.get(f"{URL}{pk}/timeline", {"limit": 2}).json()
    assert [e["text"] for e in first["items"]] == ["Task: 任务3", "Task: 任务2"]
    second = client.get(f"{URL}{pk}/timeline", {"limit": 2, "before": first["next_before"]}).json()
    assert [e["text"] for e in second["items"]] == ["Task: 任务1", "Task: 任务0"]
    rest = client.get(f"{URL}{pk}/timeline", {"before": second["next_before"]}).json()
    assert [e["kind"] for e in rest["items"]] == ["report"] and rest["next_before"] is None
    other = made(people["county"])["id"]
    stray = client.get(f"{URL}{other}/timeline", {"before": first["next_before"]})
    assert stray.status_code == 422 and stray.json()["field"] == "before"
    for bad in ({"before": "x"}, {"before": 0}, {"before": 2**64}, {"limit": 500}):
        assert client.get(f"{URL}{pk}/timeline", bad).status_code == 422, bad
    assert client.get(f"{URL}{2**64}").status_code in (404, 422)

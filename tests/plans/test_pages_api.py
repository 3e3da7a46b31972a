"""The plan pages and /api/plans/: a plan drafted, edited and approved through the forms;
activation from the incident's plan panel with its preview; drills started and evaluated;
the same over the API. Malformed and hostile input on every form and endpoint is refused
naming the field, and changes nothing."""

from __future__ import annotations

import io

import docx
import pytest
from django.test import Client

from yingji.incidents.models import Task
from yingji.plans.models import Activation, DrillEvaluation, Plan

from .conftest import county_plan

API = "/api/plans/"
HOSTILE = ("' OR 1=1 --", '"; DROP TABLE plans_plan; --', "%_%", "\\", "<script>x</script>")


def as_(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**changes):
    data = {
        "code": "XH-DZZH", "title": "西湖区地质灾害应急预案", "kind": "special",
        "scope": "西湖区地质灾害应对。", "event_types": ["geohazard"], "region": "",
        "condition_iv": "发生小型地质灾害", "condition_iii": "发生中型地质灾害",
        "role-0-name": "指挥长", "role-0-duties": "统一指挥",
        "role-1-name": "抢险救援组", "role-1-duties": "",
        "role-2-name": "", "role-2-duties": "",
        "action-0-from_level": "0", "action-0-title": "核实险情", "action-0-role": "指挥长",
        "action-0-offset_minutes": "30", "action-0-priority": "0",
        "action-1-from_level": "1", "action-1-title": "搜救", "action-1-role": "抢险救援组",
        "action-1-offset_minutes": "", "action-1-priority": "1",
        "action-2-from_level": "0", "action-2-title": "", "action-2-role": "",
        "action-2-offset_minutes": "0", "action-2-priority": "2",
    }  # fmt: skip
    data.update(changes)
    return data


def test_draft_edit_approve_through_the_pages(people):
    client = as_(people.county)
    assert client.get("/plans/new/").status_code == 200
    made = client.post("/plans/new/", form())
    assert made.status_code == 302, made.content.decode()[:2000]
    plan = Plan.objects.get(code="XH-DZZH")
    assert plan.roles.count() == 2 and plan.actions.count() == 2
    assert plan.actions.get(title="搜救").offset_minutes == 0
    page = client.get(f"/plans/{plan.pk}/edit/")
    assert page.status_code == 200 and "核实险情" in page.content.decode()
    edited = client.post(f"/plans/{plan.pk}/edit/", form(**{
        "title": "西湖区地质灾害应急预案（修订）", "action-1-delete": "on"}))  # fmt: skip
    assert edited.status_code == 302
    plan.refresh_from_db()
    assert plan.title.endswith("（修订）") and plan.actions.count() == 1
    assert client.post(f"/plans/{plan.pk}/approve/").status_code == 302
    plan.refresh_from_db()
    assert plan.status == "current"
    detail = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "pl-version" in detail and "pl-approve" not in detail
    listed = client.get("/plans/", {"event_type": "geohazard"}).content.decode()
    assert "西湖区地质灾害应急预案" in listed
    word = client.get(f"/plans/{plan.pk}/plan.docx")
    assert word.status_code == 200 and word["Content-Type"].endswith("document")
    assert docx.Document(io.BytesIO(word.content)).paragraphs[0].text == plan.title


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "<b>"}, "code"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00"}, "title"),
        ({"kind": "总体"}, "kind"),
        ({"event_types": ["typhoon", "'; --"]}, "event_types"),
        ({"region": "330108"}, "region"),
        ({"region": "９９"}, "region"),
        ({"action-0-role": "无此角色"}, "actions"),
        ({"action-0-from_level": "-1"}, "actions"),
        ({"action-0-offset_minutes": "1e3"}, "actions"),
        ({"action-0-priority": "紧急"}, "actions"),
        ({"role-1-name": "指挥长"}, "roles"),
        ({"role-5-name": "r" * 41}, "roles"),
    ],
)
def test_the_plan_form_refuses_bad_input(people, changes, field):
    response = as_(people.county).post("/plans/new/", form(**changes))
    assert response.status_code == 422, response.status_code
    assert f'id="error-{field}"' in response.content.decode()
    assert not Plan.objects.exists()


def test_plan_pages_refuse_who_may_not_and_what_is_not_theirs(library, people):
    mine = county_plan(people.county)
    other = as_(people.other)
    assert other.get(f"/plans/{mine.pk}/").status_code == 404
    assert other.get(f"/plans/{mine.pk}/plan.docx").status_code == 404
    assert other.post(f"/plans/{mine.pk}/approve/").status_code == 404
    assert other.post(f"/plans/{mine.pk}/edit/", form()).status_code == 404
    assert as_(people.duty).get("/plans/new/").status_code == 403
    assert as_(people.county).post(f"/plans/{library['ZJ-FXFT'].pk}/retire/").status_code == 403
    assert as_(people.county).post(f"/plans/{mine.pk}/publish/").status_code == 302
    assert as_(people.county).get(f"/plans/{mine.pk}/approve/").status_code == 405
    assert as_(people.county).get("/plans/99999999999999999999/").status_code == 404
    mine.refresh_from_db()
    assert mine.status == "draft"
    for q in HOSTILE:
        page = as_(people.county).get("/plans/", {"q": q})
        assert page.status_code == 200 and "pl-row" not in page.content.decode()
    bad_filter = as_(people.county).get("/plans/", {"kind": "x", "status": "old"})
    assert bad_filter.status_code == 200 and "已忽略筛选条件" in bad_filter.content.decode()


def test_activation_from_the_incident_panel(library, people, make_incident):
    plan = library["ZJ-FXFT"]
    incident = make_incident()
    client = as_(people.province)
    page = client.get(f"/plans/incidents/{incident.pk}/").content.decode()
    assert plan.title in page and 'id="pl-activate"' in page
    assert "ZJ-WHP" not in page and library["ZJ-WHP"].title not in page  # not its type
    preview = client.get(f"/plans/incidents/{incident.pk}/preview/", {"plan": plan.pk,
                                                                     "level": "2"})  # fmt: skip
    assert preview.content.decode().count("<tr>") == 13  # header + 12 tasks
    done = client.post(f"/plans/incidents/{incident.pk}/activate/", {
        "plan": plan.pk, "level": "2", "next": f"/plans/incidents/{incident.pk}/"})  # fmt: skip
    assert done.status_code == 302 and done["Location"] == f"/plans/incidents/{incident.pk}/"
    assert Task.objects.filter(incident=incident).count() == 12
    offsite = client.post(f"/plans/incidents/{incident.pk}/activate/", {
        "plan": plan.pk, "level": "3", "next": "https://evil.example/"})  # fmt: skip
    assert offsite["Location"] == f"/incidents/{incident.pk}/"
    again = client.post(f"/plans/incidents/{incident.pk}/activate/", {"plan": plan.pk,
                                                                     "level": "1"})  # fmt: skip
    assert again.status_code == 409 and "已启动Ⅰ级响应" in again.content.decode()
    viewer_page = as_(people.viewer).get(f"/plans/incidents/{incident.pk}/").content.decode()
    assert "pl-activation" in viewer_page and 'id="pl-activate"' not in viewer_page
    card = client.get(f"/plans/incidents/{incident.pk}/panel/").content.decode()
    assert f'name="next" value="/incidents/{incident.pk}/"' in card and "Ⅱ级" in card
    room = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'id="pl-panel"' in room and "pl-activation" in room  # the room's 预案启动 card
    ended = client.post(f"/plans/activations/{Activation.objects.first().pk}/end/")
    assert ended.status_code == 302 and ended["Location"] == f"/incidents/{incident.pk}/"
    assert not Activation.objects.filter(ended_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"plan": "abc", "level": "2"}, 404),
        ({"plan": "-1", "level": "2"}, 404),
        ({"plan": "1" * 30, "level": "2"}, 404),
        ({"level": "2"}, 404),
        ({"plan": "{plan}", "level": "9"}, 422),
        ({"plan": "{plan}", "level": "²"}, 422),
        ({"plan": "{plan}", "level": ""}, 422),
        ({"plan": "{other}", "level": "2"}, 409),
    ],
)
def test_the_activation_form_refuses_bad_input(library, people, make_incident, data, status):
    incident = make_incident()
    ids = {"{plan}": str(library["ZJ-FXFT"].pk), "{other}": str(library["ZJ-WHP"].pk)}
    data = {k: ids.get(v, v) for k, v in data.items()}
    client = as_(people.province)
    response = client.post(f"/plans/incidents/{incident.pk}/activate/", data)
    assert response.status_code == status
    assert 'id="pl-failure"' in response.content.decode()
    preview = client.get(f"/plans/incidents/{incident.pk}/preview/", data)
    assert preview.status_code == 200 and "pl-error" in preview.content.decode()
    assert not Task.objects.exists()


def test_the_activation_pages_refuse_who_may_not(library, people, make_incident):
    incident = make_incident()
    plan = library["ZJ-FXFT"].pk
    url = f"/plans/incidents/{incident.pk}/"
    assert as_(people.viewer).post(url + "activate/", {"plan": plan, "level": 0}).status_code == 403
    assert as_(people.other).get(url).status_code == 404
    assert as_(people.other).get(url + "preview/").status_code == 404
    assert as_(people.county).post(url + "activate/", {"plan": plan, "level": 0}).status_code == 403
    assert as_(people.other).post("/plans/activations/1/end/").status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page
    assert not Activation.objects.exists()


def test_drills_page_starts_and_evaluates(library, people):
    plan = library["ZJ-FXFT"]
    client = as_(people.province)
    assert client.get("/plans/drills/").status_code == 200
    for bad, status in [({"plan": plan.pk, "level": "1", "region": "abc"}, 422),
                        ({"plan": plan.pk, "level": "7", "region": "330106"}, 422),
                        ({"plan": "x", "level": "1", "region": "330106"}, 404)]:  # fmt: skip
        response = client.post("/plans/drills/", bad)
        assert response.status_code == status and 'id="pl-failure"' in response.content.decode()
    assert not Activation.objects.exists()
    started = client.post("/plans/drills/", {"plan": plan.pk, "level": "1", "region": "330106"})
    drill = Activation.objects.get()
    assert started.status_code == 302 and drill.incident.exercise and drill.tasks_created == 8
    for bad in ({"score": "abc", "findings": "x"}, {"score": "101", "findings": "x"},
                {"score": "80", "findings": ""}, {"score": "８０", "findings": "x"}):  # fmt: skip
        response = client.post(f"/plans/drills/{drill.pk}/evaluate/", bad)
        assert response.status_code == 422 and 'id="pl-failure"' in response.content.decode()
    assert as_(people.duty).post(f"/plans/drills/{drill.pk}/evaluate/", {}).status_code == 403
    assert as_(people.other).post(f"/plans/drills/{drill.pk}/evaluate/", {
        "score": "80", "findings": "x"}).status_code == 404  # fmt: skip
    done = client.post(f"/plans/drills/{drill.pk}/evaluate/", {
        "score": "80", "findings": "转移偏慢", "improvements": "预置车辆"})  # fmt: skip
    assert done.status_code == 302 and DrillEvaluation.objects.get().score == 80
    listed = client.get("/plans/drills/").content.decode()
    assert "转移偏慢" in listed
    assert "转移偏慢" not in as_(people.other).get("/plans/drills/").content.decode()


# ---------------------------------------------------------------- the API


def api_plan(**changes):
    body = {
        "code": "XH-SLHZ", "title": "西湖区森林火灾应急预案", "kind": "special",
        "scope": "西湖区森林火灾应对。", "event_types": ["forest_fire"],
        "condition_iv": "发生森林火灾", "condition_iii": "火势蔓延",
        "roles": [{"name": "指挥长"}, {"name": "扑救组", "duties": "扑救"}],
        "actions": [{"from_level": 0, "title": "核实火情", "role": "指挥长"},
                    {"from_level": 1, "title": "调派扑火队", "role": "扑救组",
                     "offset_minutes": 30, "priority": 0}],
    }  # fmt: skip
    body.update(changes)
    return body


def post(user, url, body=None):
    return as_(user).post(url, body or {}, content_type="application/json")


def test_the_api_lifecycle_and_activation(library, people, make_incident):
    made = post(people.county, API, api_plan())
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    patched = as_(people.county).patch(f"{API}{pk}", {"title": "西湖区森林火灾应急预案（修订）"},
                                       content_type="application/json")  # fmt: skip
    assert patched.status_code == 200 and patched.json()["title"].endswith("（修订）")
    approved = post(people.county, f"{API}{pk}/approve")
    assert approved.json()["status"] == "current"
    version = post(people.county, f"{API}{pk}/versions")
    assert version.status_code == 201 and version.json()["version"] == 2
    listed = as_(people.county).get(API, {"event_type": "forest_fire", "status": "current"})
    assert [row["code"] for row in listed.json()["items"]] == ["XH-SLHZ", "ZJ-SLHZ", "ZJ-ZT"]
    word = as_(people.viewer).get(f"{API}{library['ZJ-DZ'].pk}/plan.docx")
    assert docx.Document(io.BytesIO(word.content)).paragraphs[0].text.startswith("浙江省地震")

    incident = make_incident("forest_fire", title="西湖区某山林火情")
    preview = as_(people.county).get(f"{API}{pk}/preview", {"incident": incident.pk, "level": 1})
    assert [t["title"] for t in preview.json()["tasks"]] == ["核实火情", "调派扑火队"]
    started = post(people.county, f"{API}activations",
                   {"plan": pk, "incident": incident.pk, "level": 1})  # fmt: skip
    assert started.status_code == 201 and started.json()["tasks_created"] == 2
    assert post(people.county, f"{API}activations/{started.json()['id']}/end").json() == {
        "ended": 1}  # fmt: skip
    drill = post(people.province, f"{API}drills",
                 {"plan": library["ZJ-DZ"].pk, "level": 2, "region": "330106"})  # fmt: skip
    assert drill.status_code == 201, drill.content
    evaluated = post(people.province, f"{API}activations/{drill.json()['id']}/evaluation",
                     {"score": 75, "findings": "通信中断预案不足"})  # fmt: skip
    assert evaluated.status_code == 201 and evaluated.json()["score"] == 75


def test_the_api_refuses_bad_input_naming_the_field(library, people, make_incident):
    incident = make_incident()
    fxft = library["ZJ-FXFT"].pk
    cases = [
        (API, api_plan(colour="red"), 422, "colour"),
        (API, api_plan(code="中文"), 422, "code"),
        (API, api_plan(event_types="typhoon"), 422, "event_types"),
        (API, api_plan(event_types=["meteor"]), 422, "event_types"),
        (API, api_plan(title="t" * 201), 422, "title"),
        (API, api_plan(region="330108"), 404, "region"),
        (API, api_plan(actions=[{"from_level": 7, "title": "t", "role": "指挥长"}]), 422,
         "actions"),
        (API, api_plan(roles=[{"name": "x", "rank": 1}]), 422, "roles[0].rank"),
        (f"{API}activations", {"plan": fxft, "incident": incident.pk, "level": 9}, 422, "level"),
        (f"{API}activations", {"plan": fxft, "incident": incident.pk, "level": 2,
                               "mode": "live"}, 422, "mode"),
        (f"{API}activations", {"plan": 0, "incident": incident.pk, "level": 2}, 422, "plan"),
        (f"{API}activations", {"plan": fxft, "incident": 2**64, "level": 2}, 422, "incident"),
        (f"{API}activations", {"plan": fxft, "incident": "x", "level": 2}, 422, "incident"),
        (f"{API}activations", {"plan": fxft, "incident": incident.pk, "level": 2,
                               "mode": "drill"}, 409, None),
        (f"{API}drills", {"plan": fxft, "level": 1, "region": "abc"}, 422, "region"),
        (f"{API}drills", {"plan": fxft, "level": 1}, 422, "region"),
        (f"{API}activations/1/evaluation", {"score": 50, "findings": "x", "x": 1}, 422, "x"),
    ]  # fmt: skip
    for url, body, status, field in cases:
        response = post(people.county if url == API else people.province, url, body)
        assert response.status_code == status, (url, body, response.content)
        if field:
            assert response.json()["field"] == field, response.json()
    for query, field in [({"kind": "x"}, "kind"), ({"status": "old"}, "status"),
                         ({"event_type": "x"}, "event_type"), ({"region": "x1"}, "region"),
                         ({"limit": 201}, "limit"), ({"q": "q" * 61}, "q")]:  # fmt: skip
        response = as_(people.county).get(API, query)
        assert response.status_code == 422 and response.json()["field"] == field
    for q in HOSTILE:
        assert as_(people.county).get(API, {"q": q}).json()["total"] == 0
    assert as_(people.county).get(f"{API}{2**63}").status_code == 422
    assert as_(people.county).get(f"{API}123456").status_code == 404
    malformed = as_(people.county).post(API, "{not json", content_type="application/json")
    assert malformed.status_code in (400, 422)
    assert post(people.duty, API, api_plan()).status_code == 403
    assert post(people.viewer, f"{API}activations",
                {"plan": fxft, "incident": incident.pk, "level": 2}).status_code == 403  # fmt: skip
    assert post(people.other, f"{API}activations",
                {"plan": fxft, "incident": incident.pk, "level": 2}).status_code == 404  # fmt: skip
    assert Client().get(API).status_code == 401
    assert not Plan.objects.exclude(synthetic=True).exists()
    assert not Activation.objects.exists()

"""Hidden-hazard API: the whole closed loop of a general and of a major hazard (with plan,
挂牌督办 and acceptance), role checks at each step, 409 for an illegal transition with nothing
changed, jurisdiction and enterprise scoping, hostile input, the photo endpoint, and the
enterprise's risk colour following its hazards."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from yingji.core.models import AuditEntry
from yingji.hazards.models import HazardEvent, HiddenHazard, Supervision
from yingji.regions.models import Region
from yingji.risk.models import CurrentRisk
from yingji.risk.services import enterprises as assessing
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db

URL = "/api/hazards/"
PLAN = {
    "plan_goal": "消除可燃气体报警缺失隐患",
    "plan_measures": "在罐区加装可燃气体检测报警仪并接入DCS",
    "plan_funding": "专项资金 12 万元",
    "plan_organisation": "设备部牵头，安全科监督",
    "plan_safety": "施工期间罐区停止装卸，落实动火作业票和应急预案",
}


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def village_of(township: str = "330106002") -> Region:
    return Region.objects.filter(path__startswith=township, level="village").order_by("code")[0]


def act(client, user, pk, action, **fields):
    client.force_login(user)
    return client.post(
        f"{URL}{pk}/transitions", {"action": action, **fields}, content_type="application/json"
    )


def file_report(client, user, *, photos=(), **fields):
    client.force_login(user)
    data = {"category": "fire", "title": "消防通道堵塞", "description": "仓库东侧消防通道堆放杂物"}
    data.update(fields)
    if photos:
        data["photo"] = list(photos)
    return client.post(URL, data)


def detail(client, user, pk):
    client.force_login(user)
    return client.get(f"{URL}{pk}")


def allowed(client, user, pk):
    response = detail(client, user, pk)
    assert response.status_code == 200, response.content
    return response.json()["allowed_actions"]


def listed(client, user, query=""):
    client.force_login(user)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.content
    return response.json()


# ---------------------------------------------------------------- (1) a general hazard


def _general_reported(client, p, photo):
    """A grid worker reports a find at 西湖化工 with a photo; who may do what next."""
    response = file_report(client, p.grid, enterprise=str(p.factory.pk), photos=[photo()])
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert body["state"] == "reported" and body["state_label"] == "已上报"
    assert body["source"] == "patrol" and body["grade"] == "general"
    assert body["enterprise"] == {"id": p.factory.pk, "name": "西湖化工"}
    assert body["region"]["code"] == "330106002000"
    assert body["code"].startswith("YH-330106-")
    (evidence,) = body["evidence"]
    assert evidence["kind"] == "report"
    assert evidence["url"] == f"/api/hazards/{pk}/photos/{evidence['photo']}"
    assert "lon" not in evidence  # no location kept unless the reporter allowed it
    assert body["allowed_actions"] == []  # a grid worker reports; the bureau moves it on
    assert allowed(client, p.township, pk) == ["register"]
    assert allowed(client, p.county, pk) == ["register", "void"]
    assert allowed(client, p.manager, pk) == ["register"]  # its own general hazard
    return pk


def _general_registered_and_started(client, p, pk):
    register = {"deadline": in_days(30), "responsible_person": "王强"}
    refused = act(client, p.grid, pk, "register", **register)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    response = act(client, p.township, pk, "register", responsible_unit="设备部", **register)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "registered" and body["responsible_person"] == "王强"
    assert body["deadline"] == in_days(30) and body["days_left"] == 30
    assert body["overdue"] is False
    assert allowed(client, p.manager, pk) == ["start"]

    assert act(client, p.grid, pk, "start").status_code == 403
    assert act(client, p.other_manager, pk, "start").status_code == 404
    response = act(client, p.manager, pk, "start")
    assert response.status_code == 200 and response.json()["state"] == "rectifying"
    assert response.json()["allowed_actions"] == ["submit"]


def _general_submitted(client, p, pk, photo):
    client.force_login(p.manager)
    response = client.post(
        f"{URL}{pk}/evidence", {"kind": "rectification", "photo": [photo(colour=(20, 160, 60))]}
    )
    assert response.status_code == 201, response.content
    assert [e["kind"] for e in response.json()["evidence"]] == ["report", "rectification"]
    missing = act(client, p.manager, pk, "submit")
    assert missing.status_code == 422 and missing.json()["field"] == "rectification_note"
    response = act(client, p.manager, pk, "submit", rectification_note="杂物已清理，通道畅通")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert response.json()["allowed_actions"] == []  # acceptance is not the enterprise's


def _general_accepted_and_closed(client, p, pk):
    assert act(client, p.manager, pk, "accept", note="自己验收").status_code == 403
    assert act(client, p.grid, pk, "accept", note="通过").status_code == 403
    no_opinion = act(client, p.county, pk, "accept")
    assert no_opinion.status_code == 422 and no_opinion.json()["field"] == "note"
    response = act(client, p.county, pk, "accept", note="现场复核，整改到位")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "accepted" and body["acceptance_note"] == "现场复核，整改到位"
    assert body["allowed_actions"] == ["close"]

    assert act(client, p.manager, pk, "close").status_code == 403
    response = act(client, p.county, pk, "close", note="销号")
    assert response.status_code == 200
    return response.json()


def test_general_hazard_lifecycle_through_the_api(client, people, photo):
    pk = _general_reported(client, people, photo)
    _general_registered_and_started(client, people, pk)
    _general_submitted(client, people, pk, photo)
    body = _general_accepted_and_closed(client, people, pk)

    assert body["state"] == "closed" and body["closed_at"] and body["allowed_actions"] == []
    assert body["days_left"] is None and body["overdue"] is False
    assert [e["action"] for e in body["events"]] == [
        "report", "register", "start", "submit", "accept", "close"
    ]  # fmt: skip
    assert [e["actor"] for e in body["events"]] == [
        "xh_grid", "xh_town", "xh_manager", "xh_manager", "xh_county", "xh_county"
    ]  # fmt: skip
    assert HazardEvent.objects.filter(hazard_id=pk).count() == 6
    assert listed(client, people.county, "state=open")["total"] == 0
    assert listed(client, people.county, "state=closed")["total"] == 1


# ---------------------------------------------------------------- (2) a major hazard


def _major_reported_and_registered(client, p, criterion):
    response = file_report(
        client,
        p.inspector,
        enterprise=p.factory.credit_code,
        grade="major",
        category="hazchem",
        title="罐区未设可燃气体检测报警",
        description="甲类罐区未设置可燃气体检测报警装置",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["source"] == "inspection"
    assert allowed(client, p.manager, pk) == []  # an enterprise does not register a major

    register = {"deadline": in_days(60), "responsible_person": "李明"}
    assert act(client, p.manager, pk, "register", **register).status_code == 403
    response = act(client, p.county, pk, "register", **register)
    assert response.status_code == 422
    assert response.json()["field"] == "criterion" and "criterion" in response.json()["message"]
    assert HiddenHazard.objects.get(pk=pk).state == "reported"
    response = act(client, p.county, pk, "register", criterion=criterion.pk, **register)
    assert response.status_code == 200, response.content
    assert response.json()["criterion"]["number"] == "12"
    assert response.json()["criterion"]["standard"] == "chemical"
    return pk


def _major_needs_a_plan(client, p, pk):
    response = act(client, p.manager, pk, "start")
    assert response.status_code == 422 and response.json()["field"] == "plan_goal"
    partial = {k: v for k, v in PLAN.items() if k != "plan_funding"}
    response = act(client, p.manager, pk, "start", **partial, plan_deadline=in_days(50))
    assert response.status_code == 422 and response.json()["field"] == "plan_funding"
    assert HiddenHazard.objects.get(pk=pk).plan_goal == ""  # nothing half-written


def _major_listed(client, p, pk):
    """挂牌督办: a county office lists it at 县级; a township office, grid worker, enterprise
    may not."""
    listing = {"deadline": in_days(60), "published": True}
    for user in (p.township, p.grid, p.manager):
        client.force_login(user)
        refused = client.post(f"{URL}{pk}/supervision", listing, content_type="application/json")
        assert refused.status_code == 403, (user.username, refused.content)
    client.force_login(p.county)
    response = client.post(f"{URL}{pk}/supervision", listing, content_type="application/json")
    assert response.status_code == 201, response.content
    supervision = response.json()["supervision"]
    assert supervision["level"] == "county" and supervision["active"] is True
    assert supervision["office"] == "西湖区安全生产委员会办公室" and supervision["published"]
    assert response.json()["supervised"] is True
    assert [h["id"] for h in listed(client, p.county, "supervised=true")["items"]] == [pk]
    again = client.post(f"{URL}{pk}/supervision", listing, content_type="application/json")
    assert again.status_code == 409


def _major_rectified(client, p, pk, photo):
    response = act(client, p.manager, pk, "start", **PLAN, plan_deadline=in_days(50))
    assert response.status_code == 200 and response.json()["state"] == "rectifying"
    assert response.json()["plan_measures"] == PLAN["plan_measures"]
    response = act(client, p.manager, pk, "submit", rectification_note="已加装报警仪并联调")
    assert response.status_code == 422 and response.json()["field"] == "photo"
    client.force_login(p.manager)
    added = client.post(f"{URL}{pk}/evidence", {"kind": "rectification", "photo": [photo()]})
    assert added.status_code == 201
    response = act(client, p.manager, pk, "submit", rectification_note="已加装报警仪并联调")
    assert response.status_code == 200 and response.json()["state"] == "submitted"


def _major_accepted_lifted_closed(client, p, pk):
    client.force_login(p.county)
    early = client.post(
        f"{URL}{pk}/supervision/lift", {"note": "整改完成"}, content_type="application/json"
    )
    assert early.status_code == 409 and early.json()["code"] == "no_acceptance"

    response = act(client, p.county, pk, "accept", note="报警仪检定合格，整改到位")
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    blocked = act(client, p.county, pk, "close")
    assert blocked.status_code in (409, 422)
    assert "lift" in blocked.json()["message"] and "挂牌督办" in blocked.json()["message"]
    assert HiddenHazard.objects.get(pk=pk).state == "accepted"

    client.force_login(p.county)
    response = client.delete(
        f"{URL}{pk}/supervision", {"note": "验收合格，同意摘牌"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["supervision"]["active"] is False
    assert response.json()["supervision"]["lift_note"] == "验收合格，同意摘牌"
    assert response.json()["supervised"] is False
    assert Supervision.objects.get(hazard_id=pk).lifted_by == p.county

    response = act(client, p.county, pk, "close", note="销号")
    assert response.status_code == 200 and response.json()["state"] == "closed"
    return response.json()


def test_major_hazard_lifecycle_with_plan_supervision_and_acceptance(
    client, people, photo, criterion
):
    pk = _major_reported_and_registered(client, people, criterion)
    _major_needs_a_plan(client, people, pk)
    _major_listed(client, people, pk)
    _major_rectified(client, people, pk, photo)
    body = _major_accepted_lifted_closed(client, people, pk)
    assert [e["action"] for e in body["events"]] == [
        "report", "register", "supervise", "start", "submit", "accept", "lift", "close"
    ]  # fmt: skip
    assert listed(client, people.county, "supervised=true")["total"] == 0


# ---------------------------------------------------------------- (3) an illegal transition


def test_illegal_transition_is_409_with_allowed_actions_and_changes_nothing(client, people):
    response = file_report(client, people.grid, enterprise=str(people.factory.pk))
    pk = response.json()["id"]
    before = HiddenHazard.objects.get(pk=pk)
    client.force_login(people.county)  # signing in is audited too: count after it
    events, audits = HazardEvent.objects.count(), AuditEntry.objects.count()

    response = client.post(
        f"{URL}{pk}/transitions",
        {"action": "accept", "note": "直接验收"},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert body["allowed"] == ["register", "void"]
    assert "register" in body["message"] and "已上报" in body["message"]

    after = HiddenHazard.objects.get(pk=pk)
    assert (after.state, after.acceptance_note, after.updated_at) == (
        "reported",
        "",
        before.updated_at,
    )
    assert HazardEvent.objects.count() == events and AuditEntry.objects.count() == audits
    # The allowed list is the caller's: a township office may register but not void.
    assert act(client, people.township, pk, "close").json()["allowed"] == ["register"]


# ---------------------------------------------------------------- (4) scoping


def test_county_and_enterprise_users_see_only_their_own(client, people):
    p = people
    on_factory = file_report(client, p.grid, enterprise=str(p.factory.pk)).json()["id"]
    village = village_of()
    on_street = file_report(client, p.grid, region=village.code, title="村道边坡裂缝").json()["id"]
    own_report = file_report(client, p.manager, title="配电房漏水")
    assert own_report.status_code == 201
    own = own_report.json()
    assert own["source"] == "self" and own["enterprise"]["id"] == p.factory.pk

    county = listed(client, p.county)
    assert county["total"] == 3
    assert {h["id"] for h in county["items"]} == {on_factory, on_street, own["id"]}

    assert listed(client, p.other_county)["total"] == 0
    for pk in (on_factory, on_street):
        assert detail(client, p.other_county, pk).status_code == 404
        assert detail(client, p.other_manager, pk).status_code == 404
    assert listed(client, p.other_manager)["total"] == 0

    mine = listed(client, p.manager)
    assert {h["id"] for h in mine["items"]} == {on_factory, own["id"]}  # not the village report
    assert detail(client, p.manager, on_street).status_code == 404
    assert detail(client, p.manager, on_factory).status_code == 200

    # Filters and pagination; a region filter never widens what the caller sees.
    assert listed(client, p.county, f"region={village.code}")["total"] == 1
    assert listed(client, p.county, "source=self")["total"] == 1
    assert listed(client, p.county, "state=open&grade=general")["total"] == 3
    assert listed(client, p.county, "q=边坡")["items"][0]["id"] == on_street
    assert listed(client, p.county, "q=西湖化工")["total"] == 2
    page = listed(client, p.county, "limit=2&offset=2")
    assert page["total"] == 3 and len(page["items"]) == 1
    assert listed(client, p.other_county, "region=330106")["total"] == 0


def test_overdue_hazards_come_first_and_filter(client, people):
    p = people
    late = file_report(client, p.grid, enterprise=str(p.factory.pk), title="逾期隐患").json()["id"]
    soon = file_report(client, p.grid, enterprise=str(p.factory.pk), title="未逾期隐患").json()[
        "id"
    ]
    for pk in (late, soon):
        reg = act(client, p.county, pk, "register", deadline=in_days(5), responsible_person="王")
        assert reg.status_code == 200
    HiddenHazard.objects.filter(pk=late).update(deadline=timezone.localdate() - dt.timedelta(2))
    rows = listed(client, p.county)["items"]
    assert [r["id"] for r in rows] == [late, soon]
    assert rows[0]["overdue"] is True and rows[0]["days_left"] == -2
    assert [r["id"] for r in listed(client, p.county, "overdue=true")["items"]] == [late]


# ---------------------------------------------------------------- (5) hostile input


def test_hostile_reports_are_refused_and_nothing_is_created(client, people, photo):
    p = people
    village = village_of()

    def refused(status, field, **fields):
        response = file_report(client, p.grid, **{"region": village.code, **fields})
        assert response.status_code == status, (fields.keys(), response.content)
        assert response.json()["field"] == field, response.json()
        return response.json()

    assert "100" in refused(422, "title", title="隐" * 101)["message"]
    refused(422, "category", category="arson")
    refused(422, "region", region="33010x")
    refused(404, "region", region="330108001000")  # 滨江: outside the grid worker's reach
    refused(404, "enterprise", region="", enterprise=str(p.other.pk))
    refused(422, "lon", lon="200", lat="30.2")
    refused(422, "lon", lon="nan", lat="30.2")
    refused(422, "grade", grade="fatal")
    refused(422, "criterion", grade="major", criterion="99999999")
    refused(422, "criterion", grade="major", criterion="²")  # a digit to isdigit(), not to int()
    refused(422, "enterprise", region="", enterprise="²")
    refused(422, "description", description="")
    refused(422, "colour", colour="red")  # an unknown field
    text = SimpleUploadedFile("scene.jpg", b"this is not a photo at all\n" * 20, "image/jpeg")
    assert refused(422, "photo", photos=[photo(), text])["code"].startswith("photo_")
    refused(422, "photo", photos=[photo(f"p{i}.jpg") for i in range(7)])
    stray = SimpleUploadedFile("a.jpg", photo().read(), "image/jpeg")
    client.force_login(p.grid)
    response = client.post(
        URL, {"region": village.code, "category": "fire", "title": "t", "description": "d",
              "attachment": stray}
    )  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == "attachment"
    assert HiddenHazard.objects.count() == 0
    assert HazardEvent.objects.count() == 0


def test_hostile_queries_and_transitions(client, people):
    p = people
    pk = file_report(client, p.grid, enterprise=str(p.factory.pk)).json()["id"]
    client.force_login(p.county)
    for q in ("' OR 1=1 --", '"; DROP TABLE hazards_hiddenhazard; --', "%_%", "\\"):
        response = client.get(URL, {"q": q})
        assert response.status_code == 200 and response.json()["total"] == 0
    for query, field in [
        ("state=lost", "state"),
        ("grade=fatal", "grade"),
        ("source=rumour", "source"),
        ("region=abc", "region"),
        ("limit=201", "limit"),
        ("offset=-1", "offset"),
        ("q=" + "x" * 61, "q"),
    ]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 422 and response.json()["field"] == field, query
    assert client.get(f"{URL}99999999999999999999999").status_code in (404, 422)
    assert client.get(f"{URL}{2**63}").status_code == 422

    response = act(client, p.county, pk, "demolish")
    assert response.status_code == 422 and response.json()["field"] == "action"
    assert "register" in response.json()["message"]
    cases = [
        ({"deadline": in_days(9), "responsible_person": "王", "colour": "red"}, "colour"),
        ({"deadline": "next week", "responsible_person": "王"}, "deadline"),
        ({"deadline": in_days(9), "responsible_person": "王" * 51}, "responsible_person"),
        ({"deadline": in_days(9), "responsible_person": "王", "grade": "fatal"}, "grade"),
        ({"deadline": in_days(9), "responsible_person": "王", "criterion": 999999}, "criterion"),
        ({"deadline": in_days(9), "responsible_person": "王", "plan_goal": "x"}, "plan_goal"),
        ({"deadline": in_days(-1), "responsible_person": "王"}, "deadline"),
        ({"deadline": in_days(9), "responsible_person": "王", "responsible_phone": "12"}, None),
    ]
    for fields, field in cases:
        response = act(client, p.county, pk, "register", **fields)
        assert response.status_code == 422, (fields, response.content)
        assert response.json()["field"] == (field or "responsible_phone"), fields
    assert HiddenHazard.objects.get(pk=pk).state == "reported"
    assert HazardEvent.objects.filter(hazard_id=pk).count() == 1


# ---------------------------------------------------------------- (6) photos


def gps_jpeg(name: str = "gps.jpg") -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (30.0, 15.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (120.0, 9.0, 0.0),
    }
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 200)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_photo_endpoint_serves_only_the_hazards_own_photos_to_those_who_may_see_it(
    client, people, photo
):
    p = people
    first = file_report(client, p.grid, enterprise=str(p.factory.pk), photos=[photo()]).json()
    second = file_report(
        client, p.grid, enterprise=str(p.factory.pk), photos=[photo(colour=(1, 2, 3))]
    ).json()
    url = first["evidence"][0]["url"]
    other_photo = second["evidence"][0]["photo"]

    client.force_login(p.county)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")

    assert client.get(f"{URL}{first['id']}/photos/{other_photo}").status_code == 404
    assert client.get(f"{URL}{first['id']}/photos/not-a-uuid").status_code in (404, 422)
    for outsider in (p.other_county, p.other_manager):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(p.manager)
    response = client.get(url)
    assert response.status_code == 200


def test_photo_location_is_kept_only_when_the_reporter_allows_it(client, people):
    village = village_of().code
    kept = file_report(client, people.grid, region=village, photos=[gps_jpeg()], keep_location="on")
    assert kept.status_code == 201, kept.content
    evidence = kept.json()["evidence"][0]
    assert evidence["lat"] == pytest.approx(30.25) and evidence["lon"] == pytest.approx(120.15)
    dropped = file_report(client, people.grid, region=village, photos=[gps_jpeg("b.jpg")])
    assert "lon" not in dropped.json()["evidence"][0]


def test_evidence_needs_a_known_kind_and_a_photo(client, people, photo):
    pk = file_report(client, people.grid, enterprise=str(people.factory.pk)).json()["id"]
    client.force_login(people.manager)
    response = client.post(f"{URL}{pk}/evidence", {"kind": "selfie", "photo": [photo()]})
    assert response.status_code == 422 and response.json()["field"] == "kind"
    response = client.post(f"{URL}{pk}/evidence", {"kind": "rectification"})
    assert response.status_code == 422 and response.json()["field"] == "photo"
    client.force_login(people.other_manager)
    response = client.post(f"{URL}{pk}/evidence", {"kind": "rectification", "photo": [photo()]})
    assert response.status_code == 404


def test_criteria_for_pickers(client, people):
    client.force_login(people.grid)
    body = client.get(f"{URL}criteria", {"standard": "chemical"}).json()
    assert body["total"] == 20 and {c["standard"] for c in body["items"]} == {"chemical"}
    found = client.get(f"{URL}criteria", {"q": "可燃"}).json()
    assert found["total"] >= 1 and all(c["active"] for c in found["items"])
    response = client.get(f"{URL}criteria", {"standard": "iso9001"})
    assert response.status_code == 422 and response.json()["field"] == "standard"


# ---------------------------------------------------------------- (7) risk link


def test_a_major_hazard_raises_the_enterprise_risk_colour(client, people, criterion):
    assessing.assess(Selection(), reason="t")
    before = CurrentRisk.objects.get(enterprise=people.factory).colour
    other = CurrentRisk.objects.get(enterprise=people.other).colour
    assert before < 2
    pk = file_report(
        client,
        people.inspector,
        enterprise=str(people.factory.pk),
        grade="major",
        category="hazchem",
        title="罐区未设可燃气体检测报警",
    ).json()["id"]
    response = act(
        client,
        people.county,
        pk,
        "register",
        criterion=criterion.pk,
        deadline=in_days(60),
        responsible_person="李明",
    )
    assert response.status_code == 200
    assert CurrentRisk.objects.get(enterprise=people.factory).colour >= 2
    assert CurrentRisk.objects.get(enterprise=people.other).colour == other


def test_the_queue_reads_a_page_in_a_fixed_number_of_queries(
    client, people, django_assert_max_num_queries
):
    for n in range(6):
        file_report(client, people.grid, enterprise=str(people.factory.pk), title=f"隐患{n}")
    client.force_login(people.county)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.json()["total"] == 6

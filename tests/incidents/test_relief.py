"""Shelters and relief (issue 8, 转移安置): evacuation counts per village, evacuees assigned to the
nearest shelters with room within a distance and never over capacity, occupancy counted over
every open incident, relief met in 9 h on time and in 11 h overdue (flagged once, the county
told); bad and hostile input refused everywhere; the API and the incident page's panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import include, path
from django.utils import translation

from tests.incidents.conftest import NOW, accident
from yingji.core import jobs, schedule
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification
from yingji.incidents import panels, services
from yingji.incidents.models import Entry, Evacuation, Overdue, Placement, Relief
from yingji.incidents.relief_views import relief_panel, relief_urlpatterns
from yingji.incidents.services import relief
from yingji.registry.models.shelter import Shelter
from yingji.urls import urlpatterns as project_urls

pytestmark = pytest.mark.usefixtures("_english")
urlpatterns = [path("incidents/", include(relief_urlpatterns)), *project_urls]  # for the pages

SHANGBAO, BAOSHI, SHIHUIQIAO = "330106002051", "330106002052", "330106004053"  # 西湖区 villages
SB = (30.12802, 120.14010)  # 上保社区 (lat, lon); 宝石社区 is 2.7 km to the south-east
SH = (30.23492, 120.05699)  # 石灰桥社区, about 14 km north-west of 上保
OCCUPANCY = "/api/incidents/shelters/occupancy.geojson"


def shelter(code, capacity, lat, lon, region="330106002000", **extra):
    return Shelter.objects.create(
        code=code, name=f"避灾点{code}", level="village", kind="school", capacity=capacity,
        region_id=region, lat=lat, lon=lon, **extra,
    )  # fmt: skip


@pytest.fixture
def shelters(db):
    return {
        "S1": shelter("S1", 100, SB[0] + 0.005, SB[1]),  # 0.56 km from 上保, 2.7 from 宝石
        "S2": shelter("S2", 50, SB[0] + 0.03, SB[1]),  # 3.3 km from 上保, 4.7 from 宝石
        "S3": shelter("S3", 1000, SB[0] + 0.4, SB[1]),  # 44 km away
        "S4": shelter("S4", 1000, SB[0], SB[1] + 0.002, region="330108001001"),  # 滨江's
        "S5": shelter("S5", 1000, SB[0], SB[1], voided_at=NOW),  # voided
        "S6": shelter("S6", 40, SH[0] + 0.005, SH[1], region="330106004000"),  # by 石灰桥
    }


def flood(actor, hours_ago=0.5, region="330106002"):
    occurred = (NOW - dt.timedelta(hours=hours_ago)).isoformat()
    return accident(actor, event_type="flood", dead=0, seriously_injured=0, region=region,
                    title="山洪", occurred_at=occurred)  # fmt: skip


def told(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def used(code):
    return next(u for u in relief.occupancy() if u["shelter"].code == code)


def test_each_report_is_the_villages_current_total(offices):
    incident = flood(offices["county"])
    relief.report_evacuation(offices["grid"], incident.pk, SHANGBAO, 80)
    relief.report_evacuation(offices["grid"], incident.pk, SHANGBAO, "120")
    relief.report_evacuation(offices["grid"], incident.pk, BAOSHI, 60)
    figures = {code: n for code, (_v, n, _at) in relief.evacuated(incident).items()}
    assert figures == {SHANGBAO: 120, BAOSHI: 60}
    last = Entry.objects.filter(incident=incident, kind="evacuation").order_by("pk")[1]
    assert "120 people evacuated" in last.text and "was 80" in last.text
    assert AuditEntry.objects.filter(object_type="incidents.evacuation").count() == 3


def test_assignment_fills_the_nearest_shelters_never_over_capacity(offices, shelters):
    incident = flood(offices["county"])
    relief.report_evacuation(offices["grid"], incident.pk, SHANGBAO, 120)
    relief.report_evacuation(offices["grid"], incident.pk, BAOSHI, 60)
    with pytest.raises(Forbidden):
        relief.assign_shelters(offices["grid"], incident.pk)
    done = relief.assign_shelters(offices["county"], incident.pk, 10)
    # 上保 (the larger) first: S1 then S2; 宝石 takes what is left of S2; S6 is 17 km away
    got = {(p.village_id, p.shelter.code): p.people for p in done.placements}
    assert got == {(SHANGBAO, "S1"): 100, (SHANGBAO, "S2"): 20, (BAOSHI, "S2"): 30}
    assert (done.placed_total, done.unplaced_total, done.unplaced) == (150, 30, {BAOSHI: 30})
    s1, s2 = used("S1"), used("S2")
    assert (s1["occupied"], s1["percent"], s2["percent"]) == (100, 100.0, 100.0)
    assert used("S4")["occupied"] == used("S3")["occupied"] == 0  # another county's, too far
    assert "S5" not in {u["shelter"].code for u in relief.occupancy()}  # voided
    entry = Entry.objects.get(incident=incident, kind="shelter")
    assert "150 people placed in 2 shelters; 30 not placed" in entry.text
    assert entry.data["unplaced_by_village"] == {BAOSHI: 30}
    again = relief.assign_shelters(offices["county"], incident.pk, 10)  # the shelters are full
    assert (again.placed_total, again.unplaced) == (0, {BAOSHI: 30})
    assert Placement.objects.filter(incident=incident).count() == 3


def test_the_distance_limit_leaves_people_unplaced(offices, shelters):
    incident = flood(offices["county"])
    relief.report_evacuation(offices["grid"], incident.pk, SHANGBAO, 120)
    relief.report_evacuation(offices["grid"], incident.pk, BAOSHI, 60)
    done = relief.assign_shelters(offices["county"], incident.pk, 2)
    assert [(p.shelter.code, p.people) for p in done.placements] == [("S1", 100)]
    assert done.unplaced == {SHANGBAO: 20, BAOSHI: 60}


def test_occupancy_counts_every_open_incident_and_frees_places(offices, shelters):
    first = flood(offices["county"])
    relief.report_evacuation(offices["grid"], first.pk, SHANGBAO, 150)
    relief.assign_shelters(offices["county"], first.pk, 10)
    second = flood(offices["county"], region="330106004")
    relief.report_evacuation(offices["county"], second.pk, SHIHUIQIAO, 50)
    done = relief.assign_shelters(offices["county"], second.pk)  # S1, S2 are full with the first
    assert [(p.shelter.code, p.people) for p in done.placements] == [("S6", 40)]
    assert done.unplaced == {SHIHUIQIAO: 10}
    assert [used(c)["occupied"] for c in ("S1", "S2", "S6")] == [100, 50, 40]
    assert relief.occupancy("330106004")[0]["shelter"].code == "S6"
    placement = done.placements[0]
    relief.leave_shelter(offices["county"], second.pk, placement.pk)
    assert used("S6")["occupied"] == 0
    with pytest.raises(Conflict):
        relief.leave_shelter(offices["county"], second.pk, placement.pk)
    with pytest.raises(NotFound):  # a placement of another incident
        relief.leave_shelter(offices["county"], second.pk, Placement.objects.filter(
            incident=first).first().pk)  # fmt: skip
    services.add_report(offices["county"], first.pk, {"kind": "final", "description": "结束"})
    assert used("S1")["occupied"] == 0  # a closed incident holds no places
    assert relief.evacuated(second)[SHIHUIQIAO][1] == 10  # the 40 are no longer evacuated
    again = relief.assign_shelters(offices["county"], second.pk)  # S6 has room again
    assert [(p.shelter.code, p.people) for p in again.placements] == [("S6", 10)]


BAD_COUNTS = [
    (SHANGBAO, -1, "people"), (SHANGBAO, "-5", "people"), (SHANGBAO, 10**12, "people"),
    (SHANGBAO, "9" * 40, "people"), (SHANGBAO, 1.5, "people"), (SHANGBAO, True, "people"),
    (SHANGBAO, None, "people"), (SHANGBAO, [1], "people"), (SHANGBAO, "1\x00", "people"),
    (SHIHUIQIAO, 3463, "people"),  # population 1,154: over 3 ×
    (SHANGBAO + "\x00", 10, "village"), ("330106002", 10, "village"),  # a township
    ("33010600205x", 10, "village"), ("", 10, "village"), (["330106002051"], 10, "village"),
    (True, 10, "village"), ("999999999999", 10, "village"),
    ("330108001001", 10, "village"),  # 滨江's: outside the county office's jurisdiction
]  # fmt: skip


@pytest.mark.parametrize(("village", "people", "field"), BAD_COUNTS)
def test_bad_evacuation_counts_are_refused_naming_the_field(offices, village, people, field):
    incident = flood(offices["county"])
    with pytest.raises((InvalidInput, NotFound)) as refused:
        relief.report_evacuation(offices["county"], incident.pk, village, people)
    assert refused.value.field == field
    assert not Evacuation.objects.exists()


def test_evacuation_is_limited_to_the_incidents_county_and_the_jurisdiction(offices, make_user):
    incident = flood(offices["county"])
    with pytest.raises(InvalidInput, match="not in the incident's county"):
        relief.report_evacuation(offices["city"], incident.pk, "330108001001", 10)
    with pytest.raises(NotFound):
        relief.report_evacuation(offices["binjiang"], incident.pk, "330108001001", 10)
    with pytest.raises(NotFound):
        relief.report_evacuation(offices["county"], "1", SHANGBAO, 10)
    with pytest.raises(InvalidInput, match="3 × the population of 石灰桥社区"):
        relief.report_evacuation(offices["county"], incident.pk, SHIHUIQIAO, 5000)
    viewer = offices["viewer"]
    with pytest.raises(Forbidden):
        relief.report_evacuation(viewer, incident.pk, SHANGBAO, 10)
    with pytest.raises(InvalidInput) as refused:
        relief.assign_shelters(offices["county"], incident.pk, 500)
    assert refused.value.field == "max_km"
    for bad in (0, -3, float("nan"), "20", True):
        with pytest.raises(InvalidInput):
            relief.assign_shelters(offices["county"], incident.pk, bad)
    assert relief.report_evacuation(offices["county"], incident.pk, SHIHUIQIAO, 3462).people == 3462


# ---------------------------------------------------------------- relief and the 10 hours


def group(actor, incident, **changes):
    start = incident.occurred_at + dt.timedelta(hours=1)
    data = {"group": "上保社区转移群众", "people": 120, "needs": ["food", "water", "bedding"],
            "village": SHANGBAO, "started_at": start}  # fmt: skip
    data.update(changes)
    return relief.record_relief(actor, incident.pk, data)


def test_relief_met_in_9_hours_is_on_time_and_in_11_is_overdue_flagged_once(offices):
    incident = flood(offices["county"], hours_ago=12)
    on_time = group(offices["county"], incident, needs="饮用水，food、food")
    late = group(offices["county"], incident, group="宝石社区受灾群众", village=BAOSHI)
    waiting = group(offices["county"], incident, group="养老院老人", village=None, people=30)
    assert on_time.needs == "food,water" and late.needs == "food,water,bedding"
    at_nine = (incident.occurred_at + dt.timedelta(hours=9)).isoformat()
    nine = relief.relief_met(offices["county"], incident.pk, on_time.pk, at=at_nine)
    eleven = relief.relief_met(offices["county"], incident.pk, late.pk,
                               at=incident.occurred_at + dt.timedelta(hours=11))  # fmt: skip
    assert relief.timing(nine, incident, NOW).met_hours == 9.0
    assert not relief.timing(nine, incident, NOW).late
    assert relief.timing(eleven, incident, NOW).late
    assert "later than the 10-hour target" in Entry.objects.filter(kind="relief").last().text
    assert set(relief.relief_overdue(NOW)) == {late, waiting}
    assert relief.sweep(now=NOW) == {"relief": 2}
    assert relief.sweep(now=NOW + dt.timedelta(minutes=1)) == {"relief": 0}  # once
    flagged = set(Overdue.objects.values_list("what", flat=True))
    assert flagged == {f"relief:{late.pk}", f"relief:{waiting.pk}"}
    notes = told(offices["county"])
    assert sum("Relief overdue" in t for t in notes) == 2 and told(offices["binjiang"]) == []
    assert Entry.objects.filter(incident=incident, kind="overdue").count() == 2


def test_a_group_not_met_is_flagged_when_the_10_hours_pass(offices):
    incident = flood(offices["county"], hours_ago=0.5)  # due 9.5 h from now
    group(offices["county"], incident, started_at=None)
    assert relief.sweep(now=NOW + dt.timedelta(hours=9, minutes=29)) == {"relief": 0}
    assert relief.sweep(now=NOW + dt.timedelta(hours=9, minutes=31)) == {"relief": 1}
    assert relief.SWEEP_KIND in jobs.kinds() and relief.SWEEP_KIND in schedule.periods()


BAD_RELIEF = [
    ({"group": ""}, "group"), ({"group": "x" * 201}, "group"), ({"group": "a\x00b"}, "group"),
    ({"group": ["list"]}, "group"), ({"people": 0}, "people"), ({"people": "-3"}, "people"),
    ({"people": 10**9}, "people"), ({"people": 300_000}, "people"),  # over 3 × 上保's population
    ({"needs": []}, "needs"), ({"needs": "gold"}, "needs"), ({"needs": 7}, "needs"),
    ({"needs": ["food\x00"]}, "needs"), ({"village": "330108001001"}, "village"),
    ({"village": "330106002"}, "village"), ({"started_at": "yesterday"}, "started_at"),
    ({"started_at": (NOW + dt.timedelta(hours=3)).isoformat()}, "started_at"),
    ({"started_at": (NOW - dt.timedelta(days=30)).isoformat()}, "started_at"),
    ({"met_at": (NOW - dt.timedelta(hours=20)).isoformat()}, "met_at"),  # before it started
    ({"note": "n" * 501}, "note"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), BAD_RELIEF)
def test_bad_relief_records_are_refused_naming_the_field(offices, changes, field):
    incident = flood(offices["county"], hours_ago=12)
    with pytest.raises((InvalidInput, NotFound)) as refused:
        group(offices["county"], incident, **changes)
    assert refused.value.field == field
    assert not Relief.objects.exists()


def test_relief_needs_the_command_an_open_incident_and_is_met_once(offices):
    incident = flood(offices["county"], hours_ago=2)
    with pytest.raises(Forbidden):
        group(offices["grid"], incident)
    row = group(offices["county"], incident)
    before = (incident.occurred_at - dt.timedelta(hours=1)).isoformat()
    with pytest.raises(InvalidInput):  # met before the relief started
        relief.relief_met(offices["county"], incident.pk, row.pk, at=before)
    with pytest.raises(NotFound):
        relief.relief_met(offices["binjiang"], incident.pk, row.pk)
    other = flood(offices["county"])
    with pytest.raises(NotFound):
        relief.relief_met(offices["county"], other.pk, row.pk)
    relief.relief_met(offices["county"], incident.pk, row.pk, note="物资已发放")
    with pytest.raises(Conflict):
        relief.relief_met(offices["county"], incident.pk, row.pk)
    services.add_report(offices["county"], incident.pk, {"kind": "final", "description": "结束"})
    with pytest.raises(Conflict):
        group(offices["county"], incident)


# ---------------------------------------------------------------- the API


def as_(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def post(user, url, data=None):
    return as_(user).post(url, data or {}, content_type="application/json")


def test_the_api_reports_assigns_and_draws_the_shelters(offices, shelters):
    pk = flood(offices["county"]).pk
    base = f"/api/incidents/{pk}"
    made = post(offices["grid"], f"{base}/evacuations", {"village": SHANGBAO, "people": 120})
    assert made.status_code == 201 and made.json()["people"] == 120
    for body, field in [({"village": SHANGBAO, "people": "120"}, "people"),
                        ({"village": SHANGBAO, "people": -1}, "people"),
                        ({"village": SHANGBAO, "people": 5, "extra": 1}, "extra"),
                        ({"village": "330108001001", "people": 5}, "village")]:  # fmt: skip
        refused = post(offices["county"], f"{base}/evacuations", body)
        assert refused.status_code in (404, 422) and refused.json()["field"] == field
    assert post(offices["grid"], f"{base}/shelters/assign").status_code == 403
    assert post(offices["county"], f"{base}/shelters/assign", {"max_km": 1000}).status_code == 422
    done = post(offices["county"], f"{base}/shelters/assign", {"max_km": 10}).json()
    assert (done["placed"], done["unplaced"]) == (120, 0)
    assert post(offices["county"], f"{base}/shelters/assign").status_code == 409
    geo = as_(offices["county"]).get(OCCUPANCY).json()
    props = {f["properties"]["code"]: f["properties"] for f in geo["features"]}
    assert geo["type"] == "FeatureCollection" and set(props) == {"S1", "S2", "S3", "S6"}
    s1, s2 = props["S1"], props["S2"]
    assert (s1["occupied"], s1["percent"], s2["percent"]) == (100, 100.0, 40.0)
    theirs = as_(offices["binjiang"]).get(OCCUPANCY).json()
    assert [f["properties"]["code"] for f in theirs["features"]] == ["S4"]
    narrowed = as_(offices["city"]).get(f"{OCCUPANCY}?region=330106004")
    assert [f["properties"]["code"] for f in narrowed.json()["features"]] == ["S6"]
    bad = as_(offices["city"]).get(f"{OCCUPANCY}?region=abc")
    assert bad.status_code == 422 and bad.json()["field"] == "region"
    leave = post(offices["county"], f"{base}/placements/{done['placements'][0]['id']}/leave")
    assert leave.status_code == 200 and leave.json()["left_at"]
    assert Client().get(OCCUPANCY).status_code == 401


def test_the_api_records_relief_and_hides_other_counties(offices):
    incident = flood(offices["county"], hours_ago=3)
    base = f"/api/incidents/{incident.pk}"
    body = {"group": "上保社区转移群众", "people": 80, "needs": ["water", "food"],
            "village": SHANGBAO}  # fmt: skip
    made = post(offices["county"], f"{base}/relief", body)
    assert made.status_code == 201, made.content
    row = made.json()
    assert (row["needs"], row["state"]) == (["food", "water"], "open")
    assert row["hours_since_event"] == pytest.approx(3, abs=0.2)  # NOW is when the tests began
    cases = [({"needs": ["gold"]}, "needs"), ({"people": "80"}, "people"),
             ({"group": "a\x00b"}, "group"), ({"started_at": "soon"}, "started_at")]  # fmt: skip
    for changes, field in cases:
        refused = post(offices["county"], f"{base}/relief", {**body, **changes})
        assert refused.status_code == 422
        nul = any("\x00" in str(v) for v in changes.values())  # refused by the middleware
        assert refused.json()["field"] == (None if nul else field)
    met = post(offices["county"], f"{base}/relief/{row['id']}/met", {"note": "已安置"})
    assert met.status_code == 200 and met.json()["state"] == "met"
    assert met.json()["met_hours"] == pytest.approx(3, abs=0.2)
    assert post(offices["county"], f"{base}/relief/{row['id']}/met").status_code == 409
    assert post(offices["county"], f"{base}/relief/999999/met").status_code == 404
    listed = as_(offices["grid"]).get(f"{base}/relief").json()
    assert [g["group"] for g in listed["relief"]] == ["上保社区转移群众"]
    assert as_(offices["binjiang"]).get(f"{base}/relief").status_code == 404
    assert post(offices["binjiang"], f"{base}/relief", body).status_code == 404
    assert as_(offices["county"]).get(f"/api/incidents/{2**63}/relief").status_code in (404, 422)


# ---------------------------------------------------------------- the panel


@pytest.mark.urls("tests.incidents.test_relief")
def test_the_panel_is_registered_and_shows_villages_shelters_and_relief(offices, shelters, rf):
    assert relief_panel in panels.registered()
    incident = flood(offices["county"], hours_ago=12)
    relief.report_evacuation(offices["grid"], incident.pk, SHANGBAO, 120)
    relief.assign_shelters(offices["county"], incident.pk, 10)
    row = group(offices["county"], incident)
    request = rf.get("/")
    request.user = offices["binjiang"]
    template, context = relief_panel(request, incident)
    assert template == "incidents/_relief_panel.html" and context["r"]["totals"]["placed"] == 120
    assert [g["state"] for g in context["r"]["relief"]] == ["overdue"]
    page = as_(offices["county"]).get(f"/incidents/{incident.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="relief"' in html and "上保社区" in html
    assert "rl-map-data" in html and f'data-met="{row.pk}"' in html
    zh = as_(offices["county"])
    zh.cookies["django_language"] = "zh-hans"
    chinese = zh.get(f"/incidents/{incident.pk}/relief/panel/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("zh-hans"):
        relief.sweep(now=NOW)
    assert "转移安置与救助" in chinese.content.decode() and "距事发" in chinese.content.decode()
    assert "救助超时" in Entry.objects.filter(kind="overdue").get().text


@pytest.mark.urls("tests.incidents.test_relief")
def test_the_panel_forms_write_through_the_services(offices, shelters):
    incident = flood(offices["county"])
    base = f"/incidents/{incident.pk}/relief"
    grid = as_(offices["grid"])
    done = grid.post(f"{base}/evacuation/", {"village": SHANGBAO, "people": "１２０"}, follow=True)
    assert "Evacuation count recorded: 120 people." in done.content.decode()
    refused = grid.post(f"{base}/evacuation/", {"village": SHANGBAO, "people": "-1"}, follow=True)
    assert "(people)" in refused.content.decode() and Evacuation.objects.count() == 1
    county = as_(offices["county"])
    assert "120 people placed" in county.post(f"{base}/assign/", {"max_km": "10"},
                                              follow=True).content.decode()  # fmt: skip
    form = {"group": "转移群众", "people": "120", "needs": ["food", "water"], "village": SHANGBAO}
    county.post(f"{base}/groups/", form)
    row = Relief.objects.get()
    county.post(f"{base}/groups/{row.pk}/met/", {})
    row.refresh_from_db()
    assert row.met_at is not None
    placement = Placement.objects.first()
    county.post(f"{base}/placements/{placement.pk}/leave/")
    placement.refresh_from_db()
    assert placement.left_at is not None
    fragment = county.get(f"{base}/panel/")
    assert fragment.status_code == 200 and "转移群众" in fragment.content.decode()
    assert as_(offices["binjiang"]).get(f"{base}/panel/").status_code == 404
    assert as_(offices["binjiang"]).post(f"{base}/assign/").status_code == 404
    assert Client().post(f"{base}/assign/").status_code == 302  # to sign in

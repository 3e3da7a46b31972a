"""信息报送 (issue 8, done means 1 and 2): an accident is graded by Decree 493 from its first
report and re-graded by a 续报, which notifies the offices it must now reach; the reporting
time limits up the chain and for 续报 are flagged and notified once when missed (the tests
move the clock); bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.incidents.conftest import NOW, accident
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Notification
from yingji.incidents import services
from yingji.incidents.models import Entry, Incident, Overdue, Receipt, Report
from yingji.incidents.services import deadlines

pytestmark = pytest.mark.usefixtures("_english")


def told(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_an_accident_is_graded_on_its_first_report_and_the_county_is_told(
    offices, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = accident(offices["grid"])
    assert (incident.grade_name, incident.grade_decided_by) == ("较大", "seriously_injured")
    assert incident.code.startswith("330106-") and incident.category == "accident"
    assert Receipt.objects.get(incident=incident).level == "county"
    assert Report.objects.get(incident=incident).kind == "first"
    assert any("New incident reported" in t for t in told(offices["county"]))
    assert told(offices["binjiang"]) == []


def test_a_follow_up_raising_the_dead_to_10_regrades_it_and_tells_the_province(
    offices, django_capture_on_commit_callbacks
):
    incident = accident(offices["grid"])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.add_report(
            offices["county"], incident.pk, {"description": "死亡人数上升。", "dead": 10},
            now=NOW + dt.timedelta(hours=1),
        )  # fmt: skip
    incident.refresh_from_db()
    assert (report.kind, report.number, report.grade_after) == ("update", 2, 2)
    assert (incident.grade_name, incident.dead, incident.seriously_injured) == ("重大", 10, 10)
    assert incident.grade_raised_at == NOW + dt.timedelta(hours=1)
    assert any("Grade raised from 较大 to 重大" in t for t in told(offices["province"]))
    assert Entry.objects.filter(incident=incident, kind="grade").exists()
    chain = [limit.what for limit in deadlines.limits(incident)]
    assert chain[:4] == ["report:county", "report:city", "report:province", "report:ministry"]


def test_after_the_supplement_window_figures_are_recorded_but_the_grade_stays(offices):
    road = accident(offices["county"], event_type="road", dead=1, seriously_injured=0,
                    occurred_at=(NOW - dt.timedelta(days=9)).isoformat())  # fmt: skip
    services.add_report(offices["county"], road.pk, {"description": "伤者抢救无效。", "dead": 3},
                        now=NOW)  # fmt: skip
    road.refresh_from_db()
    assert (road.grade_name, road.dead) == ("一般", 1)  # the 7-day window has closed
    assert Report.objects.get(incident=road, number=2).dead == 3
    assert "after the 补报 window" in Entry.objects.filter(incident=road).latest("at", "pk").text


def test_report_limits_are_flagged_once_and_notified_when_missed(offices):
    incident = accident(offices["grid"])  # 较大: county → city → province
    city_due = NOW + dt.timedelta(hours=2)
    assert deadlines.sweep(now=city_due - dt.timedelta(minutes=1))["reports"] == 0
    assert deadlines.sweep(now=city_due + dt.timedelta(minutes=1))["reports"] == 1
    assert deadlines.sweep(now=city_due + dt.timedelta(minutes=2))["reports"] == 0  # once
    assert Overdue.objects.get(incident=incident).what == "report:city"
    assert any("Overdue: report to the city" in t for t in told(offices["city"]))
    assert any("Overdue" in t for t in told(offices["county"]))
    services.forward(offices["county"], incident.pk, now=city_due + dt.timedelta(minutes=5))
    province = next(x for x in deadlines.limits(incident) if x.what == "report:province")
    assert province.due == city_due + dt.timedelta(minutes=5) + dt.timedelta(hours=2)


def test_a_daily_follow_up_is_due_and_flagged_when_missing(offices):
    incident = accident(offices["county"], dead=0, seriously_injured=1)  # 一般
    services.forward(offices["county"], incident.pk, now=NOW + dt.timedelta(minutes=20))
    assert deadlines.sweep(now=NOW + dt.timedelta(hours=23))["updates"] == 0
    assert deadlines.sweep(now=NOW + dt.timedelta(hours=25))["updates"] == 1


def test_forwarding_goes_one_level_up_once_and_needs_an_office(offices):
    incident = accident(offices["grid"])
    services.forward(offices["county"], incident.pk)
    with pytest.raises(Conflict):
        services.forward(offices["county"], incident.pk)
    services.forward(offices["city"], incident.pk)
    assert set(Receipt.objects.filter(incident=incident).values_list("level", flat=True)) == {
        "county", "city", "province"}  # fmt: skip
    with pytest.raises(Forbidden):
        services.forward(offices["grid"], incident.pk)
    with pytest.raises(NotFound):
        services.forward(offices["binjiang"], incident.pk)


def test_other_incidents_are_graded_by_the_duty_officer(offices):
    flood = accident(offices["county"], event_type="flood", dead=0, seriously_injured=0)
    assert flood.grade is None
    services.set_grade(offices["county"], flood.pk, 1, "淹没农田较大")
    flood.refresh_from_db()
    assert flood.grade_name == "较大" and flood.first_reach == 3
    hazchem = accident(offices["county"])
    with pytest.raises(Conflict):
        services.set_grade(offices["county"], hazchem.pk, 3)
    with pytest.raises(InvalidInput):
        services.set_grade(offices["county"], flood.pk, 2, "a\x00b")
    services.add_report(offices["county"], flood.pk, {"kind": "final", "description": "结束"})
    with pytest.raises(Conflict):
        services.set_grade(offices["county"], flood.pk, 2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": (NOW + dt.timedelta(hours=2)).isoformat()}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"dead": -1}, "dead"),
        ({"dead": "2.5"}, "dead"),
        ({"dead": True}, "dead"),
        ({"dead": "²"}, "dead"),  # a superscript digit is a digit to Python, not a count
        ({"event_type": ["hazchem"]}, "event_type"),
        ({"direct_loss_yuan": "1e20"}, "direct_loss_yuan"),
        ({"direct_loss_yuan": "NaN"}, "direct_loss_yuan"),
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"event_type": "alien"}, "event_type"),
        ({"region": "330108"}, "region"),  # another county
        ({"region": "33"}, "region"),  # not a county
        ({"region": "99999999"}, "region"),
        ({"lon": 150, "lat": 30}, "lon"),
        ({"title": ["not", "text"]}, "title"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_created(offices, changes, field):
    with pytest.raises((InvalidInput, NotFound)) as refused:
        accident(offices["county"], **changes)
    assert refused.value.field == field
    assert not Incident.objects.exists() and not Report.objects.exists()


def test_a_grid_worker_cannot_close_and_a_closed_incident_takes_no_report(offices):
    incident = accident(offices["grid"])
    with pytest.raises(Forbidden):
        services.add_report(offices["grid"], incident.pk, {"kind": "final", "description": "x"})
    services.add_report(
        offices["county"], incident.pk, {"kind": "final", "description": "处置完毕"}
    )
    with pytest.raises(Conflict):
        services.add_report(offices["county"], incident.pk, {"description": "再报"})


@pytest.fixture
def gas_alarm(offices, xihu_staff):
    from tests.monitoring.conftest import XIHU_STATION, post, sensor_row, station_row
    from yingji.core.registry import services as registry
    from yingji.monitoring.models import Alarm
    from yingji.monitoring.specs import SENSORS, STATIONS

    registry.create(actor=xihu_staff, spec=STATIONS, data=station_row())
    gas = f"{XIHU_STATION}-G1"
    registry.create(actor=xihu_staff, spec=SENSORS, data=sensor_row(
        gas, type="可燃气体", unit="%LEL", expected_interval_s=5))  # fmt: skip
    gateway = offices["grid"]
    gateway.is_machine = True
    gateway.save(update_fields=["is_machine"])
    start = int(NOW.timestamp()) - 600
    post(gateway, gas, [(start, 5.0), (start + 5, 60.0)])
    return Alarm.objects.get(sensor__code=gas)


def test_an_alarm_starts_a_report_with_its_place_time_and_figures(offices, gas_alarm):
    alarm = gas_alarm
    incident = services.report_from_alarm(
        offices["county"], alarm.pk, {"event_type": "hazchem", "description": "现场核实中"}
    )
    assert incident.source == "alarm" and incident.source_alarm_id == alarm.pk
    assert incident.occurred_at == alarm.started_at and incident.region_path.startswith("330106")
    assert "超阈值" in incident.description and "现场核实中" in incident.description
    with pytest.raises(NotFound):
        services.report_from_alarm(offices["binjiang"], alarm.pk, {"event_type": "hazchem"})
    for bad in ("x", "1" * 40, True, None):
        with pytest.raises(InvalidInput):
            services.report_from_alarm(offices["county"], bad, {"event_type": "hazchem"})


def test_the_alarm_page_leads_to_a_prefilled_report_form(offices, gas_alarm, client):
    client.force_login(offices["county"])
    assert f"/incidents/new/?alarm={gas_alarm.pk}" in client.get(
        f"/monitoring/alarms/{gas_alarm.pk}/").content.decode()  # fmt: skip
    form = client.get(f"/incidents/new/?alarm={gas_alarm.pk}").content.decode()
    assert f'name="alarm" value="{gas_alarm.pk}"' in form and "超阈值" in form
    answer = client.post("/incidents/new/", {
        "alarm": str(gas_alarm.pk), "event_type": "hazchem", "region": "330106",
        "occurred_at": "", "description": "超阈值：现场核实中", "dead": "0"})  # fmt: skip
    assert answer.status_code == 302
    incident = Incident.objects.get()
    assert incident.source == "alarm" and incident.source_alarm_id == gas_alarm.pk
    assert client.get("/incidents/new/?alarm=999999").status_code == 404


def test_the_api_files_a_report_from_an_alarm(offices, gas_alarm, client):
    client.force_login(offices["county"])
    made = client.post("/api/incidents/from-alarm", {"alarm": gas_alarm.pk,
                       "event_type": "hazchem", "description": "核实中"},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201 and made.json()["source"] == "alarm"
    for bad in ({"alarm": "1", "description": "x"}, {"alarm": 10**20, "description": "x"},
                {"alarm": gas_alarm.pk}, {"alarm": gas_alarm.pk, "description": "x",
                                          "extra": 1}):  # fmt: skip
        answer = client.post("/api/incidents/from-alarm", bad, content_type="application/json")
        assert answer.status_code == 422
    assert Incident.objects.count() == 1


def test_the_supplement_window_counts_down_and_is_never_flagged(offices):
    road = accident(offices["county"], event_type="road", dead=1, seriously_injured=0)
    (window,) = [x for x in deadlines.limits(road) if x.what == "window"]
    assert (window.due - road.occurred_at) > dt.timedelta(days=7)
    assert (window.due - road.occurred_at) <= dt.timedelta(days=8)
    services.forward(offices["county"], road.pk, now=NOW + dt.timedelta(minutes=10))
    late = window.due + dt.timedelta(days=1)
    deadlines.sweep(now=late)
    assert not Overdue.objects.filter(incident=road, what="window").exists()
    flood = accident(offices["county"], event_type="flood", dead=0, seriously_injured=0)
    assert "window" not in [x.what for x in deadlines.limits(flood)]

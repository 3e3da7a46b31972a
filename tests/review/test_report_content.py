"""复盘 report figures and gaps (issue 10, review): a small event built by hand in 杭州市 with
known times, and the report's figures compared with the expectation worked out here."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.alerts.measures import measures
from yingji.alerts.models import Ack, Area, Delivery, MsgType, Warning
from yingji.incidents.models import (
    DispatchOrder,
    Evacuation,
    Incident,
    Placement,
    Receipt,
    Relief,
    Status,
)
from yingji.monitoring.models import Alarm, Sensor, Station
from yingji.regions.models import Level, Region
from yingji.registry.models.rescue import RescueForce
from yingji.registry.models.shelter import Shelter
from yingji.review import report
from yingji.review.report import event

T0 = (timezone.now() - dt.timedelta(days=2)).replace(second=0, microsecond=0)
_serial = itertools.count(1)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def region(path: str) -> Region:
    return Region.objects.get(path=path)


def village(county: str, n: int = 0) -> Region:
    return Region.objects.filter(level=Level.VILLAGE, path__startswith=county).order_by("path")[n]


def make_warning(
    author,
    sender: str,
    *,
    issued: float,
    onset: float | None,
    level: int,
    area: str | None = None,
    msg_type: str = MsgType.ALERT,
) -> Warning:
    made = Warning.objects.create(
        event_type="rainstorm",
        level=level,
        headline="暴雨预警",
        description="测试",
        expires=at(issued + 600),
        sender=region(sender),
        region_path=sender,
        drafted_by=author,
        state="issued",
        issued_at=at(issued),
        onset=None if onset is None else at(onset),
        msg_type=msg_type,
        identifier=f"33000041600000{next(_serial):04d}",
    )
    Area.objects.create(warning=made, description="区", region=region(area or sender))
    return made


def people(warning: Warning, county: str, answered: int, total: int, delivered: int) -> None:
    """``total`` 叫应 rows in villages of ``county``; an SMS each, ``delivered`` of them."""
    for i in range(total):
        path = village(county, i).path
        n = next(_serial)
        Ack.objects.create(
            warning=warning,
            contact_id=n,
            region_path=path,
            due_at=warning.issued_at + dt.timedelta(minutes=30),
            acked_at=warning.issued_at + dt.timedelta(minutes=5 + i) if i < answered else None,
        )
        Delivery.objects.create(
            warning=warning,
            contact_id=n,
            region_path=path,
            channel="sms",
            address=f"1390{n:07d}",
            text="x",
            state="delivered" if i < delivered else "dead",
            next_at=warning.issued_at,
            created_at=warning.issued_at,
            sent_at=warning.issued_at if i < delivered else None,
            delivered_at=warning.issued_at + dt.timedelta(minutes=2) if i < delivered else None,
        )
    # a 叫应 reminder to a boss is not the warning's own message and is not counted
    Delivery.objects.create(
        warning=warning,
        region_path=village(county).path,
        channel="sms",
        address="13900000000",
        text="x",
        state="delivered",
        next_at=warning.issued_at,
        created_at=warning.issued_at,
        purpose="escalation:1:1",
    )


def build_event(author) -> dict[str, Any]:
    """The event: 杭州市 around T0. Returns the objects the tests look at."""
    w1 = make_warning(author, "330106", issued=-120, onset=0, level=2)  # lead 120
    people(w1, "330106", answered=3, total=4, delivered=3)
    w2 = make_warning(author, "330108", issued=-30, onset=0, level=1)  # lead 30: a gap
    people(w2, "330108", answered=2, total=2, delivered=2)
    make_warning(author, "330106", issued=-10, onset=0, level=3, msg_type=MsgType.UPDATE)
    make_warning(author, "330206", issued=-60, onset=0, level=3)  # 宁波: another region
    make_warning(author, "330106", issued=-60 * 24 * 40, onset=0, level=0)  # before the window
    station = Station.objects.create(
        code=f"33-RAIN-330106-{next(_serial):03d}",
        name="西湖雨量站",
        kind="rain",
        region=village("330106"),
    )
    sensor = Sensor.objects.create(
        code=f"{station.code}-R1", station=station, type="rain", unit="mm", expected_interval_s=300
    )
    alarm = Alarm.objects.create(
        sensor=sensor,
        rule="rainstorm",
        region_path=station.region_path,
        level=2,
        peak=2,
        levels=[[2, int(at(-200).timestamp())]],
        started_at=at(-200),
        last_at=at(-100),
        acknowledged_at=at(-185),
        acknowledged_by=author,
        disposition="real",
        disposed_at=at(-180),
    )
    incident = Incident.objects.create(
        region=village("330106"),
        code=f"SJ-R-{next(_serial):05d}",
        title="西湖区山洪",
        category="natural",
        event_type="typhoon",
        occurred_at=T0,
        description="测试",
        grade=0,
        source="web",
        reported_by=author,
        reported_at=at(90),
        status=Status.CLOSED,
        closed_at=at(60 * 20),
    )
    Receipt.objects.create(incident=incident, level="county", received_at=at(90))  # 30 min late
    Receipt.objects.create(incident=incident, level="city", received_at=at(150))  # on time
    slow = RescueForce.objects.create(
        region=region("330106"),
        code=f"JY-R-{next(_serial):04d}",
        name="西湖消防救援站",
        kind="fire",
        level="county",
        members=20,
        readiness="standby",
    )
    quick = RescueForce.objects.create(
        region=region("330106"),
        code=f"JY-R-{next(_serial):04d}",
        name="蓝天救援队",
        kind="social",
        level="county",
        members=12,
        readiness="standby",
    )
    for force, on_scene in ((slow, 175), (quick, 140)):
        DispatchOrder.objects.create(
            incident=incident,
            force=force,
            status="released",
            km=12,
            eta_minutes=30,
            dispatched_at=at(100),
            dispatched_by=author,
            on_scene_at=at(on_scene),
            released_at=at(600),
        )
    a, b = village("330106", 0), village("330106", 1)
    Evacuation.objects.create(
        incident=incident, village=a, people=120, reported_at=at(120), by=author
    )
    Evacuation.objects.create(
        incident=incident, village=a, people=150, reported_at=at(240), by=author
    )
    Evacuation.objects.create(
        incident=incident, village=b, people=80, reported_at=at(200), by=author
    )
    small = Shelter.objects.create(
        region=a,
        code=f"BN-R-{next(_serial):04d}",
        name="村文化礼堂",
        level="village",
        kind="hall",
        capacity=100,
    )
    big = Shelter.objects.create(
        region=b,
        code=f"BN-R-{next(_serial):04d}",
        name="镇中学",
        level="township",
        kind="school",
        capacity=500,
    )
    Placement.objects.create(
        incident=incident,
        village=a,
        shelter=small,
        people=90,
        km=1,
        at=at(300),
        by=author,
        left_at=at(900),
    )
    Placement.objects.create(
        incident=incident, village=a, shelter=small, people=60, km=1, at=at(320), by=author
    )  # 150 at once in room for 100
    Placement.objects.create(
        incident=incident, village=b, shelter=big, people=80, km=2, at=at(300), by=author
    )
    reliefs = [
        Relief.objects.create(
            incident=incident,
            group=group,
            village=a,
            people=n,
            needs="food,water",
            started_at=at(60),
            met_at=None if hours is None else at(hours * 60),
            by=author,
        )
        for group, n, hours in (("山脚组", 40, 12), ("溪边组", 30, 6), ("老人组", 10, None))
    ]
    return {
        "w1": w1,
        "w2": w2,
        "alarm": alarm,
        "incident": incident,
        "reliefs": reliefs,
        "small": small,
    }


def hangzhou_event() -> event.Event:
    return event.Event(region("3301"), at(-60 * 24), at(60 * 24), "台风复盘测试")


@pytest.fixture
def city(make_user):
    return make_user("hz_review_rr", "3301", "city_staff")


@pytest.fixture
def built(city) -> dict[str, Any]:
    return build_event(city)


def test_figures_equal_the_expectation(city, built):
    facts = report.build(city, hangzhou_event())
    hz_counties = Region.objects.filter(level=Level.COUNTY, path__startswith="3301").count()
    assert list(facts["units"]) == sorted(facts["units"]) and len(facts["units"]) == hz_counties
    by_pk = {w["pk"]: w for w in facts["warnings"]}
    assert len(by_pk) == 3  # two alerts and the update; not 宁波, not before the window
    w1, w2 = by_pk[built["w1"].pk], by_pk[built["w2"].pk]
    assert (w1["lead"], w2["lead"]) == (120.0, 30.0)
    assert w1["units"] == ["330106"] and w2["units"] == ["330108"]
    assert (w1["people"], w1["answered"], w1["ack_rate"]) == (4, 3, 0.75)
    assert (w1["messages"], w1["delivered"], w1["dead"]) == (4, 3, 1)  # the reminder not counted
    units = {u["path"]: u for u in facts["by_unit"]}
    assert units["330106"]["levels"] == [0, 0, 1, 1] and units["330106"]["warnings"] == 2
    assert units["330108"]["levels"] == [0, 1, 0, 0] and units["330108"]["min_lead"] == 30.0
    assert (units["330108"]["people"], units["330108"]["ack_rate"]) == (2, 1.0)
    assert facts["alarms"]["total"] == 1 and facts["alarms"]["rows"][0]["ack_minutes"] == 15.0
    [inc] = facts["incidents"]
    assert inc["report_minutes"] == 90.0
    assert [(m["what"], m["late_minutes"]) for m in inc["missed"]] == [("report:county", 30.0)]
    arrivals = sorted(d["arrival_minutes"] for d in facts["dispatch"])
    assert arrivals == [40.0, 75.0] and {d["dispatch_minutes"] for d in facts["dispatch"]} == {
        100.0
    }
    assert facts["evacuation"]["total"] == 230  # the latest figure of each village
    shelters = {s["name"]: s for s in facts["shelters"]}
    assert (shelters["村文化礼堂"]["peak"], shelters["村文化礼堂"]["overflow"]) == (150, 50)
    assert shelters["镇中学"]["overflow"] == 0
    assert [r["hours"] for r in facts["relief"]] == [12.0, 6.0, None]
    assert [r["late"] for r in facts["relief"]] == [True, False, True]


def test_the_figures_agree_with_the_warning_page(city, built):
    """The report's per-warning figures are the warning page's (alerts.measures)."""
    facts = report.build(city, hangzhou_event())
    for key in ("w1", "w2"):
        mine = next(w for w in facts["warnings"] if w["pk"] == built[key].pk)
        theirs = measures(built[key])
        assert mine["lead"] == theirs["lead_time_minutes"]
        assert (mine["people"], mine["answered"]) == (theirs["recipients"], theirs["acknowledged"])
        assert mine["ack_rate"] == theirs["ack_rate"]
        assert mine["messages"] == theirs["messages"]
        assert mine["delivered"] == sum(c["delivered"] for c in theirs["channels"])


def test_gaps_name_the_units_that_missed(city, built):
    facts = report.build(city, hangzhou_event())
    gaps = facts["gaps"]

    def of(kind: str) -> list[dict[str, Any]]:
        return [g for g in gaps if g["kind"] == kind]

    assert [(g["unit"], g["county"]) for g in of("lead")] == [("滨江区", "330108")]
    assert "30.0" in of("lead")[0]["figure"]
    uncovered = {g["county"] for g in of("coverage")}
    expected = set(
        Region.objects.filter(level=Level.COUNTY, path__startswith="3301").values_list(
            "path", flat=True
        )
    ) - {"330106", "330108"}
    assert uncovered == expected
    assert [(g["unit"], g["figure"]) for g in of("ack")] == [("西湖区", "75.0%")]
    assert len(of("report")) == 1 and "30 min late" in of("report")[0]["figure"]
    assert [g["unit"] for g in of("relief")] == [
        f"山脚组（{built['reliefs'][0].village.name}）",
        f"老人组（{built['reliefs'][2].village.name}）",
    ]
    assert [(g["unit"], g["figure"]) for g in of("dispatch")] == [("西湖消防救援站", "75 min")]
    assert [(g["unit"], g["figure"]) for g in of("shelter")] == [("村文化礼堂", "+50")]
    counts = {g["kind"]: g["count"] for g in facts["gap_summary"]}
    assert counts == {
        "lead": 1,
        "coverage": len(expected),
        "ack": 1,
        "report": 1,
        "relief": 2,
        "dispatch": 1,
        "shelter": 1,
    }


def test_a_county_user_sees_only_the_county(make_user, city, built):
    xihu = make_user("xihu_review_rr", "330106", "county_staff")
    facts = report.build(xihu, event.Event(region("330106"), at(-1440), at(1440), "西湖"))
    assert [w["pk"] for w in facts["warnings"] if w["alert"]] == [built["w1"].pk]
    assert list(facts["units"]) == ["330106"]
    binjiang = make_user("bj_review_rr", "330108", "county_staff")
    facts = report.build(binjiang, event.Event(region("330108"), at(-1440), at(1440), "滨江"))
    assert facts["incidents"] == [] and facts["alarms"]["total"] == 0
    assert [w["pk"] for w in facts["warnings"]] == [built["w2"].pk]


def test_an_incident_event_is_its_county_around_it(make_user, city, built):
    found = event.from_params(city, {"incident": str(built["incident"].pk)})
    assert found.region.path == "330106" and found.incident_id == built["incident"].pk
    assert found.start == T0 - dt.timedelta(days=1) and found.end == at(60 * 20)
    facts = report.build(city, found)
    assert [i["pk"] for i in facts["incidents"]] == [built["incident"].pk]
    township = make_user("town_review_rr", built["incident"].region_path[:9], "township_staff")
    found = event.from_params(township, {"incident": str(built["incident"].pk)})
    assert found.region.path == built["incident"].region_path[:9]
    assert report.build(township, found)["units"] == {found.region.path: found.region.name}


def test_queries_do_not_grow_with_warnings_or_counties(city, built):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            report.build(city, hangzhou_event())
        return len(queries)

    before = count()
    for i in range(5):
        w = make_warning(city, "330110", issued=-40 - i, onset=0, level=1)
        people(w, "330110", answered=1, total=2, delivered=1)
    assert count() == before

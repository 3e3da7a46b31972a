"""Review tests: offices at three levels around 西湖区 and small builders for the records each
indicator counts (created through the ORM: the cockpit reads them, it does not write them)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone, translation

from yingji.accidents.models import Accident, Evaluation, Investigation, RegionEconomy
from yingji.alerts.models import Ack, Warning
from yingji.enforcement.models.inspections import Finding, InspectionItem, InspectionTask
from yingji.incidents.models import Incident
from yingji.incidents.relief_models import Relief
from yingji.plans.models import Action, Plan, PlanRole
from yingji.regions.models import Region
from yingji.registry.models.people import Volunteer
from yingji.registry.models.rescue import RescueForce
from yingji.registry.models.shelter import Shelter

TODAY = timezone.localdate()
NOW = timezone.now().replace(microsecond=0)
_serial = itertools.count(1)


def region(path: str) -> Region:
    return Region.objects.get(path=path)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def offices(make_user):
    return {
        "province": make_user("zj_review", "33", "province_staff"),
        "city": make_user("hz_review", "3301", "city_staff"),
        "county": make_user("xihu_review", "330106", "county_staff"),
        "binjiang": make_user("bj_review", "330108", "county_staff"),
        "viewer": make_user("xihu_reader", "330106", "viewer"),
        "township": make_user("bs_review", "330106002", "township_staff"),
    }


def warning(path: str, author, *, lead_minutes: float, event_type: str = "rainstorm",
            issued: dt.datetime | None = None, **changes: Any) -> Warning:  # fmt: skip
    issued = issued or NOW - dt.timedelta(days=3)
    data = {
        "event_type": event_type, "level": 1, "headline": "暴雨黄色预警", "description": "测试",
        "expires": issued + dt.timedelta(hours=12), "sender": region(path), "region_path": path,
        "drafted_by": author, "state": "issued", "issued_at": issued,
        "onset": issued + dt.timedelta(minutes=lead_minutes),
    }  # fmt: skip
    data.update(changes)
    return Warning.objects.create(**data)


def ack(warn: Warning, path: str, *, answered: bool) -> Ack:
    return Ack.objects.create(
        warning=warn, contact_id=next(_serial), region_path=path, due_at=NOW,
        acked_at=NOW if answered else None,
    )  # fmt: skip


def incident(path: str, author, *, occurred: dt.datetime, **changes: Any) -> Incident:
    data = {
        "region": region(path), "code": f"SJ-T-{next(_serial):05d}", "title": "测试事件",
        "category": "natural", "event_type": "typhoon", "occurred_at": occurred,
        "description": "测试",
        "source": "web", "reported_by": author, "reported_at": occurred,
    }  # fmt: skip
    data.update(changes)
    return Incident.objects.create(**data)


def relief(inc: Incident, author, village: str | None, *, met_after_hours: float | None) -> Relief:
    met = None if met_after_hours is None else inc.occurred_at + dt.timedelta(hours=met_after_hours)
    return Relief.objects.create(
        incident=inc, group="转移群众", village=region(village) if village else None, people=10,
        needs="food,water", started_at=inc.occurred_at, met_at=met, by=author,
    )  # fmt: skip


def force(path: str, *, kind: str = "fire", members: int = 10, **changes: Any) -> RescueForce:
    data = {"region": region(path), "code": f"JY-T-{next(_serial):05d}", "name": "测试队伍",
                "kind": kind, "level": "county", "members": members,
                "readiness": "standby"}  # fmt: skip
    data.update(changes)
    return RescueForce.objects.create(**data)


def volunteer(path: str, **changes: Any) -> Volunteer:
    n = next(_serial)
    data = {"region": region(path), "code": f"ZY-T-{n:05d}", "name": "志愿者",
                "phone": f"139{n:08d}", "availability": "available"}  # fmt: skip
    data.update(changes)
    return Volunteer.objects.create(**data)


def shelter(path: str, *, standardised: bool, visualised: bool = True, level: str = "village",
            **changes: Any) -> Shelter:  # fmt: skip
    data = {"region": region(path), "code": f"BN-T-{next(_serial):05d}", "name": "避灾点",
                "level": level, "kind": "hall", "capacity": 100, "standardised": standardised,
                "visualised": visualised}  # fmt: skip
    data.update(changes)
    return Shelter.objects.create(**data)


def plan(path: str, *, structured: bool, status: str = "current") -> Plan:
    made = Plan.objects.create(
        code=f"YA-T-{next(_serial):05d}", title="测试预案", kind="special", scope="测试",
        event_types="typhoon", region=region(path), status=status, created_at=NOW,
    )  # fmt: skip
    if structured:
        PlanRole.objects.create(plan=made, name="指挥长")
        Action.objects.create(plan=made, from_level=0, title="启动会商", role="指挥长")
    return made


def task(enterprise, *, kind: str = "random", state: str = "completed", phone: str = "",
         completed: dt.datetime | None = None) -> InspectionTask:  # fmt: skip
    """``phone``: "start" (started on the phone with its position), "finding" (a finding with
    its position) or "" (entered at a desk)."""
    item = InspectionItem.objects.first() or InspectionItem.objects.create(
        code="ZJ-T-001", name="测试检查事项", legal_basis="《安全生产法》", region=region("33"),
        share=0.05, checklist=[{"id": "1", "text": "测试", "basis": "测试"}],
    )  # fmt: skip
    made = InspectionTask.objects.create(
        code=f"JC-T-{next(_serial):05d}", kind=kind, item=item, enterprise=enterprise,
        region_path=enterprise.region_path, due_on=TODAY, state=state,
        completed_at=(completed or NOW - dt.timedelta(days=5)) if state == "completed" else None,
        start_lat=30.2 if phone == "start" else None, start_lon=120.1 if phone == "start" else None,
    )  # fmt: skip
    located = phone == "finding"
    Finding.objects.create(
        task=made, point_id="1", point_text="测试", compliant=True,
        lat=30.2 if located else None, lon=120.1 if located else None,
    )  # fmt: skip
    return made


def accident(path: str, *, dead: int = 0, closed: bool = False, evaluated: bool = False,
             occurred: dt.datetime | None = None) -> Accident:  # fmt: skip
    made = Accident.objects.create(
        region=region(path), code=f"SG-T-{next(_serial):05d}", title="测试事故", summary="测试",
        occurred_at=occurred or NOW - dt.timedelta(days=10), accident_type="other", dead=dead,
    )  # fmt: skip
    if closed:
        Investigation.objects.create(
            accident=made, level="county", office="区应急管理局", office_path=path[:6],
            started_on=TODAY, due_on=TODAY, state="closed",
        )  # fmt: skip
    if evaluated:
        Evaluation.objects.create(
            accident=made, evaluated_on=TODAY, evaluator="市应急管理局",
            measures_implemented="all", score=90, conclusion="测试",
        )  # fmt: skip
    return made


def gdp(path: str, year: int, value: str) -> RegionEconomy:
    return RegionEconomy.objects.create(region=region(path), year=year, gdp_100m_yuan=value,
                                        source="测试")  # fmt: skip

"""The demo plan library, the people of the province and of two counties, and incidents."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from yingji.incidents import services as incidents
from yingji.plans import demo
from yingji.plans.models import Plan, Status

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def library(db):
    demo.load()
    return {p.code: p for p in Plan.objects.filter(status=Status.CURRENT)}


@pytest.fixture
def people(make_user):
    return SimpleNamespace(
        province=make_user("zj_staff", "33", "province_staff", "duty_officer"),
        county=make_user("xihu_staff", "330106", "county_staff"),
        duty=make_user("xihu_duty", "330106", "duty_officer"),
        other=make_user("binjiang_staff", "330108", "county_staff"),
        viewer=make_user("viewer", "33", "viewer"),
    )


@pytest.fixture
def make_incident(people):
    def make(event_type="typhoon", region="330106002", actor=None, **changes):
        data = {
            "event_type": event_type, "region": region, "title": "台风“示例”影响西湖区",
            "occurred_at": (NOW - dt.timedelta(hours=1)).isoformat(),
            "description": "台风外围影响，局地出现强降雨和大风。",
        }  # fmt: skip
        data.update(changes)
        return incidents.report_incident(actor or people.county, data, now=NOW)

    return make


def county_plan(actor, code="XH-FXFT", **changes):
    """A county plan of 西湖区: Ⅳ and Ⅲ defined, three actions."""
    from yingji.plans import services

    data = {
        "code": code, "title": "西湖区防汛防台应急预案", "kind": "special",
        "scope": "西湖区行政区域内台风、洪涝灾害的应对。", "event_types": ["typhoon", "flood"],
        "condition_iv": "预报台风影响西湖区", "condition_iii": "台风严重影响西湖区",
        "roles": [{"name": "指挥长", "duties": "统一指挥"}, {"name": "转移安置组"}],
        "actions": [
            {"from_level": 0, "title": "加强值班", "role": "指挥长", "offset_minutes": 0},
            {"from_level": 0, "title": "巡查山塘", "role": "转移安置组", "offset_minutes": 120},
            {"from_level": 1, "title": "转移人员", "role": "转移安置组", "offset_minutes": 60,
             "priority": 0},
        ],
    }  # fmt: skip
    data.update(changes)
    return services.create_draft(actor, data, now=NOW)

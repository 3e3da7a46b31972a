"""Warning tests: three people of 西湖区 (drafter, reviewer, issuer, plus one holding all three
roles and one of 滨江区), a ready-to-submit draft, and messages checked in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from yingji.alerts import services

NOW = timezone.now()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(make_user):
    return {
        "duty": make_user("xihu_duty", "330106", "duty_officer"),
        "reviewer": make_user("xihu_reviewer", "330106", "warning_reviewer"),
        "issuer": make_user("xihu_issuer", "330106", "warning_issuer"),
        "both": make_user(
            "xihu_both", "330106", "duty_officer", "warning_reviewer", "warning_issuer"
        ),
        "binjiang": make_user("binjiang_duty", "330108", "duty_officer"),
    }


def draft(actor, **changes):
    data = {
        "event_type": "rainstorm", "level": 2, "headline": "西湖区暴雨橙色预警",
        "description": "预计未来3小时西湖区降雨量将达50毫米以上。",
        "onset": NOW.isoformat(), "expires": (NOW + dt.timedelta(hours=6)).isoformat(),
        "areas": [{"region": "330106", "description": "西湖区"}],
    }  # fmt: skip
    data.update(changes)
    return services.create_draft(actor, data)

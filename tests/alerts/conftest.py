"""Warning tests: three people of 西湖区 (drafter, reviewer, issuer, plus one holding all three
roles and one of 滨江区), a ready-to-submit draft, and messages checked in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from tests.monitoring.conftest import XIHU_STATION, post, sensor_row, station_row
from yingji.alerts import services
from yingji.core.registry import services as registry
from yingji.monitoring.models import Alarm
from yingji.monitoring.specs import SENSORS, STATIONS
from yingji.regions.models import Region
from yingji.registry.models.people import Contact

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
        "viewer": make_user("xihu_viewer", "330106", "viewer"),
        "binjiang": make_user("binjiang_duty", "330108", "duty_officer"),
        "company": make_user("xihu_company", "330106002", "enterprise_user"),
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


def through(warning, people):
    """Submit, review and issue ``warning`` with three different people."""
    services.act(people["duty"], warning.pk, "submit")
    services.act(people["reviewer"], warning.pk, "review")
    return services.act(people["issuer"], warning.pk, "issue")


@pytest.fixture
def alarm(people, xihu_staff):
    """A 红 gas alarm in 西湖区, raised through ingest by a gateway account."""
    registry.create(actor=xihu_staff, spec=STATIONS, data=station_row())
    gas = f"{XIHU_STATION}-G1"
    registry.create(
        actor=xihu_staff,
        spec=SENSORS,
        data=sensor_row(gas, type="可燃气体", unit="%LEL", expected_interval_s=5),
    )
    gateway = people["viewer"]
    gateway.is_machine = True
    gateway.save(update_fields=["is_machine"])
    start = int(NOW.timestamp()) - 600
    post(gateway, gas, [(start, 5.0), (start + 5, 60.0)])
    return Alarm.objects.get(sensor__code=gas)


def contact(code: str, region: Region, roles: str = "村干部", channels: str = "sms", phone=None):
    return Contact.objects.create(
        code=code, name=f"联系人{code}", phone=phone or f"139{int(code):08d}", roles=roles,
        channels=channels, region=region,
    )  # fmt: skip

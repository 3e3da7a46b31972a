"""A tiny scope for replays: a few stations in 温岭市 (where Lekima made landfall), people
to warn, duty contacts to escalate to, a shelter, a rescue force and the demo plans."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.core.registry import services as registry
from yingji.monitoring.specs import SENSORS, STATIONS
from yingji.plans import demo as plans_demo
from yingji.regions.models import Region
from yingji.registry.models.people import Contact
from yingji.registry.models.rescue import RescueForce
from yingji.registry.models.shelter import Shelter

COUNTY = "331081"  # 温岭市
TOWNSHIPS = ("331081001", "331081004")  # 太平街道, 城北街道
VILLAGE = "331081001003"  # 迎辉社区, in 太平街道
WINDOW = ("2019-08-09T14:00:00+00:00", "2019-08-09T20:00:00+00:00")  # landfall 17:45Z


def _station(actor: Any, code: str, township: str, lat: float, lon: float, kind: str) -> None:
    registry.create(actor=actor, spec=STATIONS, data={
        "code": code, "name": f"模拟{code}", "kind": kind, "region": township,
        "address": "温岭市", "lon": lon, "lat": lat, "operator": "测试", "active": "是",
    })  # fmt: skip


def _sensor(actor: Any, code: str, station: str, kind: str, unit: str, **extra: Any) -> None:
    registry.create(actor=actor, spec=SENSORS, data={
        "code": code, "station": station, "type": kind, "unit": unit,
        "expected_interval_s": 60, "active": "是", **extra,
    })  # fmt: skip


@pytest.fixture
def tiny_scope(make_user: Any) -> dict[str, Any]:
    staff = make_user("wl_staff", COUNTY, "county_staff")
    _station(staff, "T-RAIN-1", TOWNSHIPS[0], 28.3596, 121.2527, "气象站")
    _sensor(staff, "T-RAIN-1-R", "T-RAIN-1", "雨量", "mm")
    _sensor(staff, "T-RAIN-1-W", "T-RAIN-1", "风速", "m/s")
    _station(staff, "T-RAIN-2", TOWNSHIPS[1], 28.4681, 121.4411, "气象站")
    _sensor(staff, "T-RAIN-2-R", "T-RAIN-2", "雨量", "mm")
    _station(staff, "T-SLOPE-1", TOWNSHIPS[0], 28.3556, 121.2316, "地质灾害监测点")
    _sensor(staff, "T-SLOPE-1-D", "T-SLOPE-1", "地表位移", "mm", rate_per_hour=0.5)
    village = Region.objects.get(code=VILLAGE)
    for township in TOWNSHIPS:  # a disaster-prone village in each, where slopes may fail
        first = Region.objects.filter(level="village", path__startswith=township).order_by("code")
        Region.objects.filter(code__in=[VILLAGE, first[0].code]).update(disaster_prone=True)
    n = 0
    for township in TOWNSHIPS:
        for village_row in Region.objects.filter(level="village", path__startswith=township)[:4]:
            n += 1
            Contact.objects.create(code=f"SIMC{n}", name=f"村干部{n}", phone=f"139{n:08d}",
                                   roles="村干部", channels="sms", region=village_row)  # fmt: skip
        Contact.objects.create(code=f"SIMT{township}", name="乡镇值班", phone=f"138{township[-8:]}",
                               roles="乡镇值班", channels="sms",
                               region=Region.objects.get(code=f"{township}000"))  # fmt: skip
    county = Region.objects.get(code=f"{COUNTY}000000")
    Contact.objects.create(code="SIMCTY", name="县级值班", phone="13700000001", roles="县级值班",
                           channels="sms", region=county)  # fmt: skip
    Shelter.objects.create(code="SIM-S1", name="太平街道避灾安置中心", level="township",
                           kind="school", capacity=5000, region_id=f"{TOWNSHIPS[0]}000",
                           lat=village.lat, lon=village.lon)  # fmt: skip
    RescueForce.objects.create(code="SIM-F1", name="温岭市地质灾害救援队", kind="professional",
                               specialties="地质灾害,防汛", level="county", members=30,
                               readiness="standby", region_id=f"{COUNTY}000000",
                               lat=28.38, lon=121.37)  # fmt: skip
    plans_demo.load()
    return {"county": COUNTY, "window": WINDOW}

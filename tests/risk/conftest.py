"""A small risk world: enterprises in 西湖区 and 滨江区 with known inputs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db.models import Q

from yingji.regions.models import Level, Region
from yingji.risk.models import AreaHazard
from yingji.risk.services import area, control
from yingji.risk.services import enterprises as assessing
from yingji.risk.sources import Selection


@pytest.fixture
def world(make_enterprise):
    """Three enterprises in 西湖区 (blue, orange by a rule, red for missing data), one in 滨江区;
    area hazard inputs for the villages of both counties; the control index published."""
    clean = make_enterprise("330106002", name="西湖安全企业")
    hazard = make_enterprise("330106002", name="西湖隐患企业", facts={"open_major_hazards": 1})
    unknown = make_enterprise("330106004", name="西湖缺数企业", facts=False)
    other = make_enterprise(
        "330108001", name="滨江隐患企业", facts={"open_major_hazards": 1}, lon=120.2, lat=30.2
    )
    first = assessing.assess(Selection(), reason="test")
    rows = []
    villages = Region.objects.filter(level=Level.VILLAGE).filter(
        Q(path__startswith="330106") | Q(path__startswith="330108")
    )
    for code, path in villages.values_list("code", "path"):
        for kind in ("flood", "typhoon", "geological", "forest_fire", "earthquake"):
            rows.append(
                AreaHazard(region_id=code, region_path=path, hazard_type=kind,
                           hazard=0.2 + (int(path[-3:]) % 7) / 10, vulnerability=0.5)
            )  # fmt: skip
    AreaHazard.objects.bulk_create(rows)
    area.assess_areas()
    control.publish()
    return SimpleNamespace(clean=clean, hazard=hazard, unknown=unknown, other=other, run=first)


@pytest.fixture
def manager(make_user):
    return make_user("zj_model", "33", "province_staff")

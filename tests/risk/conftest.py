"""A small risk world: enterprises in 西湖区 and 滨江区 with known inputs."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone

from yingji.kernels.identifiers import credit_code_check
from yingji.regions.models import Level, Region
from yingji.registry.models.enterprise import Enterprise
from yingji.risk.models import AreaHazard, RiskFacts
from yingji.risk.services import area, control
from yingji.risk.services import enterprises as assessing
from yingji.risk.sources import Selection

_serial = itertools.count(1)


def credit_code(county: str = "330106") -> str:
    body = f"91{county}MA{next(_serial):07d}"[:17]
    return body + credit_code_check(body)


@pytest.fixture
def make_enterprise(db: None) -> Callable[..., Enterprise]:
    """An enterprise (ORM, no re-scoring) with optional facts; defaults describe a clean one."""

    def make(
        region: str = "330106002", facts: dict[str, Any] | None = None, **fields: Any
    ) -> Enterprise:
        county = region[:6]
        data: dict[str, Any] = {
            "credit_code": credit_code(county),
            "name": f"测试企业{next(_serial)}",
            "industry_code": "C3311",
            "scale": "above",
            "region_id": region + "000" * ((12 - len(region)) // 3),
            "hazchem_role": "none",
            "safety_grade": "grade1",
            "insurance_status": "insured",
            "insurance_expires_on": timezone.localdate() + dt.timedelta(days=200),
            "lon": 120.14,
            "lat": 30.26,
        }
        data.update(fields)
        enterprise = Enterprise.objects.create(**data)
        if facts is not False:  # type: ignore[comparison-overlap]
            RiskFacts.objects.create(
                enterprise=enterprise, as_of=timezone.localdate(), **(facts or {})
            )
        return enterprise

    return make


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

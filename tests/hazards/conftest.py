"""Hidden-hazard fixtures: the people of the closed loop in 西湖区, an enterprise, photos."""

from __future__ import annotations

import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yingji.hazards.models import Criterion
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount


def jpeg(
    name: str = "photo.jpg", colour: tuple[int, int, int] = (200, 60, 40)
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def photo() -> Callable[..., SimpleUploadedFile]:
    return jpeg


@pytest.fixture
def people(
    make_user: Callable[..., Any], make_enterprise: Callable[..., Enterprise]
) -> SimpleNamespace:
    """County, township, city and province staff, a grid worker, an inspector, and the safety
    manager of 西湖化工 (an enterprise user); a 滨江区 county user and enterprise for contrast."""
    factory = make_enterprise("330106002", name="西湖化工", hazchem_role="use")
    other = make_enterprise("330108001", name="滨江电子")
    manager = make_user("xh_manager", "330106002", "enterprise_user")
    EnterpriseAccount.objects.create(user=manager, enterprise=factory)
    other_manager = make_user("bj_manager", "330108001", "enterprise_user")
    EnterpriseAccount.objects.create(user=other_manager, enterprise=other)
    return SimpleNamespace(
        county=make_user("xh_county", "330106", "county_staff"),
        township=make_user("xh_town", "330106002", "township_staff"),
        city=make_user("hz_city", "3301", "city_staff"),
        province=make_user("zj_prov", "33", "province_staff"),
        grid=make_user("xh_grid", "330106002", "grid_worker"),
        inspector=make_user("xh_insp", "330106", "inspector"),
        manager=manager,
        other_county=make_user("bj_county", "330108", "county_staff"),
        other_manager=other_manager,
        factory=factory,
        other=other,
    )


@pytest.fixture
def criterion(db: None) -> Criterion:
    return Criterion.objects.get(standard="chemical", number="12")

"""Enforcement fixtures: 西湖区 bureau staff and four inspectors in the pool, an item with its
checklist, enterprises of 西湖区 (one bound to an enterprise user), and 滨江区 for contrast.

Shared by every enforcement test module; a module needing more builds it on top of these.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from yingji.enforcement.models import InspectionItem, Inspector
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount

CHECKLIST = [
    {"id": "1", "text": "主要负责人和安全管理人员经考核合格", "basis": "《安全生产法》第二十七条"},
    {"id": "2", "text": "特种作业人员持证上岗", "basis": "《安全生产法》第三十条"},
    {"id": "3", "text": "可燃有毒气体检测报警装置正常投用", "basis": "安监总管三〔2017〕121号"},
]  # fmt: skip


def jpeg(name: str = "photo.jpg", colour: tuple[int, int, int] = (200, 60, 40)) -> Any:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def region(code: str) -> Region:
    return Region.objects.get(pk=code + "0" * (12 - len(code)))


@pytest.fixture
def item(db: None) -> InspectionItem:
    return InspectionItem.objects.create(
        code="ZJ-WH-001",
        name="危险化学品企业安全生产条件检查",
        legal_basis="《安全生产法》第六十五条；《危险化学品安全管理条例》",
        region=region("33"),
        share=0.05,
        key_colours="red,orange",
        checklist=CHECKLIST,
    )


@pytest.fixture
def crew(make_user: Callable[..., Any]) -> SimpleNamespace:
    """西湖区 staff, four pool inspectors (i1–i4), a 滨江区 inspector and county staff."""
    people: dict[str, Any] = {
        "county": make_user("xh_bureau", "330106", "county_staff"),
        "city": make_user("hz_bureau", "3301", "city_staff"),
        "viewer": make_user("xh_viewer", "330106", "viewer"),
        "other_county": make_user("bj_bureau", "330108", "county_staff"),
    }
    for n in range(1, 5):
        user = make_user(f"xh_insp{n}", "330106", "inspector")
        people[f"i{n}"] = user
        Inspector.objects.create(
            user=user, name=f"执法人员{n}", certificate_number=f"ZJ3301060{n:02d}",
            region=region("330106"), qualifications="危化,工贸",
        )  # fmt: skip
    other = make_user("bj_insp", "330108", "inspector")
    people["other_inspector"] = other
    Inspector.objects.create(
        user=other, name="滨江执法人员", certificate_number="ZJ330108001",
        region=region("330108"), qualifications="危化",
    )  # fmt: skip
    return SimpleNamespace(**people)


@pytest.fixture
def firms(
    make_user: Callable[..., Any], make_enterprise: Callable[..., Enterprise]
) -> SimpleNamespace:
    """Twenty 西湖区 enterprises (the first bound to an enterprise user) and one of 滨江区."""
    xihu = [
        make_enterprise("330106002", name=f"西湖企业{n:02d}", hazchem_role="use") for n in range(20)
    ]
    manager = make_user("xh_safety", "330106002", "enterprise_user")
    EnterpriseAccount.objects.create(user=manager, enterprise=xihu[0])
    other = make_enterprise("330108001", name="滨江企业", hazchem_role="use")
    other_manager = make_user("bj_safety", "330108001", "enterprise_user")
    EnterpriseAccount.objects.create(user=other_manager, enterprise=other)
    return SimpleNamespace(
        xihu=xihu, own=xihu[0], manager=manager, other=other, other_manager=other_manager
    )


@pytest.fixture
def _english() -> Any:
    """Service messages checked in English (use with pytest.mark.usefixtures)."""
    with translation.override("en"):
        yield

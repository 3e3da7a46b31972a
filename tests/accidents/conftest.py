"""Accident fixtures: bureau staff at every level around 西湖区, 滨江区 for contrast, two
enterprises with their safety managers, and a helper that records an accident."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from yingji.accidents.models import Accident
from yingji.accidents.services import records
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    """Pages in English (the platform opens in Chinese unless the language cookie says so)."""
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Reports are stored under a throw-away data directory."""
    settings.DATA_DIR = tmp_path


@pytest.fixture
def people(
    make_user: Callable[..., Any], make_enterprise: Callable[..., Enterprise]
) -> SimpleNamespace:
    factory = make_enterprise(
        "330106002", name="西湖机械厂", industry_code="C3411", industry_name="锅炉及辅助设备制造"
    )
    other = make_enterprise("330108001", name="滨江电子", industry_code="C3971")
    manager = make_user("xh_manager", "330106002", "enterprise_user")
    EnterpriseAccount.objects.create(user=manager, enterprise=factory)
    other_manager = make_user("bj_manager", "330108001", "enterprise_user")
    EnterpriseAccount.objects.create(user=other_manager, enterprise=other)
    return SimpleNamespace(
        county=make_user("xh_county", "330106", "county_staff"),
        city=make_user("hz_city", "3301", "city_staff"),
        province=make_user("zj_prov", "33", "province_staff"),
        other_county=make_user("bj_county", "330108", "county_staff"),
        viewer=make_user("xh_viewer", "330106", "viewer"),
        duty=make_user("xh_duty", "330106", "duty_officer"),
        manager=manager,
        other_manager=other_manager,
        unbound=make_user("xh_unbound", "330106002", "enterprise_user"),
        factory=factory,
        other=other,
    )


def record(actor: Any, **changes: Any) -> Accident:
    data: dict[str, Any] = {
        "title": "机械伤害事故",
        "summary": "操作工在清理设备时被卷入，经抢救无效死亡。",
        "occurred_at": (NOW - dt.timedelta(days=2)).isoformat(),
        "region": "330106002",
        "accident_type": "machinery",
        "dead": 1,
        "seriously_injured": 0,
        "direct_loss_yuan": "1500000",
    }
    data.update(changes)
    return records.record_accident(actor=actor, data=data, now=NOW)


def pdf(name: str = "report.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n" + b"0" * size + b"\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def docx(name: str = "report.docx", *, macro: bool = False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    kind = (
        "ms-word.document.macroEnabled.main+xml"
        if macro
        else ("openxmlformats-officedocument.wordprocessingml.document.main+xml")
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types><Override ContentType="application/vnd.'
            f'{kind}" PartName="/word/document.xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return SimpleUploadedFile(name, buffer.getvalue())

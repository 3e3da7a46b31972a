"""Incident tests: offices at every level around 西湖区 and a chemical accident to report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from yingji.incidents import services

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def _english():
    """Service messages checked in English (use with pytest.mark.usefixtures)."""
    with translation.override("en"):
        yield


@pytest.fixture
def offices(make_user):
    return {
        "grid": make_user("xihu_grid", "330106002", "grid_worker"),
        "county": make_user("xihu_duty", "330106", "duty_officer"),
        "city": make_user("hz_duty", "3301", "duty_officer"),
        "province": make_user("zj_duty", "33", "duty_officer"),
        "binjiang": make_user("binjiang_duty", "330108", "duty_officer"),
        "deputy": make_user("xihu_duty2", "330106", "duty_officer"),
        "viewer": make_user("xihu_viewer", "330106", "viewer"),
        "company": make_user("xihu_company", "330106002", "enterprise_user"),
    }


@pytest.fixture
def people(offices):
    """The same offices under the name the page and API tests use."""
    return offices


def accident(actor, **changes):
    data = {
        "event_type": "hazchem", "region": "330106002", "title": "某化工企业泄漏爆炸",
        "occurred_at": (NOW - dt.timedelta(minutes=30)).isoformat(),
        "description": "储罐区发生泄漏并引发爆炸，现场正在处置。", "dead": 2,
        "seriously_injured": 10, "direct_loss_yuan": "3000000", "lon": 120.12, "lat": 30.26,
    }  # fmt: skip
    data.update(changes)
    return services.report_incident(actor, data, now=NOW)

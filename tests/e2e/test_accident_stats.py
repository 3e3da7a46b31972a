"""Accident statistics in a browser: the 西湖区 county user of the demo opens
/accidents/stats/, sees the figures of their county with the death rate per 100 million yuan
of (synthetic) GDP, and the ECharts charts drawn on canvases; a screenshot is kept.

The demo accidents are loaded here through their own loader (idempotent), so the test does
not depend on `yingji demo` calling it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SERVER_ENV
from tests.e2e.test_onemap import sign_in
from tests.processes import run_python

pytestmark = pytest.mark.e2e

LOAD = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
import django
django.setup()
from yingji.accidents import demo
demo.load()
from yingji.accidents.models import Accident
print(Accident.objects.filter(region_path__startswith="330106", voided_at__isnull=True).count())
"""


def test_county_statistics_draw_their_charts(page, artifacts, server):
    assert int(run_python(SERVER_ENV, LOAD).strip().splitlines()[-1]) > 0
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "xihu_staff")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/accidents/stats/?year=2025")
    assert "西湖区" in page.locator("h1").inner_text()
    page.wait_for_function("() => document.body.dataset.chartsReady !== undefined")
    assert page.locator("#acc-chart-years canvas").count() >= 1
    assert int(page.locator("#kpi-accidents").inner_text()) >= 0
    rate = page.locator("#kpi-rate").inner_text()
    assert re.fullmatch(r"\d+\.\d{6}", rate), rate  # the demo has GDP for every county
    assert page.locator("#acc-years tbody tr").count() == 5
    page.screenshot(path=str(artifacts / "accident-stats.png"), full_page=True)
    assert errors == []

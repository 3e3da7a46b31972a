"""Issue 10, done means in a browser: the province opens the plan-targets cockpit, sees every
target as a card with a value (or manual / no data), a target and a status, opens one target,
reads its formula and drill-down, and drills into a city; then opens the 复盘 report of a
typhoon replayed on the server's database and downloads it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import SERVER_ENV
from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e


def test_cockpit_cards_indicator_and_drill_down(page, artifacts):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "zj_staff")
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/review/cockpit/")
    cards = page.locator("a.kpi-card")
    assert cards.count() >= 25
    for i in range(cards.count()):
        card = cards.nth(i)
        assert card.locator(".kpi-value").inner_text().strip()  # a figure, 手工填报 or 无数据
        assert re.search(r"[≥≤<>] \d", card.locator(".kpi-target").inner_text())
        assert card.get_attribute("data-status") in ("met", "not_met", "no_data", "manual_pending")
        assert card.locator(".kpi-badge").inner_text().strip()
    assert re.search(r"\d+\D+\d+", page.locator("#kpi-tally").inner_text())
    page.wait_for_function("() => document.querySelectorAll('[data-spark] canvas').length >= 20")
    page.screenshot(path=str(artifacts / "cockpit-grid.png"), full_page=True)

    page.click('a.kpi-card[data-indicator="safety-standardisation"]')
    page.wait_for_url(re.compile(r"/review/cockpit/safety-standardisation/"))
    assert "标准化等级为一、二、三级的企业数" in page.locator("#kpi-formula").inner_text()
    assert "/" in page.locator("#kpi-fraction").inner_text()
    rows = page.locator("#kpi-drill tbody tr")
    assert rows.count() == 11  # the cities
    page.wait_for_function("() => document.querySelector('#kpi-trend canvas') !== null")
    page.screenshot(path=str(artifacts / "cockpit-indicator.png"), full_page=True)

    city = rows.first.locator("td a").first
    name = city.inner_text()
    city.click()
    page.wait_for_url(re.compile(r"\?region=33\d\d$"))
    assert name in page.locator("nav.crumbs").inner_text()
    assert page.locator("#kpi-drill tbody tr").count() >= 5  # the city's counties
    page.screenshot(path=str(artifacts / "cockpit-drill.png"), full_page=True)
    assert errors == []


def test_a_replayed_typhoon_opens_as_a_review_report(page, artifacts, server):
    """Issue 10, done means 4 (second half): replay Lekima over 温岭市 for the hours around
    landfall on the server's database, then open that run's 复盘 from the review page and
    download it as Word, PDF and Excel."""
    replay = subprocess.run(
        [sys.executable, "-m", "yingji.cli", "simulate", "typhoon", "--scope", "331081",
         "--from", "2019-08-09T14:00:00Z", "--to", "2019-08-09T20:00:00Z", "--seed", "1",
         "--json"],
        env=SERVER_ENV, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    summary = json.loads(replay.stdout)
    assert summary["alarms_raised"] > 0 and summary["warnings_issued"] > 0

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "zj_staff")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/review/cockpit/")
    page.click("#kpi-reports")
    page.wait_for_url(re.compile(r"/review/reports/$"))
    page.locator("#rr-runs tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/review/reports/view/\?"))
    head = page.locator("#rr-summary").inner_text()
    assert re.search(r"\d", head)
    assert page.locator("#rr-warnings tbody tr").count() >= 1  # the replay's warnings
    page.wait_for_function("() => document.querySelectorAll('.rr-charts canvas').length >= 2")
    page.screenshot(path=str(artifacts / "review-report.png"), full_page=True)
    links = page.locator(".rr-downloads a")
    assert links.count() == 3
    for i in range(3):
        href = links.nth(i).get_attribute("href")
        response = page.request.get(href)
        assert response.status == 200, href
        body = response.body()
        assert body[:4] in (b"PK\x03\x04", b"%PDF"), href  # .docx/.xlsx are zips; the PDF
    assert errors == []

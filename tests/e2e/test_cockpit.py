"""Issue 10 (cockpit), done means in a browser: the province opens the plan-targets cockpit,
sees every target as a card with a value (or manual / no data), a target and a status, opens
one target, reads its formula and drill-down, and drills into a city."""

from __future__ import annotations

import re

import pytest

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
    page.wait_for_function("document.querySelectorAll('[data-spark] canvas').length >= 20")
    page.screenshot(path=str(artifacts / "cockpit-grid.png"), full_page=True)

    page.click('a.kpi-card[data-indicator="safety-standardisation"]')
    page.wait_for_url(re.compile(r"/review/cockpit/safety-standardisation/"))
    assert "标准化等级为一、二、三级的企业数" in page.locator("#kpi-formula").inner_text()
    assert "/" in page.locator("#kpi-fraction").inner_text()
    rows = page.locator("#kpi-drill tbody tr")
    assert rows.count() == 11  # the cities
    page.wait_for_function("document.querySelector('#kpi-trend canvas') !== null")
    page.screenshot(path=str(artifacts / "cockpit-indicator.png"), full_page=True)

    city = rows.first.locator("td a").first
    name = city.inner_text()
    city.click()
    page.wait_for_url(re.compile(r"\?region=33\d\d$"))
    assert name in page.locator("nav.crumbs").inner_text()
    assert page.locator("#kpi-drill tbody tr").count() >= 5  # the city's counties
    page.screenshot(path=str(artifacts / "cockpit-drill.png"), full_page=True)
    assert errors == []

"""Risk maps in the browser: a county officer opens the four-colour map (四色图) of 西湖区, the
five-level area map (五色图) and drills into it, then a red or orange enterprise's risk card."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e

POINTS = "path.risk-point, .leaflet-marker-icon.risk-cluster"
XIHU_TOWNSHIPS = ("北山街道", "西溪街道", "转塘街道", "三墩镇")


def wait_map(page, selector: str = "#risk-map") -> None:
    page.wait_for_selector(f'{selector}[data-state="ready"]')
    page.wait_for_timeout(400)  # markercluster's chunked loading and fit animation


def test_county_officer_sees_the_four_colour_map_of_their_county(page, artifacts, server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "xihu_staff")
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="风险地图").click()
    page.wait_for_url(re.compile(r"/risk/$"))
    wait_map(page)
    assert int(page.locator("#risk-map").get_attribute("data-count")) > 100
    page.locator(POINTS).first.wait_for()
    # Clusters take the worst colour inside them: some are drawn orange or red.
    hot = page.locator(
        ".risk-cluster.worst-2, .risk-cluster.worst-3, path.risk-point.c2, path.risk-point.c3"
    )
    assert hot.count() >= 1
    table = page.locator("#risk-counts").inner_text()
    for name in XIHU_TOWNSHIPS:
        assert name in table
    assert "滨江" not in table
    total = page.locator("#risk-counts tfoot th").last.inner_text()
    assert int(total.replace(",", "")) == int(page.locator("#risk-map").get_attribute("data-count"))
    page.screenshot(path=str(artifacts / "risk-map.png"))

    # Only red: the map reloads without a page load, and the clusters and points are red.
    for colour in ("orange", "yellow", "blue"):
        page.locator(f'#risk-filters input[value="{colour}"]').uncheck()
    wait_map(page)
    assert "colour=red" in page.url
    assert page.locator("path.risk-point.c0, .risk-cluster.worst-0").count() == 0

    # A point's popup links to its risk card.
    for colour in ("orange", "yellow", "blue"):
        page.locator(f'#risk-filters input[value="{colour}"]').check()
    wait_map(page)
    for _ in range(8):
        points = page.locator("path.risk-point")
        if points.count():
            break
        page.locator(".risk-cluster").first.dispatch_event("click")
        page.wait_for_timeout(600)
    page.locator("path.risk-point").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content .risk-popup")
    popup.wait_for()
    card = popup.get_by_role("link", name="风险卡片")
    assert re.fullmatch(r"/risk/enterprises/\d+/", card.get_attribute("href"))
    popup.locator(".risk-score").filter(has_text=re.compile(r"\d")).wait_for()
    page.wait_for_timeout(500)  # the popup's fade-in
    page.screenshot(path=str(artifacts / "risk-map-popup.png"))
    assert all(url.startswith((server, "data:")) for url in requested), requested
    assert not errors


def test_area_map_drills_from_the_county_into_a_township(page, artifacts):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "xihu_staff")
    page.goto("/risk/areas/")
    wait_map(page, "#area-map")
    assert page.locator("#area-map").get_attribute("data-child-level") == "township"
    assert page.locator("path.yj-area-point").count() == len(
        page.locator("#area-table tbody tr").all()
    )
    assert "西湖区" in page.locator("#area-crumbs").inner_text()
    legend = page.locator(".legend").inner_text()
    for name in ("高", "中高", "中", "中低", "低"):
        assert name in legend
    page.screenshot(path=str(artifacts / "risk-areas-county.png"))

    page.locator("#area-table tbody tr", has_text="北山街道").click()
    page.wait_for_function(
        "() => document.getElementById('area-map').dataset.childLevel === 'village'"
        " && document.getElementById('area-map').dataset.state === 'ready'"
    )
    assert "北山街道" in page.locator("#area-crumbs").inner_text()
    village = page.locator("path.yj-area-point").first
    village.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    for label in ("H", "E", "V", "A", "R"):
        assert label in popup.inner_text()
    page.screenshot(path=str(artifacts / "risk-areas-township.png"))

    page.locator("#area-crumbs button", has_text="西湖区").click()
    page.wait_for_function(
        "() => document.getElementById('area-map').dataset.childLevel === 'township'"
    )
    page.locator('#hazard-choice input[value="typhoon"]').check(force=True)
    wait_map(page, "#area-map")
    assert "hazard=typhoon" in page.url
    assert not errors


def test_province_officer_clicks_a_county_on_the_choropleth(page, artifacts):
    sign_in(page, "zj_staff")
    page.goto("/risk/areas/")
    page.wait_for_function("() => document.querySelectorAll('path.yj-area').length >= 90")
    wait_map(page, "#area-map")
    levels = {page.locator("path.yj-area").nth(i).get_attribute("data-level") for i in range(90)}
    assert len(levels) >= 3  # a choropleth, not one colour
    page.screenshot(path=str(artifacts / "risk-areas-province.png"))
    page.locator('path.yj-area[data-code="330106"]').dispatch_event("click")
    page.wait_for_function(
        "() => document.getElementById('area-map').dataset.childLevel === 'township'"
        " && document.getElementById('area-map').dataset.state === 'ready'"
    )
    assert page.locator("#area-crumbs").inner_text().split(" › ")[-1].strip() == "西湖区"
    assert page.locator("path.yj-area-point").count() >= 10


def test_risk_card_of_a_red_or_orange_enterprise(page, artifacts):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "xihu_staff")
    page.goto("/risk/list/?colour=red,orange")
    first = page.locator("#risk-list tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/risk/enterprises/\d+/$"))
    assert name in page.locator("h1").inner_text()
    badge = page.locator(".card-head .risk-badge")
    assert re.search(r"[红橙]", badge.inner_text())
    page.locator("#contrib-chart canvas").wait_for()
    page.locator("#history-chart canvas").wait_for()
    items = page.locator("#contrib-list li").all_inner_texts()
    assert items and all(re.search(r"\+\d+\.\d\d / \d+\.\d\d", item) for item in items)
    assert page.locator("#card-inputs tbody tr").count() >= 10
    assert (
        page.get_by_role("link", name="企业档案")
        .get_attribute("href")
        .startswith("/registry/enterprises/")
    )
    page.screenshot(path=str(artifacts / "risk-card.png"), full_page=True)
    assert not errors

"""Registry layers on the one map: switch a layer on, find a shelter, open its popup and record."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e

SHELTERS = 'li[data-layer="shelters"]'
POINT = "path.yj-point.yj-layer-shelters"
CLUSTER = ".leaflet-marker-icon.yj-cluster.yj-layer-shelters"
SHELTER_NAME = re.compile(r"避灾安置(点|中心\d+)")


def switch_on_shelters(page):
    page.wait_for_function("() => document.querySelectorAll('path.yj-county').length >= 90")
    layer = page.locator(SHELTERS)
    layer.wait_for()
    layer.locator("input[type=checkbox]").check()
    page.wait_for_selector(f'{SHELTERS}[data-state="ready"]')
    return layer


def wait_until_settled(page):
    """After a move: the debounced reload has run and every switched-on layer is drawn."""
    page.wait_for_timeout(400)
    page.wait_for_selector(f'{SHELTERS}[data-state="ready"]')
    page.wait_for_timeout(300)  # markercluster's zoom animation


def open_a_popup(page, tries: int = 12):
    """Click a point if one is drawn, else a cluster (which zooms in), until a popup opens."""
    for _ in range(tries):
        points = page.locator(POINT)
        if points.count():
            points.first.dispatch_event("click")
            popup = page.locator(".leaflet-popup-content .yj-popup")
            popup.wait_for()
            page.wait_for_timeout(400)  # the popup's fade-in and auto-pan (and a reload after it)
            popup.wait_for()
            return popup
        clusters = page.locator(CLUSTER)
        assert clusters.count(), "neither points nor clusters are drawn"
        clusters.first.dispatch_event("click")
        wait_until_settled(page)
    raise AssertionError("no shelter point after zooming in")


def test_county_user_switches_on_shelters_and_opens_one(page, artifacts, server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "xihu_staff")
    layers = page.locator("#layer-list li[data-layer]")
    layers.first.wait_for()
    titles = layers.locator(".layer-title").all_inner_texts()
    assert "避灾安置场所" in titles
    # Nothing is drawn until the user asks for it.
    assert page.locator(f"{SHELTERS} input").is_checked() is False
    assert page.locator(".yj-point, .yj-cluster").count() == 0

    layer = switch_on_shelters(page)
    assert layer.locator(".layer-count").inner_text() == "157"  # 西湖区's shelters only
    assert layer.get_attribute("data-mode") == "points"
    assert "视野内" in layer.locator(".layer-status").inner_text()
    page.locator(f"{POINT}, {CLUSTER}").first.wait_for()
    page.screenshot(path=str(artifacts / "map-layers.png"))

    popup = open_a_popup(page)
    assert SHELTER_NAME.search(popup.locator("strong").inner_text())
    assert popup.locator("dt").count() >= 3  # type, capacity, address, manager's phone
    link = popup.get_by_role("link", name="详情")
    assert re.fullmatch(r"/registry/shelters/\d+/", link.get_attribute("href"))
    page.screenshot(path=str(artifacts / "map-layers-popup.png"))
    assert all(url.startswith((server, "data:")) for url in requested), requested
    assert not errors

    name = popup.locator("strong").inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/registry/shelters/\d+/$"))
    assert name in page.locator("h1").inner_text()


def test_province_view_gets_server_clusters_then_points(page, artifacts):
    sign_in(page, "zj_staff")
    layer = switch_on_shelters(page)
    assert layer.locator(".layer-count").inner_text() == "9,210"
    assert layer.get_attribute("data-mode") == "clusters"  # 9,210 > 3,000 in view
    page.locator(CLUSTER).first.wait_for()
    page.screenshot(path=str(artifacts / "map-layers-province.png"))
    popup = open_a_popup(page)
    assert SHELTER_NAME.search(popup.locator("strong").inner_text())
    assert popup.get_by_role("link", name="详情").count() == 1

    # Switching the layer off removes everything it drew.
    page.keyboard.press("Escape")
    layer.locator("input[type=checkbox]").uncheck()
    assert page.locator(f"{POINT}, {CLUSTER}").count() == 0


def test_layers_on_a_phone(browser, server, artifacts):
    context = browser.new_context(
        base_url=server,
        locale="zh-CN",
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    sign_in(phone, "xihu_grid")
    switch_on_shelters(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    box = phone.locator(f"{SHELTERS} label").bounding_box()
    assert box["height"] >= 32  # a finger-sized target
    popup = open_a_popup(phone)
    assert popup.get_by_role("link", name="详情").count() == 1
    assert phone.locator(".leaflet-popup").bounding_box()["width"] <= 375
    phone.screenshot(path=str(artifacts / "map-layers-phone.png"), full_page=True)
    context.close()

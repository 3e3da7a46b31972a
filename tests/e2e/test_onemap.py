"""A duty officer signs in and uses the one map (一张图) of Zhejiang."""

from __future__ import annotations

import re

import pytest

from yingji.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_login_shows_90_county_polygons_and_county_facts(page, artifacts, server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, "xihu_staff")
    page.wait_for_url(re.compile(r"/$"))
    page.wait_for_function("() => document.querySelectorAll('path.yj-county').length >= 90")
    assert page.locator("path.yj-county").count() == 90
    assert page.locator("#map").get_attribute("data-county-count") == "90"
    # No tile layer, no CDN: nothing is fetched from outside.
    assert page.locator(".leaflet-tile").count() == 0
    assert requested
    assert all(url.startswith((server, "data:")) for url in requested), requested

    page.locator('path.yj-county[data-code="330106"]').dispatch_event("click")
    info = page.locator("#region-info")
    info.get_by_text("西湖区").wait_for()
    text = info.inner_text()
    assert "330106" in text
    assert "1,112,992" in text  # 7th census population
    assert re.search(r"乡镇（街道）\s*12", text)
    assert re.search(r"村（社区）\s*222", text)
    page.screenshot(path=str(artifacts / "onemap.png"))


def test_county_link_opens_its_townships(page):
    sign_in(page, "xihu_staff")
    page.wait_for_function("() => document.querySelectorAll('path.yj-county').length >= 90")
    page.locator('path.yj-county[data-code="330108"]').dispatch_event("click")
    page.locator("#region-info a").click()
    page.wait_for_url(re.compile(r"/regions/330108000000/$"))
    assert "西兴街道" in page.content()


def test_wrong_passwords_lock_the_account(page, artifacts):
    for _ in range(4):
        sign_in(page, "viewer", "not-the-password")
        assert "用户名或密码错误" in page.locator(".error").inner_text()
    sign_in(page, "viewer", "not-the-password")
    assert "已被锁定" in page.locator(".error").inner_text()
    sign_in(page, "viewer")
    assert "已被锁定" in page.locator(".error").inner_text()
    page.screenshot(path=str(artifacts / "locked.png"))


def test_english_switch(page):
    page.goto("/accounts/login/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("h1").inner_text() == "Yingji emergency management platform"


def test_grid_worker_on_a_phone_sees_the_map(browser, server, artifacts):
    context = browser.new_context(
        base_url=server, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    sign_in(phone, "xihu_grid")
    phone.wait_for_function("() => document.querySelectorAll('path.yj-county').length >= 90")
    box = phone.locator("#map").bounding_box()
    assert box["width"] >= 360
    assert box["height"] >= 300
    phone.screenshot(path=str(artifacts / "onemap-phone.png"))
    context.close()

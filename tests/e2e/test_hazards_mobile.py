"""Hidden hazards on a phone (375 × 812): a grid worker reports one with a photo and their
location in a few taps; a county officer finds it in the queue and registers it. Neither
depends on the demo's hazards: each test makes what it looks at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e

WIDTH = 375
WHERE = {"longitude": 120.1423, "latitude": 30.2618}  # 北山街道, by the West Lake


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server,
        locale="zh-CN",
        viewport={"width": WIDTH, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation=WHERE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def fits_the_screen(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} scrolls sideways: {width}px wide"


def a_photo(path: Any) -> str:
    image = Image.new("RGB", (1200, 900), (196, 180, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 200, 900, 800), fill=(170, 40, 30))  # a blocked fire exit, say
    draw.line((0, 900, 1200, 0), fill=(40, 40, 40), width=24)
    image.save(path, "JPEG", quality=85)
    return str(path)


def report(page: Any, photo: str, title: str) -> str:
    """Fill and send the report form; returns the new hazard's code."""
    page.goto("/hazards/report/")
    page.get_by_text("消防安全", exact=True).tap()
    page.fill("#f-title", title)
    page.fill("#f-description", "二号楼西侧消防通道堆放杂物，约5米长")
    page.get_by_role("button", name="使用我的位置").tap()
    page.wait_for_function("() => document.getElementById('f-lon').value !== ''")
    page.set_input_files("#f-photo", photo)
    page.locator("#f-photo-preview img").wait_for()
    page.get_by_role("button", name="提交上报").tap()
    page.wait_for_url(re.compile(r"/hazards/\d+/$"))
    return page.locator("#hz-code").inner_text().strip()


def test_grid_worker_reports_a_hazard_with_a_photo_on_a_phone(phone, artifacts, tmp_path):
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(phone, "xihu_grid")
    phone.wait_for_url(re.compile(r"/$"))
    phone.goto("/hazards/report/")
    # The worker's township is already the place; a general hazard is the default.
    assert phone.locator("#f-region option:checked").inner_text().strip().endswith("北山街道")
    assert phone.locator("input[name=grade][value=general]").is_checked()
    assert not phone.locator("#f-criterion").is_visible()  # shown for a major only
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "hazards-report-phone.png"), full_page=True)

    phone.get_by_text("消防安全", exact=True).tap()
    assert phone.locator("input[name=category][value=fire]").is_checked()
    phone.fill("#f-title", "消防通道堵塞")
    phone.fill("#f-description", "二号楼西侧消防通道堆放杂物，约5米长")
    phone.get_by_role("button", name="使用我的位置").tap()
    phone.wait_for_function("() => document.getElementById('f-lon').value !== ''")
    assert float(phone.input_value("#f-lon")) == pytest.approx(WHERE["longitude"])
    assert float(phone.input_value("#f-lat")) == pytest.approx(WHERE["latitude"])
    assert "已定位" in phone.locator("#hz-locate-status").inner_text()
    phone.set_input_files("#f-photo", a_photo(tmp_path / "fire-exit.jpg"))
    phone.locator("#f-photo-preview img").wait_for()
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "hazards-report-filled-phone.png"), full_page=True)

    phone.get_by_role("button", name="提交上报").tap()
    phone.wait_for_url(re.compile(r"/hazards/\d+/$"))
    code = phone.locator("#hz-code").inner_text().strip()
    assert re.fullmatch(r"YH-330106-\d{4}-\d{6}", code)
    assert code in phone.locator(".messages").inner_text()
    assert "已上报" in phone.locator("#hz-header").inner_text()
    assert "网格员巡查" in phone.locator("#hz-facts").inner_text()
    thumb = phone.locator("#hz-photos img").first
    thumb.wait_for()
    phone.wait_for_function("() => document.querySelector('#hz-photos img').naturalWidth > 0")
    assert re.search(r"/hazards/\d+/photos/[0-9a-f-]{36}$", thumb.get_attribute("src"))
    box = thumb.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "hazards-detail-phone.png"), full_page=True)
    assert not errors


def test_county_officer_registers_a_reported_hazard_on_a_phone(phone, artifacts, tmp_path):
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(phone, "xihu_grid")
    phone.wait_for_url(re.compile(r"/$"))
    code = report(phone, a_photo(tmp_path / "exit.jpg"), "楼道堆放电动车电池")
    phone.context.clear_cookies()

    sign_in(phone, "xihu_staff")
    phone.wait_for_url(re.compile(r"/$"))
    phone.wait_for_function(
        "() => (document.querySelector('#bell-count .bell-count') || {}).textContent > 0"
    )
    phone.goto("/hazards/?state=reported&q=" + code)
    item = phone.locator("#hz-queue .hz-item", has_text=code)
    item.wait_for()
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "hazards-queue-phone.png"), full_page=True)

    item.locator("a.hz-item-link").tap()
    phone.wait_for_url(re.compile(r"/hazards/\d+/$"))
    form = phone.locator("#act-register")
    assert form.locator("details").get_attribute("open") is not None
    form.locator("input[name=responsible_person]").fill("北山街道安监站 李工")
    form.locator("input[name=responsible_phone]").fill("13800138000")
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "hazards-register-phone.png"), full_page=True)
    with phone.expect_navigation(url=re.compile(r"/hazards/\d+/$")):
        form.get_by_role("button", name="登记").tap()
    assert "已登记" in phone.locator("#hz-header").inner_text()
    assert re.search(r"剩 \d+ 天", phone.locator("#hz-header").inner_text())
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "hazards-registered-phone.png"), full_page=True)
    # A link to a step (as "my enterprise" gives) opens that step's folded form.
    assert phone.locator("#act-void details").get_attribute("open") is None
    phone.goto(phone.url.split("#")[0] + "#act-void")
    phone.wait_for_function("() => document.querySelector('#act-void details').open")
    assert not errors

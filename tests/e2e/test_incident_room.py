"""The command room in two browsers: the duty officer files an accident (2 dead, 10 seriously
injured) through 信息报送 and lands in its room graded 较大 with the reporting time limits
counting down; a colleague has the same room open in another browser and sees the officer's
续报 raising the dead to 10 arrive in the timeline and the grade turn 重大, without a reload.
On a phone (375 px) a grid worker reports a disaster (灾情上报) with a photo and the phone's
location. Each test makes the incidents it looks at."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.test_hazards_mobile import a_photo, fits_the_screen
from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e

WIDTH = 375
WHERE = {"longitude": 120.1423, "latitude": 30.2618}  # 北山街道, by the West Lake


@pytest.fixture
def person(browser: Any, server: str) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def open_as(username: str, **options: Any) -> Any:
        settings = {
            "base_url": server,
            "locale": "zh-CN",
            "viewport": {"width": 1280, "height": 900},
        }
        context = browser.new_context(**{**settings, **options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, username)
        page.wait_for_url(re.compile(r"/$"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def file_accident(duty: Any, artifacts: Any) -> str:
    """信息报送 through the form: a chemical accident with 2 dead and 10 seriously injured."""
    duty.goto("/incidents/")
    duty.get_by_role("link", name="信息报送").first.click()
    duty.wait_for_url(re.compile(r"/incidents/new/$"))
    duty.select_option("#f-event_type", "hazchem")
    duty.select_option("#f-region", "330106002000")  # 北山街道
    duty.fill("#f-dead", "2")
    duty.fill("#f-seriously_injured", "10")
    duty.fill("#f-direct_loss_yuan", "3000000")
    duty.fill(
        "#f-description", "某化工企业储罐区发生泄漏并引发爆炸，2人死亡，10人重伤，现场正在处置。"
    )
    duty.fill("#f-title", "北山街道某化工企业泄漏爆炸")
    duty.locator("#inc-pick-map").click(position={"x": 300, "y": 120})
    assert duty.input_value("#f-lon") and duty.input_value("#f-lat")
    duty.screenshot(path=str(artifacts / "incident-report-form.png"), full_page=True)
    duty.get_by_role("button", name="提交上报").click()
    duty.wait_for_url(re.compile(r"/incidents/\d+/$"))
    return str(duty.url)


def test_a_follow_up_regrades_the_accident_live_in_a_second_browser(person, artifacts):
    duty, colleague = person("xihu_duty"), person("xihu_staff")
    errors: list[str] = []
    for page in (duty, colleague):
        page.on("pageerror", lambda error: errors.append(str(error)))

    room_url = file_accident(duty, artifacts)
    head = duty.locator("#inc-head")
    assert "较大" in head.locator(".inc-grade").inner_text()
    assert "重伤人数" in head.inner_text()  # what decided the grade
    assert "已报送" in duty.locator(".messages").inner_text()
    # the time limits count down in the browser: the county met, the city running
    county = duty.locator('.inc-limit[data-what="report:county"]')
    assert "按时" in county.inner_text() and "is-met" in county.get_attribute("class")
    city = duty.locator('.inc-limit[data-what="report:city"] .inc-clock')
    first = city.inner_text()
    assert re.match(r"剩余 \d+:\d\d:\d\d$", first), first
    duty.wait_for_function(
        "t => document.querySelector('.inc-limit[data-what=\"report:city\"] .inc-clock')"
        ".textContent !== t",
        arg=first,
    )
    duty.screenshot(path=str(artifacts / "incident-room.png"), full_page=True)

    colleague.goto(room_url)
    colleague.locator('#inc-live[data-state="live"]').wait_for()
    colleague.evaluate("window.__notReloaded = true")
    assert "较大" in colleague.locator("#inc-head .inc-grade").inner_text()

    duty.locator("#inc-followup > summary").click()
    duty.fill("#f-dead", "10")
    duty.fill("#f-description", "经搜救，又发现8名遇难者，死亡人数上升至10人。")
    duty.fill("#f-measures", "疏散周边群众1200人，危化品处置队伍已到场。")
    duty.get_by_role("button", name="提交报告").click()
    duty.wait_for_url(room_url)
    assert "重大" in duty.locator("#inc-head .inc-grade").inner_text()

    grade_entry = colleague.locator("#inc-timeline li.inc-entry.k-grade")
    grade_entry.wait_for(timeout=8_000)
    assert "重大" in grade_entry.inner_text()
    assert colleague.locator("#inc-timeline li").first.get_attribute("data-kind") in (
        "grade",
        "report",
    )
    colleague.wait_for_function(
        "() => document.querySelector('#inc-head .inc-grade').textContent.includes('重大')",
        timeout=8_000,
    )
    assert colleague.locator("#inc-dead").inner_text().strip() == "10"
    # the head and the limits are separate parts of the page, refreshed one after the other
    colleague.locator('.inc-limit[data-what="report:ministry"]').wait_for(timeout=8_000)
    assert colleague.locator('.inc-limit[data-what="report:ministry"]').count() == 1
    colleague.locator("#inc-report-list li").first.wait_for()
    assert "续报" in colleague.locator("#inc-report-list li").first.inner_text()
    assert colleague.evaluate("window.__notReloaded === true"), "the page was reloaded"
    colleague.screenshot(path=str(artifacts / "incident-room-live.png"), full_page=True)
    colleague.goto("/incidents/")
    row = colleague.locator("#inc-list li.inc-item").first
    assert "北山街道某化工企业泄漏爆炸" in row.inner_text() and "重大" in row.inner_text()
    colleague.screenshot(path=str(artifacts / "incident-list.png"), full_page=True)
    assert errors == []


def test_a_grid_worker_reports_a_disaster_from_a_phone(person, artifacts, tmp_path):
    phone = person(
        "xihu_grid",
        viewport={"width": WIDTH, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation=WHERE,
        permissions=["geolocation"],
    )
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto("/incidents/new/")
    assert phone.locator("#f-region option:checked").inner_text().strip().endswith("北山街道")
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "incident-report-phone.png"), full_page=True)

    phone.select_option("#f-event_type", "geohazard")
    phone.fill("#f-missing", "1")
    phone.fill("#f-description", "山体滑坡冲毁民房一间，1人失联，已转移周边群众12人。")
    phone.get_by_role("button", name="使用我的位置").tap()
    phone.wait_for_function("() => document.getElementById('f-lon').value !== ''")
    assert float(phone.input_value("#f-lon")) == pytest.approx(WHERE["longitude"])
    phone.set_input_files("#f-photo", a_photo(tmp_path / "landslide.jpg"))
    phone.locator("#f-photo-preview img").wait_for()
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "incident-report-filled-phone.png"), full_page=True)
    phone.get_by_role("button", name="提交上报").tap()
    phone.wait_for_url(re.compile(r"/incidents/\d+/$"))
    assert "地质灾害" in phone.locator("#inc-head").inner_text()
    assert "未定级" in phone.locator("#inc-head .inc-grade").inner_text()
    photo = phone.locator("#inc-timeline .inc-photo img").first
    photo.wait_for()
    photo.scroll_into_view_if_needed()  # lazy: a phone loads it when the timeline is reached
    phone.wait_for_function(
        "() => document.querySelector('#inc-timeline .inc-photo img').naturalWidth > 0"
    )
    fits_the_screen(phone)
    phone.screenshot(path=str(artifacts / "incident-room-phone.png"), full_page=True)
    assert errors == []

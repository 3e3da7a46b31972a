"""Issue 8, done means 3 in browsers: the duty officer files a typhoon incident; the province
opens its room, previews the 防汛防台 plan at Ⅱ in the 预案启动 card and activates it; a
county colleague with the same room open sees the activation and its tasks arrive live,
without a reload. Runs against the real demo server (its library of example plans)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e
FXFT = "浙江省防汛防台抗旱应急预案（示例）"


@pytest.fixture
def person(browser: Any, server: str) -> Iterator[Callable[[str], Any]]:
    contexts: list[Any] = []

    def open_as(username: str) -> Any:
        context = browser.new_context(
            base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, username)
        page.wait_for_url(re.compile(r"/$"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_activating_the_typhoon_plan_shows_live_in_a_second_browser(person, artifacts):
    duty, province, colleague = person("xihu_duty"), person("zj_staff"), person("xihu_staff")
    errors: list[str] = []
    for page in (duty, province, colleague):
        page.on("pageerror", lambda error: errors.append(str(error)))

    duty.goto("/incidents/new/")
    duty.select_option("#f-event_type", "typhoon")
    duty.select_option("#f-region", "330106002000")
    duty.fill("#f-title", "台风影响北山街道")
    duty.fill("#f-description", "受台风外围影响，北山街道出现强降雨和大风，部分低洼处积水。")
    duty.get_by_role("button", name="提交上报").click()
    duty.wait_for_url(re.compile(r"/incidents/\d+/$"))
    room = duty.url.removeprefix(duty.url.split("/incidents/")[0])

    colleague.goto(room)
    colleague.locator('#inc-live[data-state="live"]').wait_for()
    colleague.evaluate("window.__notReloaded = true")

    province.goto(room)
    card = province.locator("#pl-panel")
    assert "尚未启动预案" in card.inner_text()
    option = province.locator("#pl-plan option", has_text=FXFT).get_attribute("value")
    province.select_option("#pl-plan", option)
    province.select_option("#pl-level", "2")
    province.click("#pl-preview-button")
    province.locator("#pl-preview table").wait_for()
    assert province.locator("#pl-preview tbody tr").count() == 12
    province.screenshot(path=str(artifacts / "plan-activation-preview.png"), full_page=True)
    province.click("#pl-activate-button")
    province.wait_for_url(re.compile(r"/incidents/\d+/$"))
    assert "生成 12 项任务" in province.locator(".messages").inner_text()
    assert "Ⅱ级" in card.locator(".pl-activation").first.inner_text()

    entry = colleague.locator("#inc-timeline li.inc-entry", has_text=f"启动《{FXFT}》Ⅱ级响应")
    entry.wait_for(timeout=8_000)
    colleague.wait_for_function(
        "() => document.querySelector('#inc-tasks').textContent.includes('停课、停工')",
        timeout=8_000,
    )
    colleague.locator("#pl-panel .pl-activation").wait_for(timeout=8_000)  # the card refreshed
    assert "Ⅱ级" in colleague.locator("#pl-panel .pl-activation").inner_text()
    assert colleague.evaluate("window.__notReloaded === true"), "the page was reloaded"
    colleague.screenshot(path=str(artifacts / "plan-activation-live.png"), full_page=True)
    assert errors == []

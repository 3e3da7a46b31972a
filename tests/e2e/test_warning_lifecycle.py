"""A warning through the pages by three people in three browsers: the duty officer drafts it
(the form offers only the type's colours and prefills the headline) and submits it, the
reviewer approves it, the issuer issues it; then anyone sees it on the public page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SERVER_ENV
from tests.e2e.test_onemap import sign_in
from tests.processes import run_python

pytestmark = pytest.mark.e2e


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
        if username:
            sign_in(page, username)
            page.wait_for_url(re.compile(r"/$"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def step(page: Any, url: str, action: str, state: str) -> None:
    page.goto(url)
    page.locator(f"button[data-action={action}]").click()
    page.wait_for_url(re.compile(r"/alerts/\d+/$"))
    assert page.locator("#al-state").inner_text().strip() == state


def test_draft_review_issue_by_three_people(person, artifacts):
    drafter, reviewer, issuer = person("xihu_duty"), person("xihu_reviewer"), person("xihu_issuer")
    errors: list[str] = []
    drafter.on("pageerror", lambda error: errors.append(str(error)))

    drafter.goto("/alerts/")
    drafter.get_by_role("link", name="新建预警").first.click()
    drafter.select_option("#f-event_type", "heat")
    assert drafter.locator("#f-level option[value='0']").is_disabled()  # 高温 has no 蓝色
    drafter.select_option("#f-event_type", "rainstorm")
    drafter.select_option("#f-level", "2")
    assert drafter.input_value("#f-headline") == "西湖区暴雨橙色预警（Ⅱ级）"
    drafter.fill("#f-description", "预计未来3小时西湖区降雨量将达50毫米以上，请注意防范。")
    drafter.fill("#f-shapes", "[30.22, 120.13, 2.5]")
    drafter.fill("#f-shape_description", "龙井村周边")
    drafter.screenshot(path=str(artifacts / "warning-form.png"), full_page=True)
    drafter.get_by_role("button", name="保存草稿").click()
    drafter.wait_for_url(re.compile(r"/alerts/\d+/$"))
    url = drafter.url
    assert drafter.locator("#al-state").inner_text().strip() == "草稿"
    drafter.wait_for_function("() => document.getElementById('al-map').dataset.state === 'ready'")
    assert drafter.locator("#al-map").get_attribute("data-layers") == "2"
    preview = drafter.locator("#al-preview")
    assert "应急广播" in preview.locator("thead").inner_text()  # the villages' loudspeakers
    broadcast = preview.locator("tbody tr").first.locator("td").nth(5).inner_text()
    assert int(broadcast) > 0
    preview.screenshot(path=str(artifacts / "warning-preview.png"))
    step(drafter, url, "submit", "待审核")

    assert reviewer.goto(url) and reviewer.locator("button[data-action=issue]").count() == 0
    step(reviewer, url, "review", "已审核")
    step(issuer, url, "issue", "已签发")
    identifier = issuer.locator("#al-identifier").inner_text().strip()
    assert identifier.startswith("330106000")
    assert [e.get_attribute("data-event") for e in issuer.locator("#al-history li").all()] == [
        "create",
        "submit",
        "review",
        "issue",
    ]
    issuer.screenshot(path=str(artifacts / "warning-issued.png"), full_page=True)

    public = person("")
    public.goto("/alerts/public/")
    assert "西湖区暴雨橙色预警（Ⅱ级）" in public.locator("#al-public").inner_text()
    public.wait_for_function("() => document.getElementById('al-map').dataset.state === 'ready'")
    public.screenshot(path=str(artifacts / "warning-public.png"), full_page=True)
    xml = public.request.get(f"/alerts/public/{identifier}.xml")
    assert xml.ok and b"<status>Actual</status>" in xml.body()
    _a_person_confirms_from_a_phone(person, identifier, artifacts)
    drafter.goto("/alerts/guides/")
    guides = drafter.locator("#al-guides")
    assert "政府及相关部门按照职责做好防台风应急和抢险工作" in guides.inner_text()
    drafter.screenshot(path=str(artifacts / "warning-guides.png"), full_page=True)
    assert errors == []


REPLY_LINK = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
import django
django.setup()
from yingji.alerts import outbox
from yingji.alerts.models import Ack
ack = Ack.objects.filter(warning__identifier=%r).order_by("pk").first()
print(outbox.ack_url(outbox.reply_token(ack.warning_id, ack.contact_id)))
"""


def _a_person_confirms_from_a_phone(person, identifier, artifacts):
    """The reply link of the message, opened on a 375 px phone: one tap confirms (叫应)."""
    link = run_python(SERVER_ENV, REPLY_LINK % identifier).strip()
    path = link[link.index("/alerts/ack/") :]
    phone = person("")
    phone.set_viewport_size({"width": 375, "height": 800})
    phone.goto(path)
    assert "西湖区暴雨橙色预警（Ⅱ级）" in phone.locator("#al-reply").inner_text()
    phone.locator("#al-ack-button").click()
    assert "已确认收到" in phone.locator("#al-acked").inner_text()
    phone.screenshot(path=str(artifacts / "warning-ack-phone.png"), full_page=True)

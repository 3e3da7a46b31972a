"""The 安全码 in a browser: a county officer opens an enterprise's code page and sees its QR
code; the public URL the QR encodes opens on a phone (375 px, not signed in) with the same
colour and the same reasons."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SERVER_ENV
from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e
WIDTH = 375
LOAD = (
    "import django; django.setup(); "
    "from yingji.enforcement import demo_credit; print(demo_credit.load())"
)


@pytest.fixture
def codes_computed(server: str) -> None:
    """Every demo enterprise has its code (the demo's credit part; idempotent)."""
    env = {**SERVER_ENV, "DJANGO_SETTINGS_MODULE": "yingji.settings"}
    subprocess.run(
        [sys.executable, "-c", LOAD], env=env, check=True, timeout=300, capture_output=True
    )


@pytest.fixture
def stranger(browser: Any, server: str) -> Iterator[Any]:
    """A phone that never signed in."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": WIDTH, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_staff_see_the_qr_and_a_phone_opens_the_public_page(
    page, stranger, codes_computed, artifacts
):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "xihu_staff")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/enforcement/codes/?colour=red")
    rows = page.locator("#yc-codes tbody a")
    if rows.count() == 0:  # no red code in 西湖区 today: any code will do
        page.goto("/enforcement/codes/")
    page.locator("#yc-codes tbody a").first.click()
    page.wait_for_url(re.compile(r"/enforcement/codes/\d+/$"))
    qr = page.locator("#yc-qr svg")
    qr.wait_for()
    assert qr.bounding_box()["width"] >= 150
    colour = page.locator("#yc-colour").get_attribute("data-colour")
    reasons = [t.strip() for t in page.locator("#yc-reasons .yc-reasons li").all_inner_texts()]
    public = page.locator("#yc-public-link").get_attribute("href")
    assert re.match(r"^http://127\.0\.0\.1:\d+/public/code/[A-Za-z0-9_-]{16}/$", public)
    page.screenshot(path=str(artifacts / "safety-code-staff.png"), full_page=True)
    assert errors == []

    stranger.goto(public)
    card = stranger.locator("#pc-code")
    card.wait_for()
    assert card.get_attribute("data-colour") == colour
    shown = [t.strip() for t in stranger.locator("#pc-reasons li").all_inner_texts()]
    assert shown == [re.sub(r"^[RY]\d+\s*", "", r) for r in reasons]
    assert stranger.locator("#pc-rules tr").count() >= 10  # how the code is decided
    width = stranger.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the public page scrolls sideways: {width}px"
    assert stranger.locator("text=xihu_staff").count() == 0  # nobody is signed in here
    stranger.screenshot(path=str(artifacts / "safety-code-public-phone.png"), full_page=True)

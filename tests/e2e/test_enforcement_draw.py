"""Issue 9, done means 1 in a browser: 西湖区 staff create a 双随机 plan, preview it, draw it,
see the tasks and the inputs' fingerprint, and verify the draw: "identical"."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import SERVER_ENV
from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e
LOAD = (
    "from yingji.cli import _setup_django; _setup_django(); "
    "from yingji.enforcement import demo_draw; print(demo_draw.load())"
)


@pytest.fixture
def demo_lists(server: str) -> None:
    """The draw part's demo (items, pool): idempotent, so loading it again is harmless."""
    subprocess.run(
        [sys.executable, "-c", LOAD], env=SERVER_ENV, check=True, timeout=120, capture_output=True
    )


def test_create_preview_draw_and_verify(page, artifacts, demo_lists):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "xihu_staff")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/enforcement/plans/new/")
    page.fill("#f-title", "浏览器测试：危化企业双随机抽查")
    option = page.locator("#f-item option", has_text="ZJ-YJ-SJ-001").get_attribute("value")
    page.select_option("#f-item", option)
    page.select_option("#f-region", "330106000000")
    assert page.input_value("#f-share") == "5"  # the item's share, filled in on choosing it
    page.click("#dj-create")
    page.wait_for_url(re.compile(r"/enforcement/plans/\d+/$"))
    preview = page.locator("#dj-preview")
    assert int(page.inner_text("#dj-pool-size")) > 0
    assert int(page.inner_text("#dj-total")) >= int(page.inner_text("#dj-key-count"))
    assert int(page.inner_text("#dj-inspectors")) >= 2
    assert preview.locator("#dj-problems").count() == 0
    page.screenshot(path=str(artifacts / "enforcement-draw-preview.png"), full_page=True)

    page.click("#dj-draw")
    page.wait_for_url(re.compile(r"/enforcement/plans/\d+/$"))
    page.locator("#dj-result").wait_for()
    assert page.get_attribute("#dj-plan", "data-state") == "drawn"
    assert re.fullmatch(r"[0-9a-f]{64}", page.inner_text("#dj-fingerprint").strip())
    rows = page.locator("#dj-tasks tbody tr")
    assert rows.count() > 0 and "JC-330106-" in rows.first.inner_text()
    per_inspector = page.locator("#dj-load tbody tr td:nth-child(2)").all_inner_texts()
    assert sum(int(n) for n in per_inspector) == 2 * rows.count()  # two inspectors per task

    page.click("#dj-verify-button")
    page.locator('#dj-verify [data-verify="identical"]').wait_for()
    page.screenshot(path=str(artifacts / "enforcement-draw-verified.png"), full_page=True)
    assert not errors

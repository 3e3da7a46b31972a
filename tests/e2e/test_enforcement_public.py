"""The public site of 公开, as an anonymous visitor: open /public/enforcement/, search an
enterprise, open its published penalty decision; on a desktop and on a 375-px phone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SERVER_ENV

pytestmark = pytest.mark.e2e

PHONE = 375


@pytest.fixture(scope="module")
def published(server: str) -> str:
    """Make sure the penalty demo is in the server's database (idempotent), and return the
    name of the enterprise whose decision it published."""
    script = (
        "from yingji.enforcement import demo_penalty; demo_penalty.load(); "
        "from yingji.enforcement.models import Publication; "
        "p = Publication.objects.filter(kind='decision', published_at__isnull=False, "
        "withdrawn_at__isnull=True).select_related('enterprise').order_by('pk').first(); "
        "print('NAME=' + p.enterprise.name)"
    )
    out = subprocess.run(
        [sys.executable, "-m", "yingji.cli", "manage", "shell", "-c", script],
        env=SERVER_ENV, check=True, timeout=300, capture_output=True, text=True,
    )  # fmt: skip
    names = [line[5:] for line in out.stdout.splitlines() if line.startswith("NAME=")]
    assert names, out.stdout + out.stderr
    return names[0]


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server, locale="zh-CN", viewport={"width": PHONE, "height": 812},
        device_scale_factor=2, is_mobile=True, has_touch=True,
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def visit(page: Any, name: str) -> None:
    """Search the enterprise and open its published decision."""
    page.goto("/public/enforcement/")
    assert page.locator("#pub-list li").count() >= 1
    page.fill("#pub-q", name)
    page.locator("#pub-go").click()
    page.wait_for_url("**/public/enforcement/?*")
    hits = page.locator("#pub-list a.pub-title")
    assert hits.count() >= 1 and all(name in t for t in hits.all_inner_texts())
    page.locator("#pub-list li", has=page.locator(".pub-kind.decision")).first.locator(
        "a.pub-title"
    ).click()
    page.wait_for_url("**/public/enforcement/*/")
    assert page.locator("#pub-enterprise").inner_text().strip() == name
    body = page.locator("#pub-body").inner_text()
    assert "行政处罚决定书文号" in body and "处罚依据" in body and "罚款人民币" in body


def test_a_visitor_finds_a_published_decision_on_a_desktop(
    page: Any, published: str, artifacts: Any
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/public/enforcement/")
    page.screenshot(path=str(artifacts / "enforcement-public-list.png"), full_page=True)
    assert page.locator(".topbar").count() == 0  # the public base, not the staff one
    visit(page, published)
    page.screenshot(path=str(artifacts / "enforcement-public-decision.png"), full_page=True)
    assert not errors


def test_a_visitor_finds_a_published_decision_on_a_phone(
    phone: Any, published: str, artifacts: Any
) -> None:
    phone.goto("/public/enforcement/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the list scrolls sideways: {width}px"
    phone.screenshot(path=str(artifacts / "enforcement-public-list-phone.png"), full_page=True)
    visit(phone, published)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the decision scrolls sideways: {width}px"
    phone.screenshot(path=str(artifacts / "enforcement-public-decision-phone.png"), full_page=True)

"""A county administrator manages accounts and exports a registry to Excel."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e


def test_export_villages_then_download(page, artifacts):
    sign_in(page, "xihu_staff")
    page.goto("/regions/330106/")
    page.select_option("select[name=level]", "village")
    page.get_by_role("button", name="导出 Excel").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    # The page polls (htmx) until the worker has written the file.
    link = page.get_by_role("link", name=re.compile("下载"))
    link.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "export.png"))
    with page.expect_download() as download_info:
        link.click()
    path = download_info.value.path()
    rows = list(load_workbook(io.BytesIO(path.read_bytes()), read_only=True).active.values)
    assert len(rows) == 1 + 222
    assert rows[1][1]  # a village name


def test_create_account_with_a_mistake_then_fix_it(page, artifacts):
    sign_in(page, "xihu_staff")
    page.goto("/users/new/")
    page.fill("input[name=username]", "xihu_grid9")
    page.fill("input[name=display_name]", "网格员 九")
    page.fill("input[name=region]", "330108")  # 滨江区: outside 西湖区
    page.check("input[name=roles][value=grid_worker]")
    page.fill("input[name=password]", "a-long-enough-pass-42")
    page.get_by_role("button", name="创建").click()
    assert "outside your jurisdiction" in page.locator(".field.invalid").inner_text()
    page.screenshot(path=str(artifacts / "user-form-error.png"))
    page.fill("input[name=region]", "330106002")
    page.fill("input[name=password]", "a-long-enough-pass-42")
    page.get_by_role("button", name="创建").click()
    page.wait_for_url(re.compile(r"/users/\d+/$"))
    assert "账号 xihu_grid9 已创建" in page.content()
    page.goto("/users/?q=grid9")
    assert page.locator("table.grid tbody tr").count() == 1

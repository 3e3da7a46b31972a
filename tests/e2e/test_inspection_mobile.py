"""掌上执法 on a phone (375 × 812, touch): 西湖区 staff open a complaint task through the API;
the demo inspector finds it in their list, starts, records the checklist with a photo of the
fault, turns it into a hidden hazard, signs and issues a 责令限期整改指令书 on the canvases
and downloads the PDF, which is read back. Done-means 2 of issue 9.

The test does not depend on the demo's draw: if the inspector pool or an item with a
checklist is missing it adds them to the server's database first (as the draw demo would).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import SERVER_ENV
from tests.e2e.test_hazards_mobile import WIDTH, a_photo, fits_the_screen
from tests.e2e.test_onemap import sign_in
from tests.processes import run_python

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHERE = {"longitude": 120.1302, "latitude": 30.2736}  # 西湖区
PREPARE = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
import django
django.setup()
from yingji.core.models import User
from yingji.enforcement.models import Conflict, InspectionItem, Inspector
from yingji.registry.models.enterprise import Enterprise

pool = []
for n, name in enumerate(("xihu_inspector", "xihu_inspector2"), 1):
    user = User.objects.get(username=name)
    found = Inspector.objects.filter(user=user).first()
    if found is None:
        found = Inspector.objects.create(
            user=user, name=user.display_name.split()[-1] or name,
            certificate_number=f"E2E-330106-{n:03d}", region_id="330106000000",
            qualifications="危化,工贸")
    elif not found.active or found.voided_at:
        Inspector.objects.filter(pk=found.pk).update(active=True, voided_at=None)
    pool.append(found)
items = InspectionItem.objects.filter(active=True, voided_at__isnull=True)
item = next((i for i in items.order_by("pk") if "330106".startswith(i.region_path)
             and isinstance(i.checklist, list) and len(i.checklist) >= 2), None)
if item is None:
    item = InspectionItem.objects.create(
        code="E2E-ITEM-1", name="危险化学品企业安全生产条件检查（测试）",
        legal_basis="《中华人民共和国安全生产法》第六十五条", region_id="330000000000",
        checklist=[{"id": "1", "text": "特种作业人员持证上岗", "basis": "《安全生产法》第三十条"},
                   {"id": "2", "text": "可燃有毒气体检测报警装置正常投用",
                    "basis": "安监总管三〔2017〕121号"}])
conflicted = Conflict.objects.filter(inspector__in=pool, withdrawn_at__isnull=True)
firm = (Enterprise.objects.filter(region_path__startswith="330106", voided_at__isnull=True)
        .exclude(pk__in=conflicted.values("enterprise")).order_by("-pk").first())
print(json.dumps({"item": item.pk, "points": len(item.checklist), "enterprise": firm.pk,
                  "name": firm.name, "inspectors": [p.pk for p in pool]}))
"""


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
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def open_task(page: Any, facts: dict[str, Any]) -> int:
    """西湖区 staff open a complaint task for the two inspectors through the API."""
    sign_in(page, "xihu_staff")
    page.wait_for_url(re.compile(r"/$"))
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    body = {
        "kind": "complaint",
        "enterprise": facts["enterprise"],
        "item": facts["item"],
        "inspectors": facts["inspectors"],
        "due_on": (datetime.now(SHANGHAI).date() + timedelta(days=7)).isoformat(),
    }
    made = page.request.post(
        "/api/enforcement/tasks",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert made.status == 201, made.text()
    return int(made.json()["id"])


def shot(page: Any, artifacts: Any, name: str) -> None:
    fits_the_screen(page)
    page.screenshot(path=str(artifacts / f"inspection-{name}.png"), full_page=True)


def sign(page: Any, canvas: Any, wobble: int) -> None:
    """A finger's signature: a stroke across the pad."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 22, y + (wobble if step % 2 else -wobble), steps=3)
    page.mouse.up()


def record_checklist(phone: Any, artifacts: Any, photo: str, points: int) -> str:
    """Every point compliant but the last, which gets a description, a position and a photo."""
    found = phone.locator("article.in-point")
    assert found.count() == points
    ids = [found.nth(n).get_attribute("id").removeprefix("point-") for n in range(points)]
    for point in ids[:-1]:
        form = phone.locator(f"#finding-form-{point}")
        form.locator("label.ok").tap()
        form.locator("button[type=submit]").tap()
        phone.wait_for_selector(f"#point-{point}.ok")
    fault = ids[-1]
    form = phone.locator(f"#finding-form-{fault}")
    form.locator("label.bad").tap()
    form.locator("textarea[name=description]").fill("储罐区可燃气体报警器断电，未投入使用")
    form.locator("[data-locate]").tap()
    phone.wait_for_function(
        f"() => document.querySelector('#finding-form-{fault} input[name=lon]').value !== ''"
    )
    phone.set_input_files(f"#ph-{fault}", photo)
    phone.locator(f"#ph-{fault}-preview img").wait_for()
    shot(phone, artifacts, "3-finding")
    form.locator("button[type=submit]").tap()
    phone.wait_for_selector(f"#point-{fault}.bad .in-thumbs img")
    phone.wait_for_function(
        f"() => document.querySelector('#point-{fault} .in-thumbs img').naturalWidth > 0"
    )
    return fault


def issue_order(phone: Any, artifacts: Any, name: str) -> str:
    """The preview, three signatures drawn on the pads, 签发; the document's number."""
    phone.locator('#in-documents a[href$="/documents/rectify_order/"]').tap()
    phone.wait_for_url("**/documents/rectify_order/")
    paper = phone.locator("#in-paper").inner_text()
    assert "责令限期整改指令书" in paper and name in paper
    assert "储罐区可燃气体报警器断电" in paper
    pads = phone.locator("#in-sign canvas")
    assert pads.count() == 3
    phone.fill("#f-signer", "王建国")
    for n in range(3):
        sign(phone, pads.nth(n), 6 + 3 * n)
    phone.wait_for_function(
        "() => [...document.querySelectorAll('#in-sign input[type=hidden]')]"
        ".every(i => i.value.startsWith('data:image/png;base64,'))"
    )
    shot(phone, artifacts, "5-sign")
    phone.locator("#in-issue").tap()
    phone.wait_for_url(re.compile(r"/enforcement/documents/\d+/$"))
    number = phone.locator("#in-doc-number").inner_text().strip()
    assert re.fullmatch(r"杭西应急责改〔\d{4}〕\d+号", number)
    shot(phone, artifacts, "6-document")
    return number


def test_an_inspection_on_a_phone_ends_in_a_signed_rectification_order(
    phone, artifacts, tmp_path, browser, server
):
    facts = json.loads(run_python(SERVER_ENV, PREPARE).strip().splitlines()[-1])
    staff = browser.new_context(base_url=server, locale="zh-CN")
    pk = open_task(staff.new_page(), facts)
    staff.close()
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(phone, "xihu_inspector")
    phone.wait_for_url(re.compile(r"/$"))
    phone.goto("/enforcement/tasks/")
    link = phone.locator(f'a.in-task[href="/enforcement/tasks/{pk}/"]')
    assert facts["name"] in link.inner_text()
    shot(phone, artifacts, "1-tasks")

    link.tap()
    phone.wait_for_url(f"**/enforcement/tasks/{pk}/")
    assert facts["name"] in phone.locator("#in-task h1").inner_text()
    shot(phone, artifacts, "2-task")
    phone.locator("#in-start button[type=submit]").tap()
    phone.wait_for_selector("#in-state.s-in_progress")
    assert "30.27360" in phone.locator("#in-task").inner_text()  # where it started

    fault = record_checklist(phone, artifacts, a_photo(tmp_path / "alarm.jpg"), facts["points"])
    hazard = phone.locator(f"#point-{fault} details.in-hazard")
    hazard.locator("summary").tap()
    hazard.locator("button[type=submit]").tap()
    code = phone.locator(f"#hazard-{fault} a")
    code.wait_for()
    assert re.fullmatch(r"YH-330106-\d{4}-\d{6}", code.inner_text().strip())
    shot(phone, artifacts, "4-hazard")

    number = issue_order(phone, artifacts, facts["name"])
    with phone.expect_download() as download:
        phone.locator("#in-pdf").tap()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "".join("".join(page.extract_text() for page in pdf.pages).split())
    assert "责令限期整改指令书" in text
    assert "".join(facts["name"].split()) in text
    assert number in text and "王建国" in text
    assert sum(len(page.images) for page in pdf.pages) >= 4  # the photo and three signatures
    assert not errors


def test_staff_list_and_new_task_fit_a_phone(phone, artifacts):
    """The bureau's side on a phone: the filtered list with its export, and the new-task form."""
    facts = json.loads(run_python(SERVER_ENV, PREPARE).strip().splitlines()[-1])
    pk = open_task(phone, facts)
    phone.goto(f"/enforcement/tasks/?inspector={facts['inspectors'][0]}&state=assigned")
    assert phone.locator(f'a.in-task[href="/enforcement/tasks/{pk}/"]').count() == 1
    assert phone.locator("form.in-export button").is_visible()
    shot(phone, artifacts, "7-staff-list")
    phone.goto("/enforcement/tasks/new/")
    phone.fill("#f-enterprise-q", facts["name"][:4])
    phone.locator("#in-enterprises input[name=enterprise]").first.wait_for()
    shot(phone, artifacts, "8-new-task")

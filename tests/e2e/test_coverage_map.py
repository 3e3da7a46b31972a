"""The rescue coverage page (救援覆盖分析) in a browser, as the provincial duty officer of the
demo (省应急管理厅). The demo's forces and helicopter sites reach every village, and the page
says so consistently (nothing drawn, 0 in the table). Then 丽水's helicopter base and landing
points are taken out of service: reloaded, the page counts the villages now outside the air
circle per county and draws exactly as many in blue over the county outlines; a click on one
tells how far off it is (the nearest site, km, minutes over the limit); the layer switches
hide and show them; a county lists its uncovered villages. And the incident page's 力量调度
card, used by the county duty officer (done means 4 in the browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SERVER_ENV
from tests.e2e.test_incident_room import file_accident
from tests.e2e.test_onemap import sign_in
from tests.processes import run_python

pytestmark = pytest.mark.e2e

MAP = "#cov-map"
LISHUI = "3311"
SITES = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
import django
django.setup()
from django.utils import timezone
from yingji.registry.models.rescue import AviationSite
now = timezone.now()
sites = AviationSite.objects.filter(region_path__startswith=%r)
print(sites.update(voided_at=%s, updated_at=now))
"""


@pytest.fixture
def lishui_sites_closed(server: str) -> Iterator[int]:
    """丽水's aviation sites out of service for one test (restored afterwards)."""
    closed = int(run_python(SERVER_ENV, SITES % (LISHUI, "now")).strip())
    yield closed
    run_python(SERVER_ENV, SITES % (LISHUI, "None"))


def total(page: Any, selector: str) -> int:
    return int(page.locator(selector).inner_text().strip())


def open_coverage(page: Any, query: str = "") -> Any:
    page.goto(f"/incidents/coverage/{query}")
    page.wait_for_selector(f'{MAP}[data-ready="1"]', timeout=60_000)
    return page.locator(MAP)


def drawn_matches_table(page: Any, the_map: Any) -> tuple[int, int]:
    ground, air = total(page, "#cov-total-ground"), total(page, "#cov-total-air")
    assert int(the_map.get_attribute("data-ground") or -1) == ground
    assert int(the_map.get_attribute("data-air") or -1) == air
    status = page.locator("#cov-status").inner_text()
    assert str(ground) in status and str(air) in status
    return ground, air


def submit(page: Any, button: Any) -> None:
    """Click a form's button and wait for the page it redirects to."""
    with page.expect_navigation():
        button.click()


def click_first_village(page: Any, mode: str) -> None:
    """Click the first village of a layer where the canvas draws it."""
    point = page.evaluate(
        """async (mode) => {
        const el = document.querySelector('#cov-map');
        const data = await (await fetch(el.dataset[mode + 'Url'])).json();
        const [lon, lat] = data.features[0].geometry.coordinates;
        el.yjMap.setView([lat, lon], 11, {animate: false});
        const p = el.yjMap.latLngToContainerPoint([lat, lon]);
        const box = el.getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""",
        mode,
    )
    page.wait_for_timeout(300)  # the canvas redraws after the view moved
    page.mouse.click(point["x"], point["y"])


def test_the_map_draws_what_the_table_counts_before_and_after_sites_close(page, artifacts, request):
    sign_in(page, "zj_staff")
    page.wait_for_url(re.compile(r"/$"))
    the_map = open_coverage(page)
    assert page.locator("#cov-counties tbody tr[data-county]").count() == 90  # all of Zhejiang
    before = drawn_matches_table(page, the_map)  # the demo: (0, 0), nothing drawn
    page.screenshot(path=str(artifacts / "coverage_map_demo.png"))

    assert request.getfixturevalue("lishui_sites_closed") > 0
    the_map = open_coverage(page)  # recomputed: the bases changed
    ground, air = drawn_matches_table(page, the_map)
    assert ground == before[0] and air > before[1]
    lishui = page.locator(f'#cov-counties tr[data-county^="{LISHUI}"] [data-air-uncovered]')
    assert sum(int(v) for v in lishui.evaluate_all("c => c.map(e => e.dataset.airUncovered)")) > 0
    assert page.locator(f"{MAP} canvas").count() >= 1  # the villages, drawn on a canvas
    page.screenshot(path=str(artifacts / "coverage_map.png"))

    click_first_village(page, "air")
    popup = page.locator(".leaflet-popup .cov-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert re.search(r"\d{12}", text) and "航空救援圈外" in text  # the village, the circle
    assert "最近基地" in text and "超出标准" in text and "30 分钟" in text
    page.wait_for_timeout(400)  # the popup fades in
    page.locator(MAP).screenshot(path=str(artifacts / "coverage_popup.png"))

    page.uncheck("#cov-show-air")
    assert the_map.get_attribute("data-air-shown") == "0"
    page.check("#cov-show-air")
    assert the_map.get_attribute("data-air-shown") == "1"

    worst = page.evaluate(
        """() => [...document.querySelectorAll('#cov-counties tbody tr[data-county]')]
            .map(r => [r.dataset.county, +r.querySelector('[data-air-uncovered]').textContent])
            .sort((a, b) => b[1] - a[1])[0]"""
    )
    page.locator(f'#cov-counties tr[data-county="{worst[0]}"] a').click()
    page.wait_for_url(re.compile(rf"county={worst[0]}"))
    listed = page.locator("#cov-village-list tbody tr[data-village]")
    assert listed.count() >= worst[1] > 0  # each village outside a circle, once
    codes = listed.evaluate_all("rows => rows.map(r => r.dataset.village)")
    assert all(code.startswith(worst[0]) for code in codes)
    page.locator("#cov-villages").screenshot(path=str(artifacts / "coverage_county.png"))


def test_the_duty_officer_dispatches_a_team_and_allocates_supplies(page, artifacts):
    """The 力量调度 card of a chemical accident: 危化 teams first, fastest first; one is
    dispatched and sets out; tents are requested, an allocation beyond a depot's stock is
    refused naming the field, and the stock there is allocated."""
    sign_in(page, "xihu_duty")
    page.wait_for_url(re.compile(r"/$"))
    file_accident(page, artifacts)
    panel = page.locator("#dispatch")
    rows = panel.locator("#dp-suggestions tbody tr[data-force]")
    first = rows.first
    if panel.locator("#dp-fallback").count():  # the demo's 西湖区 may have no 危化 team free
        assert "危化" in panel.locator("#dp-fallback").inner_text()
    else:
        assert "危化" in first.locator(".dp-tag").first.inner_text()
    assert "直线距离" in panel.locator("#dp-travel-note").inner_text()
    panel.locator("#dp-specialty").select_option("防汛")  # submits itself
    page.wait_for_url(re.compile(r"specialty=%E9%98%B2%E6%B1%9B"))
    assert rows.count() == 10
    assert all("防汛" in tags for tags in rows.locator("td:nth-child(3)").all_inner_texts())
    times = [int(t) for t in rows.locator("td:nth-child(5)").all_inner_texts()]
    assert times == sorted(times)  # fastest first
    name = first.locator("td:nth-child(2)").inner_text().split(" ")[0]
    submit(page, first.locator("button[data-dispatch]"))
    assert "已调派" in page.locator(".messages").inner_text()
    order = page.locator("#dp-orders tbody tr[data-order]").first
    assert name in order.inner_text() and order.get_attribute("data-status") == "dispatched"
    submit(page, order.locator('button[data-step="en_route"]'))
    assert page.locator("#dp-orders tbody tr[data-order]").first.get_attribute(
        "data-status") == "en_route"  # fmt: skip

    form = page.locator("#dp-supply-form")
    form.locator("select[name=category]").select_option("living")
    form.locator("input[name=name]").fill("帐篷")
    form.locator("input[name=unit]").fill("顶")
    form.locator("input[name=quantity]").fill("１００００００")  # full-width, as typed
    submit(page, form.locator("button[type=submit]"))
    assert "已申请物资" in page.locator(".messages").inner_text()
    source = page.locator("#dp-requests .dp-sources tbody tr[data-item]").first
    stock = source.get_attribute("data-stock") or "0"
    source.locator("input[name=quantity]").fill(str(int(float(stock)) + 1))
    submit(page, source.locator("button[data-allocate]"))
    assert "(quantity)" in page.locator(".messages .error").inner_text()
    assert page.locator("#dp-requests .dp-allocations").count() == 0  # nothing written
    sources = page.locator("#dp-requests .dp-sources tbody tr[data-item]")
    submit(page, sources.first.locator("button[data-allocate]"))
    assert "已从" in page.locator(".messages").inner_text()
    assert page.locator("#dp-requests .dp-allocations tr[data-allocation]").count() == 1
    page.locator("#dispatch").screenshot(path=str(artifacts / "dispatch_panel.png"))

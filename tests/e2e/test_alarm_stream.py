"""A duty officer's alarm queue stays live (server-sent events): a gas detector's reading posted
to the ingest API raises an alarm that appears on the open page within seconds, without a
reload; the officer acknowledges it and gives a disposition in the page, where the API's
refusal (a false alarm needs a note) is shown in the row. The station map shows the station
in red. The data is the demo's network; the test posts its own reading, like a gateway."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_onemap import sign_in

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots")  # noqa: S108 - where the reviewer looks at the screenshots
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def duty(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, "xihu_duty")
    page.wait_for_url(re.compile(r"/$"))
    yield page
    context.close()


@pytest.fixture
def gateway(browser: Any, server: str) -> Iterator[Any]:
    """西湖区 registry staff posting readings through the ingest API with their session."""
    context = browser.new_context(base_url=server, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, "xihu_staff")
    page.wait_for_url(re.compile(r"/$"))
    yield page
    context.close()


def shoot(page: Any, artifacts: Path, name: str, **options: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for folder in (SHOTS, artifacts):
        page.screenshot(path=str(folder / name), **options)


def quiet_gas_detector(gateway: Any) -> str:
    """A 西湖 flammable-gas detector with no open alarm (GB/T 50493: 红 at 50 %LEL)."""
    response = gateway.request.get("/api/monitoring/stations/latest")
    assert response.ok, response.text()
    for station in response.json()["stations"]:
        for sensor in station["sensors"]:
            if sensor["type"] == "gas_lel" and sensor["alarms"] == 0:
                return str(sensor["code"])
    raise AssertionError("the demo network has no quiet gas detector in 西湖区")


def post_readings(gateway: Any, code: str, values: list[float]) -> None:
    now = int(time.time())
    rows = [
        {"sensor": code, "ts": now - 5 * (len(values) - 1 - i), "value": v}
        for i, v in enumerate(values)
    ]
    token = gateway.locator('meta[name="csrf-token"]').get_attribute("content")
    response = gateway.request.post(
        "/api/ingest/readings", data={"readings": rows}, headers={"X-CSRFToken": token}
    )
    assert response.ok, response.text()
    assert response.json()["accepted"] == len(values)


def test_a_new_alarm_appears_live_and_is_handled_in_the_page(duty, gateway, artifacts):
    errors: list[str] = []
    duty.on("pageerror", lambda error: errors.append(str(error)))
    duty.goto("/monitoring/alarms/")
    duty.locator('#mon-live[data-state="live"]').wait_for()
    duty.evaluate("window.__notReloaded = true")
    all_tab = duty.locator('.hz-state-tabs a[data-state="all"] .n')
    before = int(all_tab.inner_text())
    code = quiet_gas_detector(gateway)

    post_readings(gateway, code, [3.0, 62.5])
    found = gateway.request.get(f"/api/monitoring/alarms?sensor={code}&state=open").json()
    (alarm,) = found["items"]
    assert alarm["level_name"] == "red"
    row = duty.locator(f"#alarm-{alarm['id']}")
    started = time.monotonic()
    row.wait_for(timeout=8_000)
    arrived = time.monotonic() - started
    assert arrived < 8, arrived
    assert duty.evaluate("window.__notReloaded === true"), "the page was reloaded"
    assert duty.locator("#mon-alarms > li").first.get_attribute("id") == f"alarm-{alarm['id']}"
    text = row.inner_text()
    assert code in text and "红" in text and "待确认" in text and "超阈值" in text
    assert "62.5" in text
    assert int(all_tab.inner_text()) == before + 1  # the tabs' counts follow
    shoot(duty, artifacts, "alarm-queue.png", full_page=True)

    row.get_by_role("button", name="确认").click()
    row.locator(".mon-ack.done").wait_for()
    assert "xihu_duty" in row.inner_text() or "张伟" in row.inner_text()
    assert row.get_by_role("button", name="确认").count() == 0

    # a false alarm needs a note: the API's refusal is shown in the row, then corrected
    row.locator("summary").click()
    row.locator("select[name=disposition]").select_option("false")
    row.get_by_role("button", name="保存处置").click()
    error = row.locator(".mon-error")
    error.wait_for()
    assert "误报" in error.inner_text()
    row.locator("textarea[name=note]").fill("探头标定后复测正常，判定为误报")
    row.get_by_role("button", name="保存处置").click()
    row.locator(".mon-disp.d-false").wait_for()
    handled = gateway.request.get(f"/api/monitoring/alarms/{alarm['id']}").json()
    assert handled["acknowledged_by"] and handled["disposition"] == "false"
    assert handled["note"] == "探头标定后复测正常，判定为误报"
    assert duty.evaluate("window.__notReloaded === true")
    shoot(duty, artifacts, "alarm-queue-handled.png", full_page=True)
    assert errors == []


def test_the_station_map_and_the_queue_on_a_phone(browser, server, gateway, artifacts):
    code = quiet_gas_detector(gateway)
    post_readings(gateway, code, [2.0, 55.0])
    context = browser.new_context(
        base_url=server,
        locale="zh-CN",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    try:
        sign_in(phone, "xihu_duty")
        phone.wait_for_url(re.compile(r"/$"))
        phone.goto("/monitoring/")
        phone.locator('#mon-map[data-state="ready"]').wait_for()
        assert int(phone.locator("#mon-map").get_attribute("data-count")) > 10
        # the red station (or the cluster holding it) is drawn in red
        phone.wait_for_function(
            "() => document.querySelectorAll('.worst-red, path.st-red').length > 0"
        )
        assert phone.locator('#mon-legend [data-status="red"]').inner_text().strip() != "0"
        assert code in phone.locator("#mon-alarms").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shoot(phone, artifacts, "station-map-phone.png", full_page=True)
        phone.goto("/monitoring/alarms/")
        phone.locator('#mon-live[data-state="live"]').wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shoot(phone, artifacts, "alarm-queue-phone.png", full_page=True)
    finally:
        context.close()


def test_the_station_map_on_a_desktop(duty, gateway, artifacts):
    duty.goto("/monitoring/")
    duty.locator('#mon-map[data-state="ready"]').wait_for()
    duty.locator('#mon-live[data-state="live"]').wait_for()
    shoot(duty, artifacts, "station-map.png")
    first = duty.locator("#mon-alarms .mon-alarm-main").first
    first.click()
    duty.wait_for_url(re.compile(r"/monitoring/alarms/\d+/$"))
    duty.locator('.mon-facts a[href^="/monitoring/sensors/"]').click()
    duty.wait_for_url(re.compile(r"/monitoring/sensors/\d+/$"))
    duty.locator('#mon-chart[data-state="ready"]').wait_for()
    assert int(duty.locator("#mon-chart").get_attribute("data-points")) >= 1
    shoot(duty, artifacts, "sensor-chart.png", full_page=True)

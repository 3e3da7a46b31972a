"""The monitoring pages (监测预警) as users see them: each renders for a duty officer with the
alarms of their jurisdiction only; anonymous visitors are sent to sign in and users without the
alarm role are refused; the queue's filters, its live row fragment and the handling buttons
shown only to those who may handle alarms."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.monitoring.conftest import BINJIANG_GAS, GAS, WIND, XIHU_STATION, post
from yingji.monitoring import services
from yingji.monitoring.models import Alarm

pytestmark = pytest.mark.django_db

NOW = int(dt.datetime.now(dt.UTC).timestamp())
T = NOW - 600


@pytest.fixture
def people(make_user, gateway, binjiang_gateway):
    other = binjiang_gateway
    post(gateway, GAS, [(T, 5.0), (T + 5, 60.0)])
    post(gateway, WIND, [(T - 1200, 10.8), (T - 600, 17.2)])
    post(other, BINJIANG_GAS, [(T, 3.0), (T + 5, 70.0)])
    return {
        "duty": make_user("xihu_duty", "330106", "duty_officer"),
        "viewer": make_user("xihu_viewer", "330106", "viewer"),
        "binjiang": make_user("binjiang_duty", "330108", "duty_officer"),
        "company": make_user("xihu_company", "330106002", "enterprise_user"),
    }


def gas_alarm() -> Alarm:
    return Alarm.objects.get(sensor__code=GAS)


def pages() -> list[str]:
    alarm = gas_alarm()
    return [
        "/monitoring/",
        "/monitoring/alarms/",
        f"/monitoring/alarms/{alarm.pk}/",
        f"/monitoring/alarms/{alarm.pk}/row/",
        f"/monitoring/sensors/{alarm.sensor_id}/",
        "/monitoring/noisy/",
    ]


def html(client, user, url: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def test_every_page_renders_for_a_duty_officer(client, people):
    for url in pages():
        page = html(client, people["duty"], url)
        assert GAS in page or "监测" in page, url
    nav = html(client, people["duty"], "/monitoring/alarms/")
    assert 'href="/monitoring/"' in nav and "监测预警" in nav  # the site navigation's entry


def test_anonymous_visitors_sign_in_first_and_others_are_refused(client, people):
    urls = pages()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in urls:
        html(client, people["company"], url, status=403)  # an enterprise user has no alarms


def test_another_countys_alarm_and_sensor_are_not_found(client, people):
    alarm = gas_alarm()
    for url in (
        f"/monitoring/alarms/{alarm.pk}/",
        f"/monitoring/alarms/{alarm.pk}/row/",
        f"/monitoring/sensors/{alarm.sensor_id}/",
        f"/monitoring/alarms/{2**70}/",
        f"/monitoring/sensors/{2**70}/",
    ):
        html(client, people["binjiang"], url, status=404)
    queue = html(client, people["binjiang"], "/monitoring/alarms/")
    side = html(client, people["binjiang"], "/monitoring/")
    for page in (queue, side):
        assert BINJIANG_GAS in page and GAS not in page and WIND not in page


def test_the_queue_lists_unacknowledged_open_alarms_first_with_handling_buttons(client, people):
    gas, wind = gas_alarm(), Alarm.objects.get(sensor__code=WIND)
    services.acknowledge(people["duty"], gas.pk)
    page = html(client, people["duty"], "/monitoring/alarms/")
    assert page.index(f'id="alarm-{wind.pk}"') < page.index(f'id="alarm-{gas.pk}"')
    assert 'data-act="acknowledge"' in page and 'data-act="dispose"' in page
    assert 'data-stream-url="/monitoring/alarms/stream?since=' in page
    assert "待确认" in page and "已确认" in page  # the badges
    assert "红" in page and "黄" in page
    viewer = html(client, people["viewer"], "/monitoring/alarms/")
    assert f'id="alarm-{wind.pk}"' in viewer
    assert 'data-act="acknowledge"' not in viewer and 'data-act="dispose"' not in viewer


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("rule=threshold", [GAS], [WIND]),
        ("rule=gale", [WIND], [GAS]),
        ("level=3", [GAS], [WIND]),
        ("state=closed", [], [GAS, WIND]),
        ("region=330106002", [GAS, WIND], []),
        ("q=-W1", [WIND], [GAS]),
    ],
)
def test_queue_filters(client, people, query, shown, hidden):
    page = html(client, people["duty"], f"/monitoring/alarms/?{query}")
    for code in shown:
        assert code in page, (query, code)
    for code in hidden:
        assert code not in page, (query, code)


def test_bad_queue_filters_are_reported_not_crashing(client, people):
    for query in (
        "level=abc",
        "rule=arson",
        "state=lost",
        "region=33x",
        "q=" + "x" * 200,
        "page=-3",
    ):
        page = html(client, people["duty"], f"/monitoring/alarms/?{query}")
        assert GAS in page or "error" in page, query


def test_the_row_fragment_follows_the_pages_filters(client, people):
    alarm = gas_alarm()
    client.force_login(people["duty"])
    url = f"/monitoring/alarms/{alarm.pk}/row/"
    assert client.get(url, {"state": "open"}).status_code == 200
    assert client.get(url, {"state": "closed"}).status_code == 204
    assert client.get(url, {"rule": "gale"}).status_code == 204
    compact = client.get(url, {"compact": "1"}).content.decode()
    assert "compact" in compact and 'data-act="acknowledge"' not in compact


def test_the_alarm_page_shows_levels_values_and_the_handling_record(client, people):
    alarm = Alarm.objects.get(sensor__code=WIND)
    services.dispose(people["duty"], alarm.pk, disposition="false", note="风速仪受干扰")
    page = html(client, people["duty"], f"/monitoring/alarms/{alarm.pk}/")
    assert "大风" in page and "17.2" in page and "风速仪受干扰" in page
    assert "误报" in page and "xihu_duty" in page
    assert f'href="/monitoring/sensors/{alarm.sensor_id}/"' in page
    assert page.count('class="mon-level lv-') >= 3  # the badge and two steps: 蓝 then 黄


def test_the_sensor_page_has_the_chart_thresholds_and_alarm_history(client, people):
    alarm = gas_alarm()
    page = html(client, people["duty"], f"/monitoring/sensors/{alarm.sensor_id}/?hours=72")
    assert f'data-series-url="/api/monitoring/sensors/{alarm.sensor_id}/series"' in page
    assert 'data-hours="72"' in page and "/static/vendor/echarts.min.js" in page
    assert "25" in page and "50" in page  # GB/T 50493 first and second alarm
    assert f'id="alarm-{alarm.pk}"' in page
    fallback = html(client, people["duty"], f"/monitoring/sensors/{alarm.sensor_id}/?hours=9999")
    assert 'data-hours="24"' in fallback


def test_the_map_page_lists_open_alarms_and_loads_the_stations(client, people):
    page = html(client, people["duty"], "/monitoring/")
    assert 'data-stations-url="/api/monitoring/stations/latest"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page and "markercluster" in page
    assert GAS in page and WIND in page
    assert "unpkg" not in page and "cdn" not in page.lower()


def test_the_noisy_sensor_report(client, people, gateway, make_sensor):
    noisy = f"{XIHU_STATION}-G2"
    make_sensor(noisy, type="可燃气体", unit="%LEL", expected_interval_s=5)
    post(gateway, noisy, [(T - 9000, 60.0), (T - 8995, 1.0), (T - 5000, 1.0), (T - 4995, 60.0)])
    first = Alarm.objects.filter(sensor__code=noisy).order_by("started_at").first()
    services.dispose(people["duty"], first.pk, disposition="false", note="探头受潮")
    page = html(client, people["duty"], "/monitoring/noisy/?days=7")
    assert 'id="mon-noisy-chart"' in page and 'id="mon-noisy-data"' in page
    row = page[page.index('id="mon-noisy"') :]
    assert (
        noisy in row and "100%" in row and f'href="/monitoring/sensors/{first.sensor_id}/"' in row
    )
    assert GAS not in row  # one alarm only: not noisy
    assert 'aria-current="true">近 30 天' in html(
        client, people["duty"], "/monitoring/noisy/?days=1000"
    )

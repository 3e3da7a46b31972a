"""The two hot paths of the load benchmark (issue 11) stay cheap without changing what users get:
a gateway's small batch is written in one statement per table and judged without loading
unrelated open alarms, a large batch stores the same figures; the alarm queue shows the same
times and ages, with a number of queries that does not grow with its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.timesince import timesince
from django.utils.translation import gettext

from tests.monitoring.conftest import GAS, RAIN, WIND, post
from yingji.monitoring import ingest as ingest_module
from yingji.monitoring import services
from yingji.monitoring.ingest import ingest
from yingji.monitoring.models import Alarm, HourlyAggregate, Reading, SensorState

pytestmark = pytest.mark.django_db

NOW = int(dt.datetime.now(dt.UTC).timestamp())
HOUR0 = NOW - NOW % 3600 - 3 * 3600  # three whole hours ago
ALARM_COLUMNS = '"monitoring_alarm"."levels"'  # only a query loading alarm models has it


def test_a_small_batch_is_judged_without_loading_other_sensors_open_alarms(gateway):
    post(gateway, GAS, [(NOW - 60, 5.0), (NOW - 55, 60.0)])  # an open 红 gas alarm
    assert Alarm.objects.filter(ended_at__isnull=True).count() == 1
    with CaptureQueriesContext(connection) as queries:
        post(gateway, RAIN, [(NOW - 50, 0.2)])
    assert not [q for q in queries.captured_queries if ALARM_COLUMNS in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        post(gateway, GAS, [(NOW - 50, 65.0)])  # its own open alarm is carried on
    assert [q for q in queries.captured_queries if ALARM_COLUMNS in q["sql"]]
    alarm = Alarm.objects.get()
    assert alarm.ended_at is None and alarm.peak_value == 65.0


def test_small_batches_and_one_large_batch_store_the_same(gateway, make_sensor):
    """Up to ingest.SMALL rows go in one multi-row statement per table, more by executemany:
    readings, hourly figures, latest values, watermarks and the duplicate count agree."""
    make_sensor(f"{RAIN}X")
    series = [(HOUR0 + 60 * k, round(0.1 * (k % 5), 1)) for k in range(150)]
    assert len(series) > ingest_module.SMALL
    for code, batch in ((RAIN, 10), (f"{RAIN}X", len(series))):
        rows = [{"sensor": code, "ts": ts, "value": v} for ts, v in series]
        ingest(gateway, rows[:40])  # stored before: the second pass counts duplicates
        for start in range(0, len(rows), batch):
            ingest(gateway, rows[start : start + batch])
        again = ingest(gateway, rows[:batch])
        assert again.accepted == 0 and again.duplicates == min(batch, len(rows))

    def stored(code: str) -> tuple[list[tuple[int, float]], list[tuple], tuple]:
        readings = list(
            Reading.objects.filter(sensor__code=code).order_by("ts").values_list("ts", "value")
        )
        hours = list(
            HourlyAggregate.objects.filter(sensor__code=code)
            .order_by("hour")
            .values_list("hour", "count", "sum", "min", "max")
        )
        state = SensorState.objects.filter(sensor__code=code).values_list(
            "last_ts", "last_value", "evaluated_to"
        )
        return readings, hours, state.get()

    small, large = stored(RAIN), stored(f"{RAIN}X")
    assert len(small[0]) == 150 and sum(h[1] for h in small[1]) == 150
    assert small[2] == (series[-1][0], series[-1][1], series[-1][0])
    assert [h[:2] for h in small[1]] == [h[:2] for h in large[1]]
    assert small[0] == large[0] and small[2] == large[2]
    for a, b in zip(small[1], large[1], strict=True):
        assert a[2:] == pytest.approx(b[2:])


@pytest.fixture
def duty(make_user, gateway):
    post(gateway, GAS, [(NOW - 600, 5.0), (NOW - 595, 60.0)])
    post(gateway, WIND, [(NOW - 1800, 10.8), (NOW - 1200, 17.2)])
    return make_user("xihu_duty", "330106", "duty_officer")


def test_queue_rows_show_local_times_and_the_age(client, duty):
    gas = Alarm.objects.get(sensor__code=GAS)
    services.acknowledge(duty, gas.pk)
    escalated = timezone.now() - dt.timedelta(minutes=3)
    Alarm.objects.filter(pk=gas.pk).update(escalations=1, escalated_at=escalated)
    gas.refresh_from_db()
    client.force_login(duty)
    page = client.get("/monitoring/alarms/").content.decode()
    row = page[page.index(f'id="alarm-{gas.pk}"') :]
    row = row[: row.index("</li>")]
    local = timezone.localtime  # Asia/Shanghai
    assert f'data-updated="{gas.updated_at.timestamp():.6f}"' in row
    assert f'datetime="{local(gas.raised_at).isoformat()}"' in row
    with translation.override("zh-hans"):  # the page's language
        raised_at, ago = (
            gettext("Raised at"),
            gettext("%(t)s ago") % {"t": timesince(gas.raised_at)},
        )
    assert f'title="{raised_at} {local(gas.raised_at):%Y-%m-%d %H:%M}"' in row
    assert f">{ago}</time>" in row and "前" in ago
    assert f'<span class="mon-ack done" title="{local(gas.acknowledged_at):%Y-%m-%d %H:%M}">' in row
    assert f'<span class="mon-escalated" title="{local(escalated):%Y-%m-%d %H:%M}">' in row
    assert 'value="false" data-note="1"' in row and 'value="real">' in row  # note needed or not


def test_queue_queries_do_not_grow_with_its_rows(client, duty):
    client.force_login(duty)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/monitoring/alarms/").status_code == 200
    template = Alarm.objects.get(sensor__code=GAS)
    copies = []
    for k in range(1, 29):
        template.pk = None
        template.started_at = template.raised_at = timezone.now() - dt.timedelta(hours=k)
        template.ended_at = template.started_at + dt.timedelta(minutes=30)  # one open a rule
        copies.append(
            Alarm(**{f.attname: getattr(template, f.attname) for f in Alarm._meta.fields})
        )
    Alarm.objects.bulk_create(copies)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/monitoring/alarms/").content.decode()
    assert page.count('<li class="mon-alarm') == 30  # a full page
    assert len(many) == len(few)

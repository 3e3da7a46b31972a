"""Alarm handling (issue 6, done means 4): acknowledge and dispose with role and jurisdiction
checks, escalation of unacknowledged alarms up the offices, auto-recovery, 数据中断 and 数据不变
from the sweep, retention of raw readings, and the statistics that find noisy sensors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.monitoring.conftest import GAS, post
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification
from yingji.monitoring import services
from yingji.monitoring.models import Alarm, HourlyAggregate, Reading, Rule, Sensor

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
T = int(NOW.timestamp()) - 600


@pytest.fixture
def people(make_user, gateway):
    return {
        "duty": make_user("xihu_duty", "330106", "duty_officer"),
        "viewer": make_user("xihu_viewer", "330106", "viewer"),
        "binjiang": make_user("binjiang_duty", "330108", "duty_officer"),
        "city": make_user("hz_staff", "3301", "city_staff"),
        "province": make_user("zj_staff", "33", "province_staff"),
    }


@pytest.fixture
def alarm(gateway, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # notifications go after the commit
        post(gateway, GAS, [(T, 5.0), (T + 5, 60.0)])
    return Alarm.objects.get(sensor__code=GAS)


def test_a_new_alarm_tells_the_county_duty_office(alarm, people):
    told = Notification.objects.filter(recipient=people["duty"])
    assert told.count() == 1 and GAS in told.get().title
    assert told.get().link == f"/monitoring/alarms/{alarm.pk}/"
    assert not Notification.objects.filter(recipient=people["binjiang"]).exists()


def test_acknowledge_needs_the_role_and_the_jurisdiction(alarm, people):
    with pytest.raises(Forbidden):
        services.acknowledge(people["viewer"], alarm.pk)
    with pytest.raises(NotFound):
        services.acknowledge(people["binjiang"], alarm.pk)  # another county: as if absent
    done = services.acknowledge(people["duty"], alarm.pk, note="已电话联系企业")
    assert done.acknowledged_by == people["duty"] and done.note == "已电话联系企业"
    with pytest.raises(Conflict, match="Already acknowledged by xihu_duty"):
        services.acknowledge(people["city"], alarm.pk)
    assert (
        AuditEntry.objects.filter(action="alarm_acknowledge", object_id=str(alarm.pk)).count() == 1
    )


def test_dispose_checks_the_disposition_and_asks_why_for_a_false_alarm(alarm, people):
    with pytest.raises(InvalidInput, match="Unknown disposition"):
        services.dispose(people["duty"], alarm.pk, disposition="ignored")
    with pytest.raises(InvalidInput, match="why"):
        services.dispose(people["duty"], alarm.pk, disposition="false", note="  ")
    with pytest.raises(InvalidInput, match="at most 2000"):
        services.dispose(people["duty"], alarm.pk, disposition="real", note="x" * 2001)
    alarm.refresh_from_db()
    assert alarm.disposition == "" and alarm.acknowledged_at is None  # nothing changed
    done = services.dispose(people["duty"], alarm.pk, disposition="false", note="探头受潮")
    assert (done.disposition, done.acknowledged_by) == ("false", people["duty"])
    corrected = services.dispose(people["duty"], alarm.pk, disposition="real", note="复核属实")
    assert corrected.disposition == "real"
    assert AuditEntry.objects.filter(action="alarm_dispose").count() == 2


def test_unacknowledged_alarms_escalate_county_city_province(
    alarm, people, django_capture_on_commit_callbacks
):
    raised = alarm.raised_at
    with (
        override_settings(ALARM_ESCALATE_MINUTES=15),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.escalate(raised + dt.timedelta(minutes=14)) == 0
        assert services.escalate(raised + dt.timedelta(minutes=15)) == 1
        assert services.escalate(raised + dt.timedelta(minutes=16)) == 0  # not again yet
        assert services.escalate(raised + dt.timedelta(minutes=30)) == 1
        assert services.escalate(raised + dt.timedelta(hours=5)) == 0  # the province knows
    alarm.refresh_from_db()
    assert alarm.escalations == 2
    assert (
        Notification.objects.filter(recipient=people["city"], title__contains="escalated").count()
        == 1
    )
    assert (
        Notification.objects.filter(
            recipient=people["province"], title__contains="escalated"
        ).count()
        == 1
    )


def test_an_acknowledged_alarm_does_not_escalate(alarm, people):
    services.acknowledge(people["duty"], alarm.pk)
    assert services.escalate(alarm.raised_at + dt.timedelta(hours=1)) == 0


def test_the_sweep_closes_an_alarm_whose_sensor_fell_silent_after_clearing(gateway, people):
    post(gateway, GAS, [(T - 7200, 60.0), (T - 7195, 1.0)])  # cleared at T − 7195
    alarm = Alarm.objects.get(sensor__code=GAS)
    assert alarm.ended_at is None and alarm.cleared_at is not None
    assert services.close_recovered(NOW) == 1
    alarm.refresh_from_db()
    assert int(alarm.ended_at.timestamp()) == T - 7195 + 3600  # the instant the hold ran out


def test_stale_sensor_alarm_opens_once_and_closes_when_data_returns(gateway, people):
    post(gateway, GAS, [(T, 1.0)])  # a 5-second detector, then silence
    later = dt.datetime.fromtimestamp(T + 16, dt.UTC)
    assert services.stale_sensors(later) == (1, 0)  # 16 s > 3 × 5 s
    assert services.stale_sensors(later) == (0, 0)  # one alarm, not one a minute
    stale = Alarm.objects.get(rule=Rule.STALE)
    assert stale.level == 0 and stale.ended_at is None
    post(gateway, GAS, [(T + 20, 1.0)])
    stale.refresh_from_db()
    assert int(stale.ended_at.timestamp()) == T + 20


def test_a_stuck_water_gauge(gateway, make_sensor):
    make_sensor("33-RAIN-330106-001-H1", type="水位", unit="m", expected_interval_s=600, warn_on=9)
    hour = int(NOW.timestamp()) // 3600 * 3600
    sensor = Sensor.objects.get(code="33-RAIN-330106-001-H1")
    HourlyAggregate.objects.bulk_create(
        HourlyAggregate(
            sensor=sensor, hour=hour - 3600 * k, count=6, sum=6 * 3.21, min=3.21, max=3.21
        )
        for k in range(1, 7)
    )
    assert services.stuck_sensors(NOW) == (1, 0)
    assert Alarm.objects.get(rule=Rule.STUCK).detail == "Every reading for 6 hours was 3.21"
    HourlyAggregate.objects.filter(hour=hour - 3600).update(max=3.25)
    assert services.stuck_sensors(NOW) == (0, 1)


def test_retention_deletes_old_raw_readings_and_keeps_the_hourly_aggregates(gateway):
    post(gateway, GAS, [(T - 86_400 * 5, 3.0), (T, 4.0)])
    with override_settings(READING_RETENTION_DAYS=2):
        assert services.purge_readings(NOW, chunk=1) == 1
    assert list(Reading.objects.values_list("value", flat=True)) == [4.0]
    assert HourlyAggregate.objects.count() == 2


def test_stats_find_the_noisy_sensor(gateway, people):
    """Two alarms of one detector (the second after the first closed), one judged false."""
    post(gateway, GAS, [(T - 9000, 60.0), (T - 8995, 1.0), (T - 5000, 1.0), (T - 4995, 60.0)])
    first, second = Alarm.objects.order_by("started_at")
    assert first.ended_at is not None and second.ended_at is None
    services.dispose(people["duty"], first.pk, disposition="false", note="探头受潮")
    stats = services.alarm_stats(people["duty"], days=7)
    assert stats["total"] == 2 and stats["by_disposition"] == {"false": 1}
    assert sum(day.get("threshold", 0) for day in stats["per_day"]) == 2
    (noisy,) = stats["noisy_sensors"]
    assert (noisy["code"], noisy["alarms"], noisy["false"], noisy["false_rate"]) == (GAS, 2, 1, 1.0)
    with pytest.raises(InvalidInput):
        services.alarm_stats(people["duty"], days=0)
    assert services.alarm_stats(people["binjiang"], days=7)["total"] == 0

"""Alarms from ingested readings (issue 6, done means 1): a rain gauge's storm gives one alarm
whose level rises 蓝 → 橙 → 红 at the exact boundary readings, falls as the windows empty and
closes when the hold time has passed; posting the series in batches gives the same alarm as
the database-free replay CLI; threshold, rate and gale rules; repeats update, never flood."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.monitoring.conftest import GAS, RAIN, SLOPE, STEP, WIND, post
from yingji import cli_monitoring
from yingji.monitoring import evaluation
from yingji.monitoring.models import Alarm, Rule, SensorState

NOW = int(dt.datetime.now(dt.UTC).timestamp())
T0 = NOW - NOW % STEP - 1500 * 60  # 25 hours ago, on the gauge's grid


def at(minutes: int) -> int:
    return T0 + minutes * 60


def storm() -> list[tuple[int, float]]:
    """(epoch, mm in the 10 minutes ending then): 50 × 1 mm (蓝 when the 50th lands, 12-hour
    sum exactly 50), 33 mm (3-hour sum exactly 50 → 橙), 50 mm (3 h = 99, not yet 红), 2 mm (3 h
    exactly 100 → 红), then dry readings for 14 hours."""
    values = [1.0] * 50 + [33.0, 50.0, 2.0] + [0.0] * 87
    return [(at(10 * k), v) for k, v in enumerate(values, start=1)]


LEVELS = [[0, at(500)], [2, at(510)], [3, at(530)], [2, at(540)], [1, at(700)], [0, at(880)]]
"""Worked by hand: the first 1 mm of the 3-hour window leaves at 540 (99 mm: 橙); the 33 and 50
leave the 3-hour window at 690 and 700 (黄 at 700: the 6-hour sum is 101), the 6-hour window at
870 and 880 (蓝 at 880) and the 12-hour window at 1230 and 1240 (clear at 1240)."""


def epoch(moment: dt.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def test_a_storm_gives_one_alarm_rising_blue_orange_red_then_closing_after_the_hold(gateway):
    post(gateway, RAIN, storm())
    (alarm,) = Alarm.objects.filter(sensor__code=RAIN)
    assert alarm.rule == Rule.RAINSTORM
    assert epoch(alarm.started_at) == at(500)  # the 50th millimetre in 12 hours, inclusive
    assert alarm.levels == LEVELS
    assert [level for level, _ in alarm.levels[:3]] == [0, 2, 3]  # 蓝 → 橙 → 红
    assert alarm.peak == 3
    assert epoch(alarm.cleared_at) is None
    assert epoch(alarm.ended_at) == at(1240) + 3600  # clear at 1240, hold 60 minutes
    assert alarm.acknowledged_at is None


def test_the_boundaries_one_reading_at_a_time(gateway):
    """Before the 50th millimetre there is no alarm; 99 mm in 3 hours is still 橙."""
    series = storm()
    post(gateway, RAIN, series[:49], batch=49)
    assert not Alarm.objects.exists()
    post(gateway, RAIN, series[49:50])
    alarm = Alarm.objects.get()
    assert (alarm.level, epoch(alarm.started_at)) == (0, at(500))
    post(gateway, RAIN, series[50:52], batch=1)
    alarm.refresh_from_db()
    assert alarm.levels == [[0, at(500)], [2, at(510)]] and alarm.value == 99.0
    post(gateway, RAIN, series[52:53])
    alarm.refresh_from_db()
    assert (alarm.level, alarm.value, alarm.peak_value) == (3, 100.0, 100.0)
    assert Alarm.objects.count() == 1  # repeats update the open alarm


def test_posting_in_batches_gives_the_replay_clis_alarm(gateway, tmp_path: Path):
    series = storm()
    csv = tmp_path / "storm.csv"
    lines = ["sensor_id,type,timestamp,value"]
    lines += [
        f"{RAIN},rain,{dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()},{v}" for ts, v in series
    ]
    csv.write_text("\n".join(lines))
    (expected,) = cli_monitoring.evaluate(cli_monitoring.read_readings(csv), hold_seconds=3600)
    post(gateway, RAIN, series, batch=13)
    alarm = Alarm.objects.get()
    episode = expected.episode
    assert (epoch(alarm.started_at), epoch(alarm.ended_at)) == (episode.start, episode.end)
    assert [tuple(pair) for pair in alarm.levels] == list(episode.levels)


def test_an_open_alarm_stays_open_until_the_hold_has_passed(gateway):
    series = storm()[:129]  # dry until 1290 minutes: cleared at 1240, hold ends at 1300
    post(gateway, RAIN, series, batch=20)
    alarm = Alarm.objects.get()
    assert (epoch(alarm.cleared_at), alarm.ended_at) == (at(1240), None)
    post(gateway, RAIN, storm()[129:130])  # the reading at 1300: the hold has run out
    alarm.refresh_from_db()
    assert epoch(alarm.ended_at) == at(1300)


def test_rain_coming_back_within_the_hold_continues_the_alarm(gateway):
    dry_then_wet = [*storm()[:126], (at(1270), 60.0)]  # 30 minutes after the clear
    post(gateway, RAIN, dry_then_wet, batch=50)
    alarm = Alarm.objects.get()
    assert alarm.ended_at is None and alarm.cleared_at is None
    assert alarm.levels[-1] == [2, at(1270)]  # 60 mm in 3 hours: 橙 again, same alarm


def test_gas_threshold_with_hysteresis(gateway):
    """GB/T 50493 defaults: 一级 25 %LEL (off below 20), 二级 50 (off below 45)."""
    t = NOW - 3600
    values = [5, 25, 22, 19.9, 30, 50, 46, 44.9, 10, 10]
    post(gateway, GAS, [(t + 5 * i, v) for i, v in enumerate(values)], batch=3)
    alarms = list(Alarm.objects.filter(sensor__code=GAS).order_by("started_at"))
    assert len(alarms) == 1  # 19.9 cleared it, 30 came back within the hold: one alarm
    alarm = alarms[0]
    assert alarm.levels == [[1, t + 5], [3, t + 25], [1, t + 35]]  # 44.9 < 45: back to 一级
    assert epoch(alarm.cleared_at) == t + 40  # 10 %LEL is below the first alarm's off, 20


def test_landslide_rate(gateway):
    t = NOW - 7200
    moves = [0.0, 0.5, 1.0, 1.5, 4.0, 7.0]  # mm, every 10 minutes: 2.5 then 3 mm in 10 min
    post(gateway, SLOPE, [(t + 600 * i, v) for i, v in enumerate(moves)])
    alarm = Alarm.objects.get(sensor__code=SLOPE)
    assert alarm.rule == Rule.RATE and alarm.level == 3
    assert epoch(alarm.started_at) == t + 600 * 4  # 4 mm in 40 min = 6 mm/h ≥ 5 mm/h


def test_gale_from_the_beaufort_force(gateway):
    t = NOW - 7200
    post(gateway, WIND, [(t, 10.7), (t + 600, 10.8), (t + 1200, 17.2), (t + 1800, 9.0)])
    alarm = Alarm.objects.get(sensor__code=WIND)
    assert alarm.rule == Rule.GALE
    assert alarm.levels == [[0, t + 600], [1, t + 1200]]  # force 6 蓝, force 8 黄
    assert epoch(alarm.cleared_at) == t + 1800


def test_quiet_sensors_are_judged_without_loading_their_readings(gateway):
    """7.8 mm in the hourly aggregates cannot make 50 mm: the raw series is not read."""
    with CaptureQueriesContext(connection) as queries:
        post(gateway, RAIN, [(at(10 * k), 0.2) for k in range(1, 40)], batch=39)
    assert not Alarm.objects.exists()
    assert not [q for q in queries.captured_queries if "SELECT sensor_id, ts, value" in q["sql"]]
    state = SensorState.objects.get(sensor__code=RAIN)
    assert state.evaluated_to == state.last_ts == at(390)


def test_a_failed_evaluation_leaves_the_readings_pending_for_the_sweep(gateway, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(evaluation, "_judge", broken)
    post(gateway, RAIN, storm()[:60], batch=60)  # stored despite the failure
    state = SensorState.objects.get(sensor__code=RAIN)
    assert state.evaluated_to == 0 and state.last_ts == at(600)
    monkeypatch.undo()
    assert evaluation.evaluate().sensors == 1
    assert Alarm.objects.get().levels[:2] == [[0, at(500)], [2, at(510)]]

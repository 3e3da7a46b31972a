"""Benchmark: monitoring rules over a 24-hour backfill (issue 6, performance).

Built so far: the rule kernels. 10,000 rain gauges at 1-minute resolution for 24 hours
(14.4 M readings; 30 % of the gauges under a storm): the five CMA window sums (1/3/6/12/24 h),
the rainstorm levels and the alarm episodes (target ≤ 5 s), on regular series and with 2 % of
the readings missing (irregular series take the general search path). Baseline in the same run:
a bare numpy per-gauge cumulative sum and one 3-hour difference over the same array, which
any rolling-window method must at least do.

Ingest (``--skip-ingest`` leaves it out): 1,000,000 readings of 10,000 sensors (100 minutes
each, ISO 8601 timestamps with +08:00, as a JSON batch decodes) through the real ingest
service, :func:`yingji.monitoring.ingest.ingest`, in batches of 20,000 (one committed
transaction each, hourly aggregates included), on a throwaway SQLite database (or
PostgreSQL when DATABASE_URL is set); target ≥ 200,000 readings/s. Baseline in the same run:
the same rows, already in database form, written with a bare ``executemany`` of a plain
``INSERT`` into the same table after the ingested rows were deleted, one transaction per
batch as well (target: ingest ≥ 0.5 × bare). Building each batch's input is not timed.

Ingest includes everything a post does before it is answered: checks, readings, hourly
aggregates, each sensor's latest value and the alarm rules over the new readings (the 10,000
bench gauges see light rain, so the rules' exact aggregate bound skips loading their series).

Posted → alarm visible (``--skip-latency`` leaves it out): an open-loop load of 2,000
readings/s — a batch of 100 readings every 50 ms, scheduled on the clock whether or not the
previous one was answered — POSTed with an API token to ``/api/ingest/readings`` through the
whole Django stack (middleware, authentication, API, ingest, rules; Django's test client, no
network), for 30 s. Each batch of the measured run carries one reading of a gas detector at
60 %LEL, which raises a new 红 alarm; the alarm is visible (committed) when the post is
answered, so the latency is answer time − scheduled time. Baseline in the same run: the same
load with no reading crossing a threshold. Target p99 ≤ 250 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from _scratch import use_scratch_data_dir

use_scratch_data_dir()
os.environ.setdefault("YINGJI_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")

import django

django.setup()

import numpy as np
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from yingji.core import services
from yingji.kernels import rolling, signals
from yingji.kernels.alarms import episodes
from yingji.monitoring.ingest import ingest
from yingji.monitoring.models import Alarm, HourlyAggregate, Reading, Sensor, Station
from yingji.regions.models import Region
from yingji.regions.services import load_dataset

GAUGES = 10_000
MINUTES = 24 * 60
SEED = 20190809  # the night Lekima came ashore
START = 1_565_280_000


def backfill() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    sensors = np.repeat(np.arange(GAUGES, dtype=np.int64), MINUTES)
    times = np.tile(START + 60 * np.arange(1, MINUTES + 1, dtype=np.int64), GAUGES)
    storm = rng.random(GAUGES) < 0.3
    rate = np.where(storm, rng.gamma(2.0, 0.15, GAUGES), 0.005)  # mm per minute
    values = np.round(rng.poisson(np.repeat(rate, MINUTES) * 10) / 10, 1)
    return sensors, times, values


def rules(sensors: np.ndarray, times: np.ndarray, values: np.ndarray) -> dict[str, Any]:
    index = rolling.SeriesIndex(sensors, times)
    _sums, levels = signals.rainstorm(sensors, times, values, index=index)
    found = episodes(sensors, times, levels, hold_seconds=3600)
    return {"alarms": len(found), "readings_in_alarm": int((levels >= 0).sum())}


def bare(sensors: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per-gauge cumulative sums and one 3-hour window difference (regular series)."""
    grid = values.reshape(GAUGES, MINUTES)
    cumulative = np.cumsum(grid, axis=1)
    window = cumulative.copy()
    window[:, 180:] -= cumulative[:, :-180]
    return window


def timed(func: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        runs.append(time.perf_counter() - start)
    return runs, result


SENSORS = 10_000
STEPS = 100  # readings per sensor, one a minute
BATCH = 20_000
STATIONS = 1_000  # ten sensors a station
COUNTY = "330106"


def setup_database() -> None:
    """A throwaway database (YINGJI_DATA_DIR) with the regions, as bench_risk_assess does."""
    call_command("migrate", verbosity=0)
    load_dataset()


def make_network() -> tuple[Any, list[str]]:
    """10,000 rain gauges on 1,000 stations (bulk), and a machine account of the province."""
    villages = list(
        Region.objects.filter(path__startswith=COUNTY, level="village")
        .order_by("code")
        .values_list("code", "path")[:50]
    )
    stations = Station.objects.bulk_create(
        Station(
            code=f"33-RAIN-{COUNTY}-{i:04d}",
            name=f"自动雨量站{i}",
            kind="weather",
            region_id=villages[i % len(villages)][0],
            region_path=villages[i % len(villages)][1],
            synthetic=True,
        )
        for i in range(STATIONS)
    )
    per_station = SENSORS // STATIONS
    Sensor.objects.bulk_create(
        Sensor(
            code=f"{station.code}-R{j}",
            station=station,
            type="rain",
            unit="mm",
            expected_interval_s=60,
            synthetic=True,
        )
        for station in stations
        for j in range(per_station)
    )
    codes = list(Sensor.objects.order_by("id").values_list("code", flat=True))
    actor = services.create_user(
        actor=None,
        username="bench-gateway",
        password=secrets.token_urlsafe(16),
        region_code="33",
        roles=["viewer"],
        is_machine=True,
    )
    return actor, codes


def ingest_batches(codes: list[str]) -> list[list[dict[str, Any]]]:
    """The batches as a gateway sends them: every sensor's reading of two minutes at a time."""
    rng = np.random.default_rng(SEED)
    values = np.round(rng.gamma(0.3, 0.5, (STEPS, len(codes))), 1).tolist()
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(second=0, microsecond=0)
    start = now - dt.timedelta(
        minutes=STEPS + 5
    )  # recent: older readings than the retention are refused
    stamps = [(start + dt.timedelta(minutes=m)).isoformat() for m in range(STEPS)]
    rows = (
        {"sensor": code, "ts": stamps[m], "value": v}
        for m in range(STEPS)
        for code, v in zip(codes, values[m], strict=True)
    )
    batches: list[list[dict[str, Any]]] = []
    while batch := list(itertools.islice(rows, BATCH)):
        batches.append(batch)
    return batches


def ingest_part() -> dict[str, Any]:
    setup_database()
    actor, codes = make_network()
    batches = ingest_batches(codes)
    total = sum(len(b) for b in batches)
    elapsed, accepted = 0.0, 0
    for batch in batches:
        clock = time.perf_counter()
        result = ingest(actor, batch)
        elapsed += time.perf_counter() - clock
        accepted += result.accepted
        if result.rejected:
            raise SystemExit(f"bench rows were rejected: {result.rejected[:3]}")
    stored = list(
        Reading.objects.order_by("ts", "sensor_id").values_list("sensor_id", "ts", "value")
    )
    if not len(stored) == total == accepted:
        raise SystemExit(f"stored {len(stored)}, sent {total}, accepted {accepted}")
    hours = HourlyAggregate.objects.count()
    again_clock = time.perf_counter()
    again = ingest(actor, batches[0])
    again_s = time.perf_counter() - again_clock
    rows = stored
    Reading.objects.all().delete()
    quote = connection.ops.quote_name
    sql = f"INSERT INTO {quote(Reading._meta.db_table)} (sensor_id, ts, value) VALUES (%s, %s, %s)"
    bare_s = 0.0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        clock = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, chunk)
        bare_s += time.perf_counter() - clock
    rate, bare_rate = total / elapsed, total / bare_s
    print(f"  ingest {rate:,.0f}/s, bare {bare_rate:,.0f}/s", file=sys.stderr)
    return {
        "params": {"database": connection.vendor, "sensors": len(codes), "readings": total,
                   "batch": BATCH},
        "results": {"ingest_readings_per_s": round(rate), "ingest_s": round(elapsed, 2),
                    "hourly_aggregates": hours,
                    "resend_one_batch": {"accepted": again.accepted,
                                         "duplicates": again.duplicates,
                                         "s": round(again_s, 3)}},
        "baseline": {"bare_executemany_readings_per_s": round(bare_rate),
                     "bare_executemany_s": round(bare_s, 2)},
        "ratio": {"ingest_vs_bare_executemany": round(rate / bare_rate, 2)},
        "targets": {"ingest_readings_per_s": 200_000, "ingest_vs_bare_executemany": 0.5},
        "network": (actor, codes),
    }  # fmt: skip


RATE = 2_000  # readings per second
PER_POST = 100
LOAD_S = 30
DETECTORS = 1_000


def latency_part(actor: Any, codes: list[str]) -> dict[str, Any]:
    """Open-loop posts at RATE readings/s; p50/p99 of answer − schedule, alarms vs none."""
    station = Station.objects.order_by("id").first()
    Sensor.objects.bulk_create(
        Sensor(code=f"{station.code}-G{i}", station=station, type="gas_lel", unit="%LEL",
               expected_interval_s=5, synthetic=True)
        for i in range(DETECTORS)
    )  # fmt: skip
    token = services.create_api_token(actor=None, username=actor.username, name="bench")
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    detectors = iter([f"{station.code}-G{i}" for i in range(DETECTORS)])

    def run(with_alarm: bool, seconds: int = LOAD_S) -> dict[str, Any]:
        before = Alarm.objects.count()
        posts = RATE * seconds // PER_POST
        gap = PER_POST / RATE
        latencies, cursor = [], 0
        begin = time.perf_counter()
        for i in range(posts):
            due = begin + i * gap
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            stamp = int(time.time())
            rows = []
            for _ in range(PER_POST - with_alarm):
                rows.append({"sensor": codes[cursor % len(codes)], "ts": stamp, "value": 0.2})
                cursor += 1
            if with_alarm:
                rows.append({"sensor": next(detectors), "ts": stamp, "value": 60.0})
            answer = client.post(URL, {"readings": rows}, content_type="application/json")
            if answer.status_code != 200 or answer.json()["rejected"]:
                raise SystemExit(f"post failed: {answer.status_code} {answer.content[:300]!r}")
            latencies.append(time.perf_counter() - due)
        raised = Alarm.objects.count() - before
        if with_alarm and raised != posts:
            raise SystemExit(f"{posts} alarm readings posted, {raised} alarms raised")
        ms = sorted(x * 1000 for x in latencies)
        achieved = posts * PER_POST / (time.perf_counter() - begin)
        return {"posts": posts, "alarms_raised": raised,
                "p50_ms": round(statistics.median(ms), 1),
                "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 1),
                "max_ms": round(ms[-1], 1),
                "achieved_readings_per_s": round(achieved)}  # fmt: skip

    run(with_alarm=False, seconds=5)  # warm-up: caches, snapshots, the first pages of the index
    baseline = run(with_alarm=False)
    measured = run(with_alarm=True)
    print(f"  posted → alarm p99 {measured['p99_ms']} ms (no alarms {baseline['p99_ms']} ms)",
          file=sys.stderr)  # fmt: skip
    return {
        "params": {"readings_per_s": RATE, "readings_per_post": PER_POST, "seconds": LOAD_S},
        "results": {"posted_to_alarm": measured},
        "baseline": {"posted_no_alarm": baseline},
        "ratio": {"alarm_vs_no_alarm_p99": round(measured["p99_ms"] / baseline["p99_ms"], 2)},
        "targets": {"posted_to_alarm_p99_ms": 250},
    }


URL = "/api/ingest/readings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-ingest", action="store_true", help="time the rule kernels only")
    parser.add_argument("--skip-latency", action="store_true", help="no posted → alarm load")
    args = parser.parse_args()
    sensors, times, values = backfill()
    regular, outcome = timed(lambda: rules(sensors, times, values), 3)
    keep = np.random.default_rng(SEED + 1).random(sensors.size) > 0.02
    s2, t2, v2 = sensors[keep], times[keep], values[keep]
    irregular, outcome2 = timed(lambda: rules(s2, t2, v2), 3)
    baseline, _ = timed(lambda: bare(sensors, values), 3)
    ingested = None if args.skip_ingest else ingest_part()
    latency = None
    if not args.skip_latency:
        if ingested is None:
            setup_database()
            actor, codes = make_network()
        else:
            actor, codes = ingested["network"]
        latency = latency_part(actor, codes)
    report: dict[str, Any] = {
        "benchmark": "ingest",
        "params": {
            "gauges": GAUGES,
            "minutes": MINUTES,
            "readings": int(sensors.size),
            "seed": SEED,
            "cpus": os.cpu_count(),
        },
        "results": {
            "rules_24h_backfill_s": statistics.median(regular),
            "rules_24h_backfill_2pct_missing_s": statistics.median(irregular),
            "alarms": outcome["alarms"],
            "alarms_2pct_missing": outcome2["alarms"],
        },
        "baseline": {"numpy_cumsum_one_window_s": statistics.median(baseline)},
        "ratio": {
            "rules_vs_bare_window": round(
                statistics.median(regular) / statistics.median(baseline), 1
            )
        },
        "targets": {"rules_24h_backfill_s": 5},
    }
    for name, part in (("ingest", ingested), ("latency", latency)):
        if part is not None:
            report["params"][name] = part["params"]
            for key in ("results", "baseline", "ratio", "targets"):
                report[key].update(part[key])
    print(json.dumps(report, indent=2, ensure_ascii=False))  # ensure_ascii: "→" stays readable


if __name__ == "__main__":
    main()

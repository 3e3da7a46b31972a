"""Start a scenario run: a typhoon replay driving the real pipeline on a simulated clock.

``run_typhoon`` is the one use case (the CLI calls it). Phase by phase, on the simulated
clock (:mod:`yingji.simulation.clock`, which also documents the time model), every
``step_minutes`` the scope's stations post their readings through the real ingest (alarm
rules run there) and the monitoring sweep runs; every :data:`TICK` the outbox drains to the
local fake gateways and the 叫应 escalation sweep runs; between ticks the agenda runs what
simulated people do at their own (seeded) times: draft, review, issue, answer
(:mod:`yingji.simulation.alerting`); incidents, plans, dispatch and relief follow
(:mod:`yingji.simulation.response`). The summary (:mod:`yingji.simulation.summary`) is stored
on the :class:`~yingji.simulation.models.Run` and returned.

Determinism: one ``numpy`` generator seeded by the seed makes every random choice (the
kernel's noise takes its own generator from the same seed), rows are taken in id order, and
no recorded figure reads the wall clock; the same seed on a copy of the same database gives
the same summary.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from django.conf import settings
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from yingji.alerts import services as alert_services
from yingji.kernels import typhoon
from yingji.monitoring import services as monitoring_services
from yingji.monitoring.models import Alarm
from yingji.simulation import actors, clock, response, stations, summary
from yingji.simulation.agenda import Agenda
from yingji.simulation.alerting import Warnings
from yingji.simulation.gateway import FakeGateway
from yingji.simulation.models import Run, RunStatus

TICK: Final = dt.timedelta(minutes=10)
TAIL: Final = dt.timedelta(hours=2)
"""After the last readings, people still answer and the sweeps still run for this long."""
LONGEST_TAIL: Final = dt.timedelta(hours=18)
"""…and, while people still have something to do (relief), up to this much longer."""
TRACKS: Final = {"lekima-2019": "lekima_2019_track.csv"}


@dataclass(frozen=True)
class Scale:
    scope: str  # region path prefix
    start: str  # replay window in track time (UTC)
    end: str


SCALES: Final = {
    # Lekima made landfall at 温岭 (台州) at 2019-08-09T17:45Z: the city, from 12 hours before
    # to 18 hours after.
    "small": Scale("3310", "2019-08-09T06:00:00+00:00", "2019-08-10T12:00:00+00:00"),
    # The province, from the first rain on the coast until the storm left for Jiangsu.
    "province": Scale("33", "2019-08-08T18:00:00+00:00", "2019-08-11T00:00:00+00:00"),
}


def track_path(name: str) -> Path:
    if name not in TRACKS:
        raise ValueError(f"unknown track {name!r}; known: {', '.join(sorted(TRACKS))}")
    return Path(settings.BASE_DIR).parent.parent / "data" / "simulation" / TRACKS[name]


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def run_typhoon(
    *,
    track: str = "lekima-2019",
    scale: str = "small",
    seed: int = 1,
    speed: float = 0.0,
    step_minutes: int = 30,
    scope: str | None = None,
    start: str | None = None,
    end: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Replay ``track`` over the scale's scope (or ``scope``/``start``/``end`` given) and
    return the finished run with its summary."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use {' or '.join(SCALES)}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError("seed: a whole number ≥ 0")
    if speed < 0:
        raise ValueError("speed: 0 (as fast as possible) or more")
    storm = typhoon.load_track(track_path(track).read_text(encoding="utf-8"))
    chosen = SCALES[scale]
    first, last = _instant(start or chosen.start), _instant(end or chosen.end)
    if not first < last or last - first > dt.timedelta(days=10):
        raise ValueError("the replay window must run forwards, for at most 10 days")
    inside = typhoon.as_datetime64([first, last])
    if inside[0] < storm.start or inside[1] > storm.end:
        raise ValueError(
            f"the replay window must lie within the track ({storm.start} – {storm.end} UTC)"
        )
    wall_start = timezone.now()
    shift = dt.timedelta(days=clock.shift_days(last + TAIL + LONGEST_TAIL, wall_start))
    run = Run.objects.create(
        track=track, scale=scale, seed=seed, speed=speed, step_minutes=step_minutes,
        scope=scope or chosen.scope, track_start=first, track_end=last,
        shift_days=shift.days, started_at=wall_start,
    )  # fmt: skip
    began = time.monotonic()
    try:
        figures, created = _replay(run, storm, shift, progress or (lambda _text: None))
    except BaseException as exc:
        Run.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=repr(exc)[:2000], finished_at=timezone.now(),
            wall_seconds=time.monotonic() - began,
        )  # fmt: skip
        raise
    run.summary, run.created = figures, created
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.wall_seconds = round(time.monotonic() - began, 1)
    run.save()
    return run


def _replay(
    run: Run, storm: typhoon.Track, shift: dt.timedelta, progress: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = np.random.Generator(np.random.PCG64(run.seed))
    network = stations.load(
        run.scope, storm, start=run.track_start, end=run.track_end,
        step_minutes=run.step_minutes, shift=shift, seed=run.seed,
    )  # fmt: skip
    progress(f"{len(network.ids)} sensors, {len(network.times)} steps")
    gateway_user = actors.gateway()
    counties: dict[str, actors.County] = {}

    def county(code: str) -> actors.County:
        if code not in counties:
            counties[code] = actors.county(code)
        return counties[code]

    for code in sorted({p[:6] for p in network.paths}):
        county(code)
    watermark = Alarm.objects.aggregate(top=Max("pk"))["top"] or 0
    begin = run.track_start + shift
    sim = clock.Clock(begin)
    agenda = Agenda()
    warnings = Warnings(rng=rng, agenda=agenda, network=network, counties=county, now=sim.now)
    incidents = response.Response(rng=rng, agenda=agenda, network=network, counties=county,
                                  now=sim.now)  # fmt: skip
    stored = 0
    real_start = time.monotonic()
    with FakeGateway() as gateway, override_settings(CHANNELS=gateway.channels()):
        with clock.patched(sim):
            steps = {moment: i for i, moment in enumerate(network.times)}
            finish = network.times[-1] + TAIL
            moment = begin
            horizon = finish + LONGEST_TAIL
            while moment <= finish or (len(agenda) and moment <= horizon):
                while (item := agenda.due(moment)) is not None:
                    sim.advance_to(max(sim.now(), item[0]))
                    item[1]()
                sim.advance_to(moment)
                if moment in steps:
                    stored += stations.post(gateway_user, network, steps[moment])
                    monitoring_services.sweep(moment)
                    alarms = list(
                        Alarm.objects.filter(pk__gt=watermark, sensor_id__in=network.ids).order_by(
                            "pk"
                        )
                    )
                    warnings.react(alarms, steps[moment])
                    incidents.react(alarms, steps[moment])
                alert_services.expire(moment)
                warnings.deliver()
                warnings.escalate()
                incidents.sweep()
                if run.speed:
                    ahead = (moment - begin).total_seconds() / run.speed
                    time.sleep(max(0.0, ahead - (time.monotonic() - real_start)))
                moment += TICK
        alarm_ids = list(
            Alarm.objects.filter(pk__gt=watermark, sensor_id__in=network.ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        figures: dict[str, Any] = {
            "scenario": "typhoon",
            "track": run.track,
            "scale": run.scale,
            "seed": run.seed,
            "scope": run.scope,
            "window_utc": [run.track_start.isoformat(), run.track_end.isoformat()],
            "step_minutes": run.step_minutes,
            "simulated_hours": round((sim.now() - begin).total_seconds() / 3600, 1),
            "sensors": len(network.ids),
            "readings_stored": stored,
            **summary.alarms(alarm_ids),
            **summary.warnings(warnings.warning_ids),
            "gateway": {
                "requests": dict(sorted(gateway.requests.items())),
                "messages": dict(sorted(gateway.messages.items())),
            },
            **incidents.figures(),
        }
    created = {
        "alarms": alarm_ids,
        "warnings": warnings.warning_ids,
        **incidents.created(),
        "counties": sorted(counties),
    }
    return figures, created

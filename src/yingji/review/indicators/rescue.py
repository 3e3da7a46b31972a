"""救援响应: the 50 km / 1 h ground circle and 30-minute air response (from
:mod:`yingji.incidents.services.coverage`, which computes them per village), firefighters and
volunteers per population, and relief of affected groups within 10 hours (timed by
:func:`yingji.kernels.shelters.relief_timing`, as the relief pages do)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from yingji.incidents.relief_models import Relief
from yingji.incidents.services import coverage
from yingji.incidents.services.relief import BASIC_NEEDS_WITHIN
from yingji.kernels import shelters
from yingji.registry.models.people import Volunteer
from yingji.registry.models.rescue import ForceKind, RescueForce
from yingji.review.indicators import base
from yingji.review.indicators.base import Result


def _coverage(scope: str, mode: str) -> Result:
    analysis = coverage.analyse()
    covered = analysis.ground.covered if mode == "ground" else analysis.air.covered
    size = base.child_length(scope) or len(scope)
    low, high = base.bounds(scope)
    # paths are sorted: the scope's villages are one contiguous slice
    start, stop = bisect.bisect_left(analysis.paths, low), bisect.bisect_left(analysis.paths, high)
    counts: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for path, hit in zip(analysis.paths[start:stop], covered[start:stop], strict=True):
        row = counts[path[:size]]
        row[0] += bool(hit)
        row[1] += 1
    return base.ratio_result(scope, {k: (v[0], v[1]) for k, v in counts.items()})


def ground(scope: str, as_of: dt.date) -> Result:
    return _coverage(scope, "ground")


def air(scope: str, as_of: dt.date) -> Result:
    return _coverage(scope, "air")


def _per_population(scope: str, table: dict[str, dict[str, float]]) -> Result:
    names = base.children(scope)
    people = base.population(scope, names)
    counts = {path: (float(table.get(path, {}).get("num") or 0), people.get(path, 0.0))
              for path in names}  # fmt: skip
    total = sum(float(row.get("num") or 0) for row in table.values())
    rows = base.ratio_result(scope, counts, scale=1000.0, names=names).by_region
    if scope in table and base.child_length(scope):
        own = float(table[scope].get("num") or 0)
        rows.append(base.Row(scope, "", None, own, None, own=True))
    den = people.get(scope, 0.0)
    return Result(base.ratio(total, den, 1000.0), total, den, rows,
                  note="denominator: Region.population (2020 census where loaded)")  # fmt: skip


def firefighters(scope: str, as_of: dt.date) -> Result:
    forces = RescueForce.objects.filter(voided_at__isnull=True, kind=ForceKind.FIRE)
    return _per_population(scope, base.grouped(forces, "region_path", scope, num=Sum("members")))


def volunteers(scope: str, as_of: dt.date) -> Result:
    people = Volunteer.objects.filter(voided_at__isnull=True)
    return _per_population(scope, base.grouped(people, "region_path", scope, num=Count("pk")))


def relief_on_time(scope: str, as_of: dt.date) -> Result:
    """Affected groups whose basic needs were met within 10 h of the event ÷ groups whose
    10 hours have run out (met, or still open past the limit), events of the last 12 months."""
    now = min(base.until(as_of), timezone.now())  # today: an open group is late only once
    rows = base.within(  # its 10 hours have passed, not by the end of the day
        Relief.objects.filter(
            incident__occurred_at__gte=base.since(as_of), incident__occurred_at__lt=now
        ).annotate(_where=Coalesce(F("village__path"), F("incident__region_path"))),
        "_where", scope,
    ).values_list("_where", "incident__occurred_at", "met_at")  # fmt: skip
    size = base.child_length(scope) or len(scope)
    counts: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for path, occurred, met in rows:
        timing = shelters.relief_timing(occurred, met, now, BASIC_NEEDS_WITHIN)
        if met is None and not timing.late:
            continue  # still within its 10 hours: not decided yet
        row = counts[path[:size]]
        row[0] += not timing.late
        row[1] += 1
    return base.ratio_result(scope, {k: (v[0], v[1]) for k, v in counts.items()})

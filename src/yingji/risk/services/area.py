"""Natural-disaster comprehensive risk per region and hazard type (the 五色图).

Inputs per village and hazard type are the census-style 致灾危险性 H and 脆弱性 V (each 0–1,
:class:`~yingji.risk.models.AreaHazard`). Townships and counties take the population-weighted
mean of their villages' H and V, so a county's hazard is where its people are. Exposure E is
the population on a log scale, 0–1 within each level (ln(1+pop) / ln(1+max)): ten times the
people is more exposure, not ten times the risk. Capacity A (减灾能力, 1 = the provincial
average) is per county, from the registries: shelter places per resident, rescue force members
per resident and the number of supply depots, each divided by its mean over the counties
(a kind nobody has recorded counts as average), combined by geometric mean and clipped to
[0.5, 2]; townships and villages take their county's A.

R = H × E × V / A is classified per level and hazard type into 低/中低/中/中高/高 by the chosen
classifier (natural breaks by default), in :mod:`yingji.kernels.area_risk`. Cities and the
province take the population-weighted mean of their counties' H, E, V, A and R, classified
with the counties' breaks, so that a city's 高 means what a county's 高 means.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from yingji.core import audit, bulk, jobs
from yingji.core.errors import InvalidInput
from yingji.kernels import area_risk
from yingji.regions.models import Level, Region
from yingji.registry.models.depot import Depot
from yingji.registry.models.rescue import RescueForce
from yingji.registry.models.shelter import Shelter
from yingji.risk.models import AreaHazard, AreaRisk

AREA_KIND: Final = "risk.area"
CLASSIFIERS: Final[dict[str, Callable[[], area_risk.Classifier]]] = {
    "natural_breaks": area_risk.NaturalBreaks,
    "quantiles": area_risk.Quantiles,
}
LEVELS: Final = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
CAPACITY_RANGE: Final = (0.5, 2.0)
Progress = Callable[[int, str], None]


def county_capacity(counties: list[str], population: np.ndarray) -> np.ndarray:
    """A per county (1 = the provincial mean): shelters, rescue members per head, depots."""
    index = {path: i for i, path in enumerate(counties)}
    parts = np.zeros((len(counties), 3))
    sources: list[tuple[Any, Any]] = [
        (Shelter, Sum("capacity")),
        (RescueForce, Sum("members")),
        (Depot, Count("pk")),
    ]
    for k, (model, aggregate) in enumerate(sources):
        per_path = (
            model.objects.filter(voided_at__isnull=True)
            .order_by()
            .values("region_path")
            .annotate(v=aggregate)
            .values_list("region_path", "v")
        )
        for path, value in per_path:
            i = index.get(path[:6])
            if i is not None:
                parts[i, k] += float(value or 0)
    per_head = parts.copy()
    per_head[:, :2] /= np.maximum(population, 1)[:, None]
    means = per_head.mean(axis=0)
    ratio = np.ones_like(per_head)  # a kind of capacity nobody has recorded says nothing
    known = means > 0
    # A county with none of a kind is weak there, but not infinitely so.
    ratio[:, known] = np.clip(per_head[:, known] / means[known], 0.05, 20.0)
    capacity: np.ndarray = np.clip(np.exp(np.log(ratio).mean(axis=1)), *CAPACITY_RANGE)
    return capacity


@dataclass
class _Villages:
    """Village inputs: paths, population and H, V per hazard type (NaN where unknown)."""

    paths: list[str]
    population: np.ndarray
    hazard: np.ndarray
    vulnerability: np.ndarray


def _villages(hazards: list[str]) -> _Villages:
    villages = list(
        Region.objects.filter(level=Level.VILLAGE)
        .order_by("path")
        .values_list("path", "population")
    )
    if not villages:
        raise InvalidInput("No villages are loaded: run `yingji regions load` first")
    paths = [p for p, _ in villages]
    at = {p: i for i, p in enumerate(paths)}
    h = np.full((len(paths), len(hazards)), np.nan)
    v = np.full_like(h, np.nan)
    rows = AreaHazard.objects.filter(region__level=Level.VILLAGE).values_list(
        "region_path", "hazard_type", "hazard", "vulnerability"
    )
    for path, kind, hazard, vulnerability in rows:
        i = at.get(path)
        if i is not None and kind in hazards:
            h[i, hazards.index(kind)], v[i, hazards.index(kind)] = hazard, vulnerability
    if np.isnan(h).all():
        raise InvalidInput(
            "No area hazard inputs (致灾危险性/脆弱性) are loaded: load the demo or import the"
            " census results"
        )
    population = np.asarray([max(pop, 0) for _, pop in villages], dtype=np.float64)
    return _Villages(paths, population, h, v)


def _regions(level: str) -> list[tuple[str, str, int]]:
    return list(
        Region.objects.filter(level=level)
        .order_by("path")
        .values_list("code", "path", "population")
    )


def _owner(member_paths: list[str], regions: list[tuple[str, str, int]]) -> np.ndarray:
    """Index of the region holding each member path (-1: none)."""
    length = len(regions[0][1]) if regions else 0
    group = {path: i for i, (_code, path, _pop) in enumerate(regions)}
    return np.asarray([group.get(p[:length], -1) for p in member_paths])


def assess_areas(
    *, classifier: str = "natural_breaks", progress: Progress | None = None, actor: Any = None
) -> dict[str, Any]:
    """Compute and store the area risk of every region, at every level, per hazard type."""
    if classifier not in CLASSIFIERS:
        raise InvalidInput(f"classifier must be one of {sorted(CLASSIFIERS)}", field="classifier")
    started = time.perf_counter()
    note = progress or (lambda _p, _m: None)
    hazards = list(area_risk.HAZARDS)
    villages = _villages(hazards)
    note(20, "capacity per county")
    counties = _regions(Level.COUNTY)
    cpaths = [p for _c, p, _n in counties]
    capacity = county_capacity(cpaths, np.asarray([n for _c, _p, n in counties], dtype=np.float64))
    cap_of = dict(zip(cpaths, capacity.tolist(), strict=True))
    now = timezone.now()
    rows: list[AreaRisk] = []
    summary: dict[str, Any] = {}
    classify = CLASSIFIERS[classifier]()
    county: dict[str, Any] = {}
    for step, level in enumerate(LEVELS):
        regions = _regions(level)
        paths = [p for _c, p, _n in regions]
        owner = _owner(villages.paths, regions)
        hh, vv = _weighted_means(
            owner, len(paths), villages.population, villages.hazard, villages.vulnerability
        )
        pop = np.asarray([max(n, 0) for _c, _p, n in regions], dtype=np.float64)
        if level == Level.VILLAGE:
            pop = villages.population
        exposure = np.log1p(pop) / max(np.log1p(pop.max()), 1e-9)
        a = np.asarray([cap_of.get(p[:6], 1.0) for p in paths])
        result = area_risk.assess(hh, exposure, vv, a, classifier=classify)
        wide = len(hazards)
        parts = (hh, np.repeat(exposure[:, None], wide, 1), vv, np.repeat(a[:, None], wide, 1),
                 result.risk)  # fmt: skip
        rows += _rows(regions, level, hazards, parts, levels=result.level, now=now)
        summary[str(level)] = _counts(result.level, hazards)
        if level == Level.COUNTY:
            county = {"paths": paths, "pop": pop, "parts": parts, "bands": result.bands}
        note(30 + 20 * step, f"{level}: {len(paths)} regions")
    for level in (Level.CITY, Level.PROVINCE):  # people-weighted means of their counties
        regions = _regions(level)
        owner = _owner(county["paths"], regions)
        means = tuple(_weighted_means(owner, len(regions), county["pop"], *county["parts"]))
        levels = np.stack([b.classify(means[-1][:, t]) for t, b in enumerate(county["bands"])], 1)
        rows += _rows(regions, level, hazards, means, levels=levels, now=now)
        summary[str(level)] = _counts(levels, hazards)
    _store(rows, actor=actor, classifier=classifier, now=now)
    note(100, f"{len(rows)} area risk rows")
    seconds = round(time.perf_counter() - started, 3)
    return {"rows": len(rows), "levels": summary, "seconds": seconds}


def _store(rows: list[AreaRisk], *, actor: Any, classifier: str, now: Any) -> None:
    with transaction.atomic():
        AreaRisk.objects.all().delete()
        bulk.insert_objects(AreaRisk, rows)
        audit.record(
            actor=actor,
            action="assess",
            object_type="risk.arearisk",
            object_id=now.strftime("%Y%m%d%H%M%S"),
            object_repr="area risk (五色图)",
            after={"rows": len(rows), "classifier": classifier},
        )


def _rows(
    regions: list[tuple[str, str, int]],
    level: str,
    hazards: list[str],
    parts: tuple[np.ndarray, ...],
    *,
    levels: np.ndarray,
    now: Any,
) -> list[AreaRisk]:
    """AreaRisk rows from regions × hazard arrays (H, E, V, A, R); NaN risk is skipped."""
    h, e, v, a, r = parts
    return [
        AreaRisk(
            region_id=code,
            region_path=path,
            level_name=level,
            hazard_type=kind,
            hazard=round(float(h[i, t]), 4),
            exposure=round(float(e[i, t]), 4),
            vulnerability=round(float(v[i, t]), 4),
            capacity=round(float(a[i, t]), 4),
            risk=float(r[i, t]),
            level=int(levels[i, t]),
            assessed_at=now,
        )
        for i, (code, path, _pop) in enumerate(regions)
        for t, kind in enumerate(hazards)
        if not np.isnan(r[i, t])
    ]


def _counts(levels: np.ndarray, hazards: list[str]) -> dict[str, list[int]]:
    return {
        kind: np.bincount(levels[:, t][levels[:, t] >= 0], minlength=5).tolist()
        for t, kind in enumerate(hazards)
    }


def _weighted_means(
    owner: np.ndarray, groups: int, weight: np.ndarray, *values: np.ndarray
) -> list[np.ndarray]:
    """Population-weighted mean of village values per group (NaN where a group has none)."""
    keep = owner >= 0
    out = []
    for value in values:
        known = keep[:, None] & ~np.isnan(value)
        w = np.where(known, np.maximum(weight, 1.0)[:, None], 0.0)
        total = np.zeros((groups, value.shape[1]))
        mass = np.zeros_like(total)
        np.add.at(total, owner[keep], (np.nan_to_num(value) * w)[keep])
        np.add.at(mass, owner[keep], w[keep])
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.where(mass > 0, total / mass, np.nan))
    return out


@jobs.job_kind(AREA_KIND, "区域灾害综合风险 area risk")
def run_area(context: jobs.JobContext, classifier: str = "natural_breaks") -> dict[str, Any]:
    return assess_areas(
        classifier=classifier, progress=context.progress, actor=context.job.created_by
    )

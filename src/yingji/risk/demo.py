"""Demo risk inputs: supervision facts per enterprise and area hazard indices per village.

Synthetic and deterministic for a seed, like the registry demo. Facts follow what a county
bureau sees: most enterprises have a couple of open general hidden hazards, a few have a
major one, enterprises handling hazardous chemicals have sensors (alarms), more inspections
and more supervision, and counties differ in how well they rectify and inspect (so the
control index has something to show). Area hazard indices follow Zhejiang's geography:
typhoons on the south-east coast, floods on the northern plains and river valleys,
landslides and forest fires in the south-western mountains, low seismicity everywhere.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.utils import timezone

from yingji.core import audit
from yingji.kernels import area_risk, codes
from yingji.regions.models import Level, Region
from yingji.registry.demo.context import DemoContext
from yingji.registry.models.enterprise import Enterprise, HazchemRole
from yingji.registry.models.hazard import HazardSource
from yingji.risk.models import AreaHazard, CurrentRisk, RiskFacts

SOURCE = "示范数据 synthetic"
MISSING_SHARE = 0.003  # enterprises with no facts row: their card says the data is missing


def already_loaded() -> bool:
    return RiskFacts.objects.filter(synthetic=True).exists() or AreaHazard.objects.exists()


def load(seed: int = 20210101) -> dict[str, int]:
    ctx = DemoContext(seed=seed)
    with transaction.atomic():
        generate_facts(ctx)
        generate_area_hazards(ctx)
        audit.record(actor=None, action="load", object_type="risk.demo", object_id=str(seed),
                     object_repr="demo risk inputs", after=dict(ctx.counts))  # fmt: skip
    return dict(ctx.counts)


def generate_facts(ctx: DemoContext) -> None:
    rng = ctx.rng("risk-facts")
    rows = list(
        Enterprise.objects.filter(voided_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "region_path", "hazchem_role")
    )
    if not rows:
        return
    n = len(rows)
    ids = np.asarray([r[0] for r in rows])
    county = [r[1][:6] for r in rows]
    hazchem = np.asarray([r[2] != HazchemRole.NONE for r in rows])
    major = np.isin(
        ids,
        list(HazardSource.objects.filter(is_major=True).values_list("enterprise_id", flat=True)),
    )
    # County "management quality": how well hidden hazards get fixed and places get inspected.
    names = sorted(set(county))
    quality = dict(zip(names, np.clip(rng.normal(0.82, 0.08, len(names)), 0.5, 0.98), strict=True))
    care = np.asarray([quality[c] for c in county])
    risky = 1.0 + 1.5 * hazchem + 1.0 * major
    open_hazards = rng.poisson(0.6 * risky * (1.6 - care))
    open_major = rng.random(n) < 0.004 * risky * risky
    found = open_hazards + rng.poisson(3.0 * risky)
    rectified = np.maximum(found - open_hazards, 0)
    on_time = rng.binomial(rectified, np.clip(care, 0, 1))
    alarms = np.where(hazchem | major, rng.poisson(4.0 * risky), rng.poisson(0.05, n))
    handled = rng.binomial(alarms, np.clip(care + 0.1, 0, 1))
    penalties = rng.poisson(0.12 * risky)
    quality_failures = rng.poisson(0.04 * risky)
    accidents = rng.poisson(0.015 * risky)
    inspected = rng.random(n) < np.clip(0.25 + 0.5 * hazchem + 0.4 * (care - 0.8), 0, 1)
    supervised = rng.random(n) < np.where(hazchem | major, 0.75, 0.03)
    keep = rng.random(n) >= MISSING_SHARE
    today = timezone.localdate()
    facts = [
        RiskFacts(
            enterprise_id=int(ids[i]), as_of=today.replace(day=1), source=SOURCE,
            open_hazards=int(open_hazards[i]), open_major_hazards=int(open_major[i]),
            hazards_found_12m=int(found[i]), hazards_rectified_12m=int(rectified[i]),
            hazards_on_time_12m=int(on_time[i]), alarms_30d=int(alarms[i]),
            alarms_handled_30d=int(handled[i]), enforcement_cases_36m=int(penalties[i]),
            quality_failures_12m=int(quality_failures[i]), accidents_36m=int(accidents[i]),
            inspected_12m=bool(inspected[i]), under_supervision=bool(supervised[i]),
        )
        for i in np.flatnonzero(keep).tolist()
    ]  # fmt: skip
    ctx.insert("risk_facts", RiskFacts, facts)


def supervise_high_risk(seed: int = 20210101) -> int:
    """After the first assessment: bureaus put most red and orange enterprises under key
    supervision (重点监管), some counties more thoroughly than others."""
    rng = DemoContext(seed=seed).rng("risk-supervision")
    rows = list(
        CurrentRisk.objects.filter(colour__gte=2).order_by("pk").values_list("pk", "region_path")
    )
    counties = sorted({path[:6] for _pk, path in rows})
    thorough = dict(zip(counties, rng.uniform(0.5, 1.0, len(counties)), strict=True))
    chosen = [pk for pk, path in rows if rng.random() < thorough[path[:6]]]
    return sum(
        RiskFacts.objects.filter(enterprise_id__in=chosen[i : i + 900]).update(
            under_supervision=True
        )
        for i in range(0, len(chosen), 900)
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def generate_area_hazards(ctx: DemoContext) -> None:
    rng = ctx.rng("area-hazards")
    villages = list(
        Region.objects.filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", "lon", "lat", "disaster_prone")
    )
    if not villages:
        return
    n = len(villages)
    lon = np.asarray([v[1] or 120.0 for v in villages])
    lat = np.asarray([v[2] or 29.5 for v in villages])
    prone = np.asarray([v[3] for v in villages], dtype=float)
    mountains = _sigmoid((120.4 - lon) * 3) * _sigmoid((29.7 - lat) * 3)
    hazard = {
        "typhoon": 0.15 + 0.6 * _sigmoid((lon - 121.0) * 4) * _sigmoid((30.0 - lat) * 2),
        "flood": 0.2 + 0.35 * _sigmoid((lat - 30.2) * 6) + 0.2 * prone,
        "geological": 0.1 + 0.6 * mountains + 0.15 * prone,
        "forest_fire": 0.15 + 0.5 * _sigmoid((120.6 - lon) * 2) * (1 - _sigmoid((lat - 30.3) * 6)),
        "earthquake": 0.05 + 0.1 * _sigmoid((lon - 121.3) * 2),
    }
    base_v = rng.beta(2.0, 3.0, n) + 0.15 * prone
    rows = []
    for kind in area_risk.HAZARDS:
        h = np.clip(hazard[kind] + rng.normal(0, 0.06, n), 0.01, 1.0).round(3)
        v = np.clip(base_v + rng.normal(0, 0.05, n), 0.01, 1.0).round(3)
        rows += [
            AreaHazard(
                region_id=villages[i][0],
                region_path=codes.short(villages[i][0]),
                hazard_type=kind,
                hazard=float(h[i]),
                vulnerability=float(v[i]),
                source=SOURCE,
            )
            for i in range(n)
        ]
    ctx.insert("area_hazards", AreaHazard, rows)

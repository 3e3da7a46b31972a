"""Major hazard sources (GB 18218) at hazchem enterprises, with their units and inventories."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from yingji.registry import services
from yingji.registry.demo.context import DemoContext
from yingji.registry.demo.enterprises.companies import _pks
from yingji.registry.demo.enterprises.tables import CHEMICALS, PROFILES, SOURCES
from yingji.registry.models.enterprise import Enterprise, HazchemRole
from yingji.registry.models.hazard import HazardChemical, HazardSource, HazardUnit


def generate_hazards(ctx: DemoContext) -> None:
    """Major hazard sources at hazchem enterprises; run after :func:`generate_enterprises`."""
    rng = ctx.rng("hazard_sources")
    candidates = list(
        Enterprise.objects.filter(synthetic=True, voided_at__isnull=True)
        .filter(industry_code__in=list(PROFILES))
        .exclude(hazchem_role=HazchemRole.NONE)
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "industry_code",
            "region_id",
            "address",
            "lon",
            "lat",
            "in_chemical_park",
            "scale",
        )
    )
    weight = np.array([1.0 + 2 * (c[8] == "above") + c[7] for c in candidates])
    size = min(SOURCES.get(ctx.scale, SOURCES["default"]), len(candidates))
    chosen: list[int] = []
    if size:
        chosen = sorted(rng.choice(len(candidates), size, replace=False, p=weight / weight.sum()))
    sources: list[HazardSource] = []
    units: list[tuple[str, HazardUnit]] = []
    inventory: list[tuple[str, str, float]] = []
    for seq, index in enumerate(chosen, start=1):
        pk, name, industry, region, address, lon, lat, park, _scale = candidates[index]
        code = f"{region[:6]}-WXY-{seq:04d}"
        templates = [t.split(":") for t in PROFILES[industry]]
        templates = templates[: int(rng.integers(1, len(templates) + 1))]
        people = int(rng.lognormal(np.log(40 if park else 150), 1.0)) if rng.random() < 0.85 else 0
        sources.append(
            HazardSource(
                code=code,
                name=f"{name}{templates[0][0]}重大危险源",
                enterprise_id=pk,
                people_within_500m=people,
                region_id=region,
                address=address,
                lon=lon,
                lat=lat,
            )
        )
        for k, (unit_name, letter, chemicals) in enumerate(templates, start=1):
            kind = "storage" if letter == "s" else "production"
            units.append((code, HazardUnit(code=f"{code}-U{k}", name=unit_name, kind=kind)))
            held = _inventory(chemicals.split("+"), kind, rng, qualify=k == 1)
            inventory += [(f"{code}-U{k}", chemical, q) for chemical, q in held]
    ctx.save("hazard_sources", HazardSource, sources)
    source_pks = _pks(HazardSource, "code", (s.code for s in sources))
    for source_code, unit in units:
        unit.source_id = source_pks[source_code]
    ctx.save("hazard_units", HazardUnit, [u for _c, u in units])
    unit_pks = _pks(HazardUnit, "code", (u.code for _c, u in units))
    rows = [
        HazardChemical(
            unit_id=unit_pks[unit],
            name=name,
            cas=CHEMICALS[name][0],
            hazard_category=CHEMICALS[name][1],
            quantity=q,
        )
        for unit, name, q in inventory
    ]
    ctx.insert("hazard_chemicals", HazardChemical, rows)
    services.grade_sources(s.pk for s in sources)  # S, R and grade, as the registry keeps them


def _inventory(
    chemicals: Sequence[str], kind: str, rng: np.random.Generator, *, qualify: bool
) -> list[tuple[str, float]]:
    """Tonnages log-uniform in each chemical's storage range (a few % of it in production).

    A unit that must qualify is scaled up until S = Σq/Q ≥ 1, as every registered source is.
    """
    low, high, limit = (np.array([CHEMICALS[c][k] for c in chemicals]) for k in (3, 4, 2))
    q = np.exp(rng.uniform(np.log(low), np.log(high)))
    if kind == "production":
        q *= rng.uniform(0.02, 0.12, q.size)
    s = float((q / limit).sum())
    if qualify and s < 1:
        q *= float(rng.uniform(1.1, 2.0)) / s
    return [
        (c, max(0.01, round(float(x), 1 if x >= 10 else 2)))
        for c, x in zip(chemicals, q, strict=True)
    ]

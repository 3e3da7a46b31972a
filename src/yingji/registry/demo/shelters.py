"""避灾安置场所: 9,210 shelters at county, township and village level (plan figure).

The provincial standard (data/census is not the source; see ../shared/data) asks per county
for 1–3 centres of ≥ 200 people, per township 1–2 of ≥ 100, per village 1 of ≥ 50; villages
flagged disaster-prone get theirs first.
"""

from __future__ import annotations

from yingji.registry.demo.context import DemoContext
from yingji.registry.models.shelter import Shelter, ShelterKind, ShelterLevel

TOTAL = 9_210
KINDS = [k for k, _label in ShelterKind.choices]


def generate(ctx: DemoContext) -> None:
    rng = ctx.rng("shelters")
    county_n = [int(rng.integers(1, 4)) for _ in ctx.counties]
    township_n = [int(rng.integers(1, 3)) for _ in ctx.townships]
    village_total = TOTAL - sum(county_n) - sum(township_n)
    prone = ctx.disaster_prone_villages
    others = [v for v in ctx.villages if v not in set(prone)] if len(prone) < village_total else []
    villages = (prone + others)[:village_total]
    rows: list[Shelter] = []
    for county, n in zip(ctx.counties, county_n, strict=True):
        lons, lats = ctx.points_in_county(county.code, n, rng)
        for i in range(n):
            rows.append(
                _shelter(
                    rng,
                    county.code,
                    f"{county.name}避灾安置中心{i + 1}",
                    ShelterLevel.COUNTY,
                    low=200,
                    high=1500,
                    lon=lons[i],
                    lat=lats[i],
                )
            )
    for level, places, counts, low, high, spread in (
        (ShelterLevel.TOWNSHIP, ctx.townships, township_n, 100, 600, 0.01),
        (ShelterLevel.VILLAGE, villages, [1] * len(villages), 50, 300, 0.003),
    ):
        expanded = [p for p, n in zip(places, counts, strict=True) for _ in range(n)]
        lons, lats = ctx.points_near(expanded, spread, rng)
        for index, place in enumerate(expanded):
            rows.append(
                _shelter(
                    rng,
                    place.code,
                    f"{place.name}避灾安置点",
                    level,
                    low=low,
                    high=high,
                    lon=lons[index],
                    lat=lats[index],
                )
            )
    for number, shelter in enumerate(rows, start=1):
        shelter.code = f"{shelter.region_id[:6]}-BZ-{number:05d}"
    ctx.save("shelters", Shelter, rows)


def _shelter(  # type: ignore[no-untyped-def]
    rng, region, name, level, *, low, high, lon, lat
) -> Shelter:
    capacity = int(rng.integers(low, high))
    standardised = bool(rng.random() < 0.85)
    return Shelter(
        name=name[:100], level=level, kind=KINDS[int(rng.integers(0, len(KINDS)))],
        capacity=capacity, floor_area=round(capacity * float(rng.uniform(2.0, 4.0)), 1),
        region_id=region, lon=float(lon), lat=float(lat),
        standardised=standardised, visualised=standardised and bool(rng.random() < 0.9),
        manager=f"管理员{int(rng.integers(1, 9999)):04d}",
        manager_phone=f"13{int(rng.integers(0, 10))}{int(rng.integers(0, 10**8)):08d}",
    )  # fmt: skip

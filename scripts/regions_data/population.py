"""Population and households: county figures, sums up the tree, synthetic splits below.

Counties get real 2020 census figures; Hangzhou is re-drawn onto its post-2021 districts
from the city bulletin.  Cities and the province are sums of their counties and are
checked against the census totals.  Townships and villages get a deterministic,
hash-seeded synthetic split that sums exactly to the parent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .common import (
    SRC_HZ_BULLETIN,
    SRC_SUM,
    SRC_SYNTHETIC,
    Region,
    by_level,
    check,
    hash_uniforms,
)
from .sources import CountyFigure, load_census_counties, load_hangzhou_bulletin

HANGZHOU = "3301"


def apportion(total: int, weights: NDArray[np.float64]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    check(total >= 0 and len(weights) > 0 and float(weights.sum()) > 0, "bad apportionment")
    exact = total * weights / weights.sum()
    floors = np.floor(exact).astype(np.int64)
    remainder = int(total - int(floors.sum()))
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:remainder]:
        floors[i] += 1
    return [int(v) for v in floors]


# --------------------------------------------------------------------------- counties


def hangzhou_figures(
    census: dict[str, CountyFigure], bulletin: dict[str, int]
) -> dict[str, CountyFigure]:
    """Hangzhou on current districts: bulletin populations, census households.

    Districts whose bulletin population equals the census one kept their boundaries, so
    their census households are used as is.  The re-drawn ones (上城/拱墅/萧山/余杭/临平/
    钱塘, replacing 上城/下城/江干/拱墅/萧山/余杭) share the census households of the old
    districts they replace, in proportion to population (the household size of the
    re-drawn area), so city and province household totals stay the real ones.
    """
    old = {c: f for c, f in census.items() if c.startswith(HANGZHOU)}
    same = {c for c, p in bulletin.items() if c in old and old[c].population == p}
    new_codes = sorted(set(bulletin) - same)
    old_codes = sorted(set(old) - same)
    pool_pop = sum(old[c].population for c in old_codes)
    check(
        pool_pop == sum(bulletin[c] for c in new_codes),
        "Hangzhou bulletin and census disagree on the re-drawn districts' total",
    )
    pool_hh = sum(old[c].households for c in old_codes)
    weights = np.array([bulletin[c] for c in new_codes], dtype=np.float64)
    shares = apportion(pool_hh, weights)
    result = {c: old[c] for c in same}
    for code, households in zip(new_codes, shares, strict=True):
        result[code] = CountyFigure(bulletin[code], households, SRC_HZ_BULLETIN)
    return result


def assign_county_figures(
    regions: dict[str, Region], census_dir: Path
) -> tuple[dict[str, int], list[str]]:
    """Set county population/households; return census totals and notes for the summary."""
    census, totals = load_census_counties(census_dir)
    current = {r.short_code for r in by_level(regions, "county")}
    figures = {c: f for c, f in census.items() if not c.startswith(HANGZHOU)}
    figures.update(hangzhou_figures(census, load_hangzhou_bulletin(census_dir)))
    missing = sorted(current - set(figures))
    check(not missing, f"no census figure for current counties {missing}")
    for county in by_level(regions, "county"):
        figure = figures[county.short_code]
        county.population = figure.population
        county.households = figure.households
        county.population_source = figure.source
    notes = [f"census counties not in 2023 codes (re-drawn): {sorted(set(census) - current)}"]
    return totals, notes


def aggregate_up(regions: dict[str, Region], index: dict[str, list[Region]]) -> None:
    for level in ("city", "province"):
        for region in by_level(regions, level):
            kids = index[region.code]
            region.population = sum(k.population for k in kids)
            region.households = sum(k.households for k in kids)
            region.population_source = SRC_SUM


def check_census_totals(regions: dict[str, Region], totals: dict[str, int]) -> None:
    for region in by_level(regions, "province") + by_level(regions, "city"):
        code6 = region.code[:6]
        check(
            region.population == totals[f"pop:{code6}"],
            f"{region.name}: population {region.population} != census total",
        )
        check(
            region.households == totals[f"hh:{code6}"],
            f"{region.name}: households {region.households} != census total",
        )


# --------------------------------------------------------------------------- synthetic


def township_weight(name: str) -> float:
    """Plausible relative size: urban 街道 > 镇 > rural 乡 > farms, parks and zones."""
    if name.endswith("街道"):
        return 1.3
    if name.endswith("镇"):
        return 1.0
    if name.endswith("乡"):
        return 0.4
    return 0.3


def village_weight(name: str) -> float:
    """Urban 社区/居委会 are on average larger than rural 村委会."""
    return 1.5 if ("社区" in name or "居委会" in name) else 1.0


def split_children(parent: Region, kids: list[Region], weight: Callable[[str], float]) -> None:
    """Split the parent's population and households over its children, exactly."""
    noise = -np.log1p(-hash_uniforms(f"pop:{parent.code}", len(kids)))  # Exp(1)
    base = np.array([weight(k.name) for k in kids], dtype=np.float64)
    weights = base * (0.25 + noise)
    pops = apportion(parent.population, weights)
    households = apportion(parent.households, np.array(pops, dtype=np.float64) + 1e-9)
    for kid, pop, hh in zip(kids, pops, households, strict=True):
        kid.population, kid.households = pop, hh
        kid.population_source = SRC_SYNTHETIC


def split_population(regions: dict[str, Region], index: dict[str, list[Region]]) -> None:
    for county in by_level(regions, "county"):
        split_children(county, index[county.code], township_weight)
    for township in by_level(regions, "township"):
        split_children(township, index[township.code], village_weight)


def check_sums(regions: dict[str, Region], index: dict[str, list[Region]]) -> None:
    for region in regions.values():
        kids = index.get(region.code, [])
        check(region.level == "village" or bool(kids), f"{region.code} has no children")
        if kids:
            check(
                sum(k.population for k in kids) == region.population,
                f"children of {region.code} do not sum to its population",
            )
            check(
                sum(k.households for k in kids) == region.households,
                f"children of {region.code} do not sum to its households",
            )

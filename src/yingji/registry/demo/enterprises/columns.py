"""Every enterprise column drawn at once as a numpy array: place, point, code, name, people..."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np

from yingji.kernels.identifiers import CREDIT_ALPHABET, CREDIT_WEIGHTS, credit_code_check
from yingji.registry.demo.context import DemoContext, Place
from yingji.registry.demo.enterprises.tables import (
    AS_OF,
    GIVEN,
    INDUSTRIES,
    KEY_PROCESSES,
    PARKS,
    ROADS,
    SURNAMES,
    TRADE_NAMES,
)
from yingji.registry.models.enterprise import HazchemRole


def _columns(ctx: DemoContext, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every enterprise column as an array of ``n`` values."""
    weights = np.array([c.population for c in ctx.counties], float)
    county = rng.choice(len(ctx.counties), n, p=weights / weights.sum())
    place, places, township_level = _pick_places(ctx, county, rng.random(n) < 0.3, rng)
    lon, lat = _points(
        ctx=ctx,
        county=county,
        places=places,
        place=place,
        spread=np.where(township_level, 0.012, 0.004),
        rng=rng,
    )
    ind = np.array(INDUSTRIES, dtype=object)
    share = ind[:, 2].astype(float)
    industry = ind[rng.choice(len(INDUSTRIES), n, p=share / share.sum())]
    hazchem = rng.random(n) < industry[:, 3].astype(float)
    role = np.where(hazchem, industry[:, 4].astype(str), HazchemRole.NONE.value)
    role[(role == "produce") & (rng.random(n) < 0.25)] = "use"
    role[(industry[:, 0] == "F5169") & (role == "trade") & (rng.random(n) < 0.2)] = "store"
    above = rng.random(n) < np.where(hazchem, 0.4, 0.12)
    county_codes = np.array([c.code[:6] for c in ctx.counties])[county]
    park = np.array([PARKS.get(c, "") for c in county_codes], dtype=object)
    in_park = (park != "") & hazchem & (rng.random(n) < np.where(role == "produce", 0.8, 0.3))
    insured = _split(
        rng, hazchem, ("insured", "expired", "uninsured"), (0.92, 0.05, 0.03), (0.5, 0.05, 0.45)
    )
    grades = ("grade1", "grade2", "grade3", "below", "")
    grade = np.where(
        hazchem,
        _split(rng, above, grades, (0.08, 0.4, 0.5, 0.02, 0), (0.02, 0.3, 0.6, 0.08, 0)),
        _split(rng, above, grades, (0, 0, 0.5, 0.3, 0.2), (0, 0, 0.2, 0.1, 0.7)),
    )
    days = rng.integers(1, 365, n) * np.select(
        [insured == "insured", insured == "expired"], [1, -1]
    )
    staff = np.where(above, rng.lognormal(np.log(150), 0.8, n), rng.lognormal(np.log(12), 0.8, n))
    return {
        "credit_code": _credit_codes(county_codes, rng),
        "name": _names(
            ctx=ctx,
            county=county,
            places=places,
            place=place,
            words=industry[:, 5],
            above=above,
            rng=rng,
        ),
        "industry_code": industry[:, 0].astype(str),
        "industry_name": industry[:, 1].astype(str),
        "scale": np.where(above, "above", "below"),
        "region_id": np.array([p.code for p in places], dtype=object)[place],
        "address": _addresses(ctx, places, place, rng),
        "lon": lon,
        "lat": lat,
        "legal_representative": _people(rng, n),
        "safety_manager": _people(rng, n),
        "safety_manager_phone": np.where(rng.random(n) < 0.95, _phones(rng, n), ""),
        "employees": np.maximum(np.where(above, 20, 1), staff).astype(int),
        "hazchem_role": role,
        "key_processes": _processes(rng, role),
        "in_chemical_park": in_park,
        "park_name": np.where(in_park, park, ""),
        "safety_grade": grade,
        "insurance_status": insured,
        "insurance_expires_on": np.array(
            [AS_OF + dt.timedelta(days=int(d)) if d else None for d in days], dtype=object
        ),
    }


def _split(
    rng: np.random.Generator,
    when: np.ndarray,
    values: Sequence[str],
    p_true: Sequence[float],
    p_false: Sequence[float],
) -> np.ndarray:
    """A categorical draw from one distribution where ``when`` holds, another elsewhere."""
    choices = np.array(values)
    return np.where(
        when, rng.choice(choices, when.size, p=p_true), rng.choice(choices, when.size, p=p_false)
    )


def _pick_places(
    ctx: DemoContext, county: np.ndarray, township_level: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, list[Place], np.ndarray]:
    """A township or village of each enterprise's county, weighted by its population.

    Places are grouped by (county, level) and drawn with cumulative weights and
    ``searchsorted``: one pass for all rows, whatever their number. Returns the index into
    ``townships + villages`` and whether each pick is a township.
    """
    places = ctx.townships + ctx.villages
    index = {c.code[:6]: i for i, c in enumerate(ctx.counties)}
    is_village = np.arange(len(places)) >= len(ctx.townships)
    group = np.array([index[p.code[:6]] for p in places]) * 2 + is_village
    order = np.lexsort((np.arange(len(places)), group))
    cum = np.cumsum(np.array([places[i].population for i in order], float) + 1.0)
    groups = group[order]
    want = county * 2 + ~township_level
    lo, hi = np.searchsorted(groups, want, "left"), np.searchsorted(groups, want, "right")
    want[lo == hi] = county[lo == hi] * 2  # a county without villages: its townships
    lo, hi = np.searchsorted(groups, want, "left"), np.searchsorted(groups, want, "right")
    base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    target = base + rng.random(want.size) * (cum[hi - 1] - base)
    pick = order[np.minimum(np.searchsorted(cum, target, "right"), hi - 1)]
    return pick, places, ~is_village[pick]


def _points(
    *,
    ctx: DemoContext,
    county: np.ndarray,
    places: Sequence[Place],
    place: np.ndarray,
    spread: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """A point near each enterprise's place and inside its county, tested per county at once."""
    px = np.array([p.lon for p in places])[place]
    py = np.array([p.lat for p in places])[place]
    lon, lat = px + rng.normal(0, spread), py + rng.normal(0, spread)
    for k in np.unique(county):
        rows = np.flatnonzero(county == k)
        code = ctx.counties[k].code
        for attempt in range(4):  # redraw strays closer to their place, then use the place
            out = rows[~ctx.inside_county(code, lon[rows], lat[rows])]
            shrink = 0.0 if attempt == 3 else 0.5**attempt
            lon[out] = px[out] + rng.normal(0, 1, out.size) * spread[out] * shrink
            lat[out] = py[out] + rng.normal(0, 1, out.size) * spread[out] * shrink
        out = rows[~ctx.inside_county(code, lon[rows], lat[rows])]
        if out.size:  # the place's own point lies outside the simplified boundary
            lon[out], lat[out] = ctx.points_in_county(code, out.size, rng)
    return lon.round(6), lat.round(6)


def _credit_codes(county_codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """GB 32100 codes: 91 + registration county + 主体标识码 + check character.

    Two-thirds take the post-2015 form (MA2…), the rest an old organisation code with its
    GB 11714 check digit. A bijective scramble of the row number makes them unique.
    """
    n = len(county_codes)
    vals = np.zeros((n, 18), dtype=np.int64)
    vals[:, 0], vals[:, 1] = 9, 1
    vals[:, 2:8] = county_codes.astype(np.int64)[:, None] // 10 ** np.arange(5, -1, -1) % 10
    new = rng.random(n) < 0.66
    i_new, i_old = np.flatnonzero(new), np.flatnonzero(~new)
    serial = (np.arange(i_new.size) * 7919 + 104_729) % 31**4
    body = np.zeros((i_new.size, 9), dtype=np.int64)
    body[:, :3] = [CREDIT_ALPHABET.index(ch) for ch in "MA2"]
    body[:, 3], body[:, 8] = rng.integers(0, 31, (2, i_new.size))
    for k in range(4):
        body[:, 7 - k] = (serial // 31**k) % 31
    vals[i_new, 8:17] = body
    serial = (np.arange(i_old.size) * 48_271 + 12_345_678) % 10**8
    digits = np.stack([(serial // 10 ** (7 - k)) % 10 for k in range(8)], axis=1)
    check = 11 - (digits @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11
    vals[i_old, 8:16] = digits
    vals[i_old, 16] = np.where(check == 11, 0, np.where(check == 10, 29, check))  # 29 = "X"
    vals[:, 17] = (31 - (vals[:, :17] @ np.array(CREDIT_WEIGHTS)) % 31) % 31
    codes = np.ascontiguousarray(np.array(list(CREDIT_ALPHABET))[vals]).view("<U18").ravel()
    assert not n or codes[0][17] == credit_code_check(codes[0][:17])  # noqa: S101 - same rule
    return codes


def _short(name: str, suffixes: Iterable[str]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _names(
    *,
    ctx: DemoContext,
    county: np.ndarray,
    places: Sequence[Place],
    place: np.ndarray,
    words: np.ndarray,
    above: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Region + trade name + industry word + 有限公司, e.g. 萧山恒丰印染有限公司."""
    n = county.size
    county_short = [_short(c.name, ("畲族自治县", "区", "县", "市")) for c in ctx.counties]
    towns = {p.path: _short(p.name, ("街道", "镇", "乡")) for p in ctx.townships}
    town = [towns.get(places[i].path[:9], "") for i in place]
    prefix = [
        "浙江" if r < 0.2 else county_short[c] if r < 0.6 or len(tw) > 4 else tw
        for r, c, tw in zip(rng.random(n), county, town, strict=True)
    ]
    trade = TRADE_NAMES[rng.integers(0, TRADE_NAMES.size, n)]
    suffix = np.where(above & (rng.random(n) < 0.15), "股份有限公司", "有限公司")
    return np.array(
        [f"{a}{b}{c}{d}" for a, b, c, d in zip(prefix, trade, words, suffix, strict=True)],
        dtype=object,
    )


def _addresses(
    ctx: DemoContext, places: Sequence[Place], place: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    counties = {c.path: c.name for c in ctx.counties}
    towns = {t.path: t.name for t in ctx.townships}
    road = ROADS[rng.integers(0, ROADS.size, place.size)]
    number = rng.integers(1, 999, place.size)
    out = []
    for i, r, k in zip(place, road, number, strict=True):
        path, name = places[i].path, places[i].name
        village = _village(name) if len(path) == 12 else ""
        out.append(f"{counties[path[:6]]}{towns[path[:9]]}{village}{r}{k}号")
    return np.array(out, dtype=object)


def _village(name: str) -> str:
    """How an address names a village: 西武山村村委会 → 西武山村, 园里湖居委会 → 园里湖社区."""
    if name.endswith("村委会"):
        return name[:-3] if name[:-3].endswith("村") else name[:-2]
    return name[:-3] + "社区" if name.endswith("居委会") else name


def _people(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = SURNAMES[rng.integers(0, SURNAMES.size, n)]
    second = np.where(rng.random(n) < 0.7, GIVEN[rng.integers(0, GIVEN.size, n)], "")
    return np.char.add(np.char.add(surname, GIVEN[rng.integers(0, GIVEN.size, n)]), second)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = np.array(["13", "15", "17", "18", "19"])[rng.integers(0, 5, n)]
    return np.char.add(prefix, np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9))


def _processes(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    """重点监管危险化工工艺 for 60% of producers: one or two of the listed processes."""
    out = np.full(role.size, "", dtype=object)
    for i in np.flatnonzero((role == "produce") & (rng.random(role.size) < 0.6)):
        chosen = rng.choice(len(KEY_PROCESSES), int(rng.integers(1, 3)), replace=False)
        out[i] = "、".join(KEY_PROCESSES[j] for j in sorted(chosen))
    return out

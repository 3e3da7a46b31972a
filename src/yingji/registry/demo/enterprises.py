"""一企一档 demo: enterprises, their licences and training, and major hazard sources.

20,000 enterprises by default, 500,000 at province scale, so every column is drawn as a numpy
array and model rows are only assembled (and saved) in chunks. An enterprise sits in a village
or township of a county chosen by county population; ~3% handle hazardous chemicals, mostly in
chemical, trade, storage and gas industries. About 300 of those get a major hazard source
whose first unit qualifies under GB 18218 (S = Σq/Q ≥ 1) with a realistic inventory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import models

from yingji.kernels.identifiers import CREDIT_ALPHABET, CREDIT_WEIGHTS, credit_code_check
from yingji.registry.demo.context import DemoContext, Place
from yingji.registry.models.enterprise import Enterprise, HazchemRole, Licence, TrainingRecord
from yingji.registry.models.hazard import HazardChemical, HazardSource, HazardUnit

SIZES = {"default": 20_000, "province": 500_000}
SOURCES = {"default": 300, "province": 1_200}  # province: an unsourced, plausible count
CHUNK = 50_000
AS_OF = dt.date(2026, 6, 30)  # the demo's "today": dates are drawn around it, reproducibly

# GB/T 4754-2017 class, name, share of enterprises, P(hazchem), role if hazchem, name word.
INDUSTRIES = (
    ("C1713", "棉印染精加工", 3.0, 0.02, "use", "印染"),
    ("C1752", "化纤织物染整精加工", 4.0, 0.02, "use", "印染"),
    ("C1761", "针织或钩针编织物织造", 7.0, 0.0, "use", "针织"),
    ("C1819", "其他机织服装制造", 8.0, 0.0, "use", "服饰"),
    ("C1514", "黄酒制造", 0.5, 0.0, "use", "酿酒"),
    ("C2110", "木质家具制造", 6.0, 0.005, "use", "家具"),
    ("C2221", "机制纸及纸板制造", 1.5, 0.02, "use", "纸业"),
    ("C2311", "书、报刊印刷", 2.0, 0.01, "use", "印务"),
    ("C2612", "无机碱制造", 0.1, 0.9, "produce", "化工"),
    ("C2614", "有机化学原料制造", 0.4, 0.7, "produce", "化工"),
    ("C2619", "其他基础化学原料制造", 0.3, 0.6, "produce", "化学"),
    ("C2631", "化学农药制造", 0.2, 0.8, "produce", "农化"),
    ("C2641", "涂料制造", 0.4, 0.5, "produce", "涂料"),
    ("C2651", "初级形态塑料及合成树脂制造", 0.35, 0.5, "produce", "新材料"),
    ("C2661", "化学试剂和助剂制造", 0.4, 0.5, "produce", "精细化工"),
    ("C2710", "化学药品原料药制造", 0.3, 0.5, "use", "药业"),
    ("C2822", "涤纶纤维制造", 0.6, 0.05, "use", "化纤"),
    ("C2929", "塑料零件及其他塑料制品制造", 8.0, 0.005, "use", "塑业"),
    ("C3011", "水泥制造", 0.3, 0.0, "use", "建材"),
    ("C3130", "钢压延加工", 1.0, 0.02, "use", "钢业"),
    ("C3311", "金属结构制造", 7.0, 0.005, "use", "钢结构"),
    ("C3322", "手工具制造", 6.0, 0.0, "use", "工具"),
    ("C3360", "金属表面处理及热处理加工", 1.5, 0.1, "use", "表面处理"),
    ("C3399", "其他未列明金属制品制造", 10.0, 0.005, "use", "五金"),
    ("C3443", "阀门和旋塞制造", 5.0, 0.0, "use", "阀门"),
    ("C3670", "汽车零部件及配件制造", 9.0, 0.005, "use", "汽车部件"),
    ("C3812", "电动机制造", 3.0, 0.0, "use", "电机"),
    ("C3831", "电线、电缆制造", 2.0, 0.0, "use", "电缆"),
    ("C3851", "家用制冷电器具制造", 2.0, 0.0, "use", "电器"),
    ("C4190", "其他未列明制造业", 9.0, 0.0, "use", "实业"),
    ("B1011", "石灰石、石膏开采", 0.4, 0.0, "use", "矿业"),
    ("D4511", "天然气生产和供应业", 0.1, 0.9, "trade", "燃气"),
    ("D4512", "液化石油气生产和供应业", 0.1, 0.95, "trade", "液化气"),
    ("F5162", "石油及制品批发", 0.25, 0.8, "trade", "石化"),
    ("F5169", "其他化工产品批发", 1.0, 0.45, "trade", "化工贸易"),
    ("F5265", "机动车燃油零售", 0.4, 1.0, "trade", "石油销售"),
    ("G5942", "危险化学品仓储", 0.08, 1.0, "store", "物流"),
)
KEY_PROCESSES = ("氯化工艺", "硝化工艺", "氟化工艺", "加氢工艺", "氧化工艺", "磺化工艺", "聚合工艺")
# 2023 re-certified chemical parks (../shared/data, 7 of 18 readable) by county, plus 上虞's.
PARKS = {
    "330182": "建德经济开发区化工园区",
    "330112": "天目医药港化工集聚区",
    "330206": "宁波大榭开发区",
    "330211": "宁波石化经济技术开发区",
    "330305": "洞头大小门临港石化产业区",
    "330503": "浙江南浔经济开发区菱湖化工园区",
    "330521": "德清经济开发区新材料产业园",
    "330604": "杭州湾上虞经济技术开发区",
}
TRADE_NAMES = np.array(
    [a + b for a in "恒华永金宏天信兴嘉新瑞鼎中浙国东" for b in "丰海鑫达远成业隆禾泰顺源"]
)
SURNAMES = np.array(
    list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余")
)
GIVEN = np.array(list("伟强磊军勇杰涛明超华平刚建国红英芳敏静丽燕霞娟萍海波斌浩宇晨俊峰"))
ROADS = np.array(["工业路", "兴业路", "创业路", "科技路", "经济路", "环城路", "纬一路", "园区路"])
# City → licence-plate letter and one-character abbreviation, used in licence numbers.
PLATE = {
    f"33{i:02d}": lc
    for i, lc in enumerate(zip("ABCFEDGHLJK", "杭甬温嘉湖绍金衢舟台丽", strict=True), 1)
}

# Chemical: CAS, GB 18218 Table 2 category, Q (t, Table 1 or 2), storage tonnage range (t).
CHEMICALS: dict[str, tuple[str, str, float, float, float]] = {
    "液氯": ("7782-50-5", "J3", 5, 10, 120),
    "氢": ("1333-74-0", "W2", 5, 0.5, 8),
    "液氨": ("7664-41-7", "J3", 10, 15, 400),
    "甲醇": ("67-56-1", "W5.3", 500, 300, 8000),
    "甲苯": ("108-88-3", "W5.3", 500, 200, 5000),
    "苯": ("71-43-2", "W5.3", 50, 50, 2000),
    "丙酮": ("67-64-1", "W5.3", 500, 100, 3000),
    "乙酸乙酯": ("141-78-6", "W5.3", 500, 100, 3000),
    "乙醇": ("64-17-5", "W5.3", 500, 100, 3000),
    "氯乙烯": ("75-01-4", "W2", 50, 60, 2000),
    "汽油": ("86290-81-5", "W5.1", 200, 300, 20000),
    "柴油": ("68334-30-5", "W5.4", 5000, 500, 20000),
    "液化石油气": ("68476-85-7", "W2", 50, 60, 3000),
    "天然气": ("8006-14-2", "W2", 50, 55, 600),
}
# Industry → units "name:kind:chemical+chemical" (kind s = storage, p = production); a source
# takes the first one to three.
PROFILES: dict[str, tuple[str, ...]] = {
    "C2612": ("液氯储罐区:s:液氯", "电解生产装置:p:液氯+氢", "液氯充装区:s:液氯"),
    "C2614": ("甲醇罐区:s:甲醇+甲苯", "合成生产装置:p:甲醇+氢+甲苯", "液氨储罐区:s:液氨"),
    "C2619": ("液氨储罐区:s:液氨", "氯化反应装置:p:液氯+甲苯", "原料罐区:s:甲醇+苯"),
    "C2631": ("原料罐区:s:甲苯+甲醇", "氯化生产车间:p:液氯+甲苯", "液氯钢瓶库:s:液氯"),
    "C2641": ("溶剂罐区:s:甲苯+乙酸乙酯+丙酮", "调漆生产车间:p:甲苯+乙酸乙酯"),
    "C2651": ("单体罐区:s:氯乙烯", "聚合生产装置:p:氯乙烯+氢", "甲醇罐区:s:甲醇"),
    "C2661": ("溶剂罐区:s:甲醇+丙酮+甲苯", "加氢生产装置:p:氢+甲醇"),
    "C2710": ("溶剂罐区:s:甲醇+乙醇+丙酮", "合成车间:p:甲醇+甲苯"),
    "F5162": ("成品油罐区:s:汽油+柴油", "甲醇罐区:s:甲醇"),
    "F5169": ("储罐区:s:甲醇+甲苯+乙酸乙酯", "液化烃罐区:s:液化石油气"),
    "G5942": ("甲类仓库:s:甲醇+丙酮+甲苯", "储罐区:s:苯+乙酸乙酯", "液氯钢瓶库:s:液氯"),
    "D4511": ("LNG储罐区:s:天然气", "气化调压站:p:天然气"),
    "D4512": ("液化石油气储配站:s:液化石油气", "充装区:p:液化石油气"),
}


def generate_enterprises(ctx: DemoContext) -> None:
    """Enterprises, then licences of those that need one and their key persons' training."""
    n = SIZES.get(ctx.scale, SIZES["default"])
    cols = _columns(ctx, n, ctx.rng("enterprises"))
    for start in range(0, n, CHUNK):  # executemany; keys are read back by credit code below
        rows = {k: v[start : start + CHUNK] for k, v in cols.items()}
        ctx.insert("enterprises", Enterprise, [Enterprise(**r) for r in _records(rows)])
    trained = ctx.rng("trainings-sample").random(n) < 0.02  # a few ordinary enterprises too
    keep = np.flatnonzero(
        (cols["hazchem_role"] != HazchemRole.NONE) | (cols["industry_code"] == "B1011") | trained
    )
    subset = {k: v[keep] for k, v in cols.items()}
    pks = _pks(Enterprise, "credit_code", subset["credit_code"])
    _licences(ctx, subset, pks, ctx.rng("licences"))
    _trainings(ctx, subset, pks, ctx.rng("trainings"))


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


def _records(cols: dict[str, np.ndarray]) -> Iterable[dict[str, Any]]:
    names = list(cols)
    for values in zip(*(cols[k].tolist() for k in names), strict=True):
        yield dict(zip(names, values, strict=True))


def _pks(model: type[models.Model], field: str, keys: Iterable[str]) -> dict[str, int]:
    """Primary keys of rows just bulk-inserted, by natural key (any database backend)."""
    wanted = [str(k) for k in keys]
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 900):
        rows = model._default_manager.filter(**{f"{field}__in": wanted[start : start + 900]})
        found.update(rows.values_list(field, "pk"))
    return found


def _days_before(rng: np.random.Generator, low: int, high: int) -> dt.date:
    return AS_OF - dt.timedelta(days=int(rng.integers(low, high)))


def _licences(
    ctx: DemoContext, cols: dict[str, np.ndarray], pks: dict[str, int], rng: np.random.Generator
) -> None:
    """The licences each role needs (3-year terms); about 5% have lapsed."""
    needs = {"produce": ("safety", "hc_reg"), "trade": ("hc_trade",), "store": ("hc_trade",)}
    objs: list[Licence] = []
    for i, code in enumerate(cols["credit_code"]):
        role, industry = cols["hazchem_role"][i], cols["industry_code"][i]
        kinds = list(needs.get(role, ("hc_use",) if role == "use" and rng.random() < 0.4 else ()))
        kinds += ["safety"] if industry == "B1011" else []
        plate, city = PLATE.get(str(cols["region_id"][i])[:4], ("A", "浙"))
        sector = "FM" if industry == "B1011" else "WH"  # 非煤矿山 / 危化
        for kind in kinds:
            lapsed = rng.random() < 0.05
            day = _days_before(rng, 1096, 1460) if lapsed else _days_before(rng, 0, 1094)
            seq, year = len(objs) + 1, day.year
            number = {
                "safety": f"(浙){plate}{sector}安许证字〔{year}〕{seq:04d}",
                "hc_reg": f"33{seq:06d}",
                "hc_trade": f"浙{city}安经字〔{year}〕{seq:06d}",
                "hc_use": f"浙{city}危化使字〔{year}〕{seq:04d}",
            }[kind]
            objs.append(
                Licence(
                    enterprise_id=pks[code],
                    kind=kind,
                    number=number,
                    issued_on=day,
                    expires_on=day + dt.timedelta(days=1094),
                )
            )
    ctx.insert("licences", Licence, objs)


def _trainings(
    ctx: DemoContext, cols: dict[str, np.ndarray], pks: dict[str, int], rng: np.random.Generator
) -> None:
    """主要负责人 and 安全管理人员 assessments (3 years), 特种作业 certificates (6 years)."""
    objs: list[TrainingRecord] = []
    for i, code in enumerate(cols["credit_code"]):
        role, county = cols["hazchem_role"][i], str(cols["region_id"][i])[:6]
        sector = "一般行业生产经营单位" if role == "none" else "危险化学品生产经营单位"
        people = [
            ("principal", cols["legal_representative"][i], f"{sector}主要负责人"),
            ("manager", cols["safety_manager"][i], f"{sector}安全生产管理人员"),
        ]
        if role == "none":  # an ordinary enterprise in the sample: one of the two
            people = [people[int(rng.integers(0, 2))]]
        processes = [f"{p}作业" for p in str(cols["key_processes"][i]).split("、") if p]
        for course in processes or (["危险化学品安全作业"] if role == "produce" else []):
            people.append(("operator", str(_people(rng, 1)[0]), course))
        for who, person, course in people:
            day, seq, operator = _days_before(rng, 30, 4 * 365), len(objs) + 1, who == "operator"
            objs.append(
                TrainingRecord(
                    enterprise_id=pks[code],
                    person=str(person),
                    role=who,
                    course=course if operator else f"{course}安全生产知识和管理能力考核",
                    certificate_number=f"T{county}{seq:07d}"
                    if operator
                    else f"浙安考〔{day.year}〕{seq:06d}",
                    trained_on=day,
                    expires_on=day + dt.timedelta(days=(6 if operator else 3) * 365),
                )
            )
    ctx.insert("trainings", TrainingRecord, objs)


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

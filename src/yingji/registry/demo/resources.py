"""Supplies, rescue forces, aviation sites and people of the demo province.

Sizes come from the plan where it gives them: 28 professional teams, 21 provincial backbone
teams, 240 social rescue teams, 300 temporary landing points, a five-level depot network with
the 1.64万 disaster-prone villages' key kit (satellite phone, generator, pump) in ~2,000 village
depots; everything else is a plausible synthetic size. Generators run after ``flags`` (they
read the disaster-prone villages) and each writes through ``ctx.save`` under its spec names.
No ID numbers are generated: synthetic people must not carry numbers real people may hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from yingji.kernels import codes
from yingji.regions.models import Level, Region
from yingji.registry.demo.context import DemoContext, Place
from yingji.registry.models import depot as d
from yingji.registry.models import people as p
from yingji.registry.models import rescue as r

EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # demo "now" for ledgers: fixed, reproducible
VILLAGE_DEPOTS = 2_000
PROFESSIONAL, BACKBONE, SOCIAL = 28, 21, 240
LANDING_POINTS = 300
EXPERTS = {"province": 100, "city": 20, "county": 2}  # per region of that level: 100+220+180
VOLUNTEERS = 20_000

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
                "董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏方邹孟熊"
                "秦邱江尹薛段雷侯龙史")  # fmt: skip
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文玉兰志红海燕斌浩宇婷雪琳晨")

# (category, name, unit, village-depot quantity, shelf life in days or 0)
CATALOGUE: tuple[tuple[str, str, str, int, int], ...] = (
    ("communication", "卫星电话", "部", 1, 0),
    ("lighting", "应急发电机", "台", 1, 0),
    ("flood", "排水泵", "台", 1, 0),
    ("flood", "编织袋", "条", 500, 0),
    ("flood", "土工布", "平方米", 200, 0),
    ("flood", "防汛沙袋", "个", 200, 0),
    ("lifesaving", "救生衣", "件", 20, 0),
    ("lifesaving", "救生圈", "个", 10, 0),
    ("lifesaving", "冲锋舟", "艘", 1, 0),
    ("lifesaving", "抛绳器", "个", 2, 0),
    ("living", "帐篷", "顶", 5, 0),
    ("living", "折叠床", "张", 20, 0),
    ("living", "棉被", "床", 30, 0),
    ("living", "方便食品", "箱", 20, 365),
    ("living", "饮用水", "箱", 30, 540),
    ("lighting", "移动照明灯塔", "台", 1, 0),
    ("lighting", "强光手电", "个", 10, 0),
    ("communication", "对讲机", "部", 4, 0),
    ("medical", "急救包", "个", 5, 730),
    ("medical", "担架", "副", 2, 0),
    ("medical", "消毒液", "升", 20, 365),
    ("tools", "铁锹", "把", 20, 0),
    ("tools", "油锯", "台", 1, 0),
    ("tools", "破拆工具组", "套", 1, 0),
    ("other", "雨衣", "件", 30, 0),
    ("other", "警戒带", "卷", 10, 0),
)
KEY_KIT = 3  # the first three: every village depot holds them (plan: 全覆盖)
LEVEL_STOCK = {  # level → (items per depot, quantity multiplier, floor area m²)
    d.DepotLevel.PROVINCE: (len(CATALOGUE), 80, 20_000),
    d.DepotLevel.CITY: (22, 25, 6_000),
    d.DepotLevel.COUNTY: (18, 8, 2_000),
    d.DepotLevel.TOWNSHIP: (10, 2, 300),
    d.DepotLevel.VILLAGE: (6, 1, 40),
}


def generate_depots(ctx: DemoContext) -> None:
    """Depots at all five levels, their stock, and one 入库 line per item (ledger == stock)."""
    rng = ctx.rng("depots")
    province, cities = _upper_places()
    prone = ctx.disaster_prone_villages
    chosen = np.sort(rng.choice(len(prone), size=min(VILLAGE_DEPOTS, len(prone)), replace=False))
    tiers: list[tuple[d.DepotLevel, Sequence[Place], str, float]] = [
        (d.DepotLevel.PROVINCE, [province], "应急物资储备库", 0.0),
        (d.DepotLevel.CITY, cities, "应急物资储备库", 0.0),
        (d.DepotLevel.COUNTY, ctx.counties, "应急物资储备库", 0.0),
        (d.DepotLevel.TOWNSHIP, ctx.townships, "应急物资储备点", 0.005),
        (d.DepotLevel.VILLAGE, [prone[i] for i in chosen], "应急物资储备点", 0.002),
    ]
    depots: list[d.Depot] = []
    for level, places, suffix, spread in tiers:
        lons, lats = _locate(ctx, places, spread, rng)
        phones, managers = _phones(rng, len(places)), _names(rng, len(places))
        area = LEVEL_STOCK[level][2] * rng.uniform(0.6, 1.4, len(places))
        depots += [
            d.Depot(code=f"{codes.display(pl.code)}-WZ01", name=f"{pl.name}{suffix}"[:100],
                    level=level, region_id=pl.code, address=pl.name, lon=float(lons[i]),
                    lat=float(lats[i]), manager=managers[i], manager_phone=phones[i],
                    floor_area=round(float(area[i]), 1))
            for i, pl in enumerate(places)
        ]  # fmt: skip
    ctx.save("depots", d.Depot, depots)
    items = _stock(rng, depots)
    ctx.save("stock_items", d.StockItem, items)
    days = rng.integers(30, 720, len(items))
    ctx.insert("stock_movements", d.StockMovement, [
        d.StockMovement(item=item, kind=d.MovementKind.IN, quantity=item.quantity,
                        delta=item.quantity, balance_after=item.quantity, reason="初始入库",
                        occurred_at=EPOCH - dt.timedelta(days=int(days[i])), actor_label="(demo)")
        for i, item in enumerate(items)
    ])  # fmt: skip


def _stock(rng: np.random.Generator, depots: Sequence[d.Depot]) -> list[d.StockItem]:
    items: list[d.StockItem] = []
    base = np.array([row[3] for row in CATALOGUE], dtype=float)
    for depot in depots:
        count, multiplier, _area = LEVEL_STOCK[d.DepotLevel(depot.level)]
        if depot.level == d.DepotLevel.VILLAGE:
            extra = rng.choice(np.arange(KEY_KIT, len(CATALOGUE)), count - KEY_KIT, replace=False)
            picks = np.concatenate([np.arange(KEY_KIT), np.sort(extra)])
        else:
            picks = np.sort(rng.choice(len(CATALOGUE), count, replace=False))
        amounts = np.maximum(1, np.round(base[picks] * multiplier * rng.lognormal(0, 0.3, count)))
        batches = rng.integers(2019, 2024, count)
        shelf = rng.integers(90, 720, count)
        for n, (index, amount) in enumerate(zip(picks, amounts, strict=True), start=1):
            category, name, unit, _q, life = CATALOGUE[int(index)]
            items.append(d.StockItem(
                depot=depot, code=f"{depot.code}-{n:04d}", category=category, name=name,
                unit=unit, quantity=Decimal(int(amount)), batch=f"{batches[n - 1]}-01",
                expires_on=(EPOCH + dt.timedelta(days=int(shelf[n - 1]))).date() if life else None,
            ))  # fmt: skip
    return items


FORCE_THEMES = (
    ("危化品应急救援专业队", "危化"), ("矿山应急救援专业队", "矿山"),
    ("水域救援专业队", "防汛,水域"), ("地震救援专业队", "地震地质"),
    ("山岳救援专业队", "山岳"), ("森林消防专业队", "森林灭火"),
    ("航空应急救援队", "航空"), ("紧急医学救援队", "医疗"), ("电力抢修专业队", "电力"),
    ("重型工程机械救援队", "地震地质,防汛"),
)  # fmt: skip
SOCIAL_BRANDS = ("蓝天救援队", "公羊救援队", "红十字水上救援队", "山鹰救援队", "曙光救援队",
                 "神鹰救援队", "星火救援队", "海豚救援队")  # fmt: skip
EQUIPMENT = ("冲锋舟", "橡皮艇", "无人机", "生命探测仪", "液压破拆工具", "照明车", "排涝车",
             "卫星通信车", "油锯", "抛投器")  # fmt: skip


def generate_rescue(ctx: DemoContext) -> None:
    """Rescue forces (28 + 21 + 240 + one per county + one per township) and aviation sites."""
    rng = ctx.rng("rescue")
    counties = ctx.counties
    plan: list[tuple[Place, str, str, str, bool, str, tuple[int, int]]] = []
    for index, county in enumerate(rng.choice(len(counties), PROFESSIONAL)):
        name, specs = FORCE_THEMES[index % len(FORCE_THEMES)]
        plan.append((counties[int(county)], f"浙江省{name}", r.ForceKind.PROFESSIONAL,
                     r.ForceLevel.PROVINCE, False, specs, (40, 200)))  # fmt: skip
    for index, county in enumerate(rng.choice(len(counties), BACKBONE, replace=False)):
        name, specs = FORCE_THEMES[(index + 3) % len(FORCE_THEMES)]
        plan.append((counties[int(county)], f"浙江省{name}（省级骨干）", r.ForceKind.PROFESSIONAL,
                     r.ForceLevel.PROVINCE, True, specs, (30, 120)))  # fmt: skip
    weights = np.array([c.population for c in counties], dtype=float) + 1.0
    for index, county in enumerate(rng.choice(len(counties), SOCIAL, p=weights / weights.sum())):
        place = counties[int(county)]
        brand = SOCIAL_BRANDS[index % len(SOCIAL_BRANDS)]
        plan.append((place, f"{place.name}{brand}{index + 1}", r.ForceKind.SOCIAL,
                     r.ForceLevel.COUNTY, True, "防汛,水域,山岳", (15, 80)))  # fmt: skip
    plan += [(c, f"{c.name}消防救援大队", r.ForceKind.FIRE, r.ForceLevel.COUNTY, False,
              "防汛,水域,危化,山岳", (40, 150)) for c in counties]  # fmt: skip
    plan += [(t, f"{t.name}基层综合应急救援队", r.ForceKind.GRASSROOTS, r.ForceLevel.TOWNSHIP,
              False, "防汛,森林灭火", (15, 40)) for t in ctx.townships]  # fmt: skip
    places = [row[0] for row in plan]
    lons, lats = _locate(ctx, places, 0.005, rng)
    phones, leaders = _phones(rng, len(plan)), _names(rng, len(plan))
    readiness = rng.choice(list(r.Readiness.values), len(plan), p=[0.85, 0.05, 0.10])
    kit = rng.integers(0, len(EQUIPMENT), (len(plan), 3))
    ctx.save("rescue_forces", r.RescueForce, [
        r.RescueForce(
            code=f"{codes.display(pl.code)}-JY-{i + 1:04d}", name=name[:100], kind=kind,
            level=level, backbone=backbone, specialties=specs,
            members=int(rng.integers(low, high)), readiness=str(readiness[i]),
            equipment="、".join(dict.fromkeys(EQUIPMENT[k] for k in kit[i])),
            leader=leaders[i], leader_phone=phones[i], region_id=pl.code, address=pl.name,
            lon=float(lons[i]), lat=float(lats[i]),
        )
        for i, (pl, name, kind, level, backbone, specs, (low, high)) in enumerate(plan)
    ])  # fmt: skip
    _aviation(ctx, rng)


def _aviation(ctx: DemoContext, rng: np.random.Generator) -> None:
    _province, cities = _upper_places()
    seats = [_seat(ctx, city) for city in cities]
    per_county = rng.multinomial(LANDING_POINTS, np.full(len(ctx.counties), 1 / len(ctx.counties)))
    landing = [c for c, n in zip(ctx.counties, per_county, strict=True) for _ in range(int(n))]
    places = seats + landing
    lons, lats = _locate(ctx, places, 0.0, rng)
    surfaces = rng.choice(["concrete", "grass", "sports"], len(places))
    sizes = rng.choice(["light", "medium"], len(places), p=[0.4, 0.6])
    lit = rng.random(len(places)) < 0.3
    sites = []
    for i, place in enumerate(places):
        base = i < len(seats)
        name = f"{cities[i].name}航空应急救援直升机基地" if base else f"{place.name}临时起降点{i}"
        sites.append(r.AviationSite(
            code=f"{codes.display(place.code)}-{'JD' if base else 'QJ'}-{i + 1:03d}", name=name,
            kind=r.AviationKind.BASE if base else r.AviationKind.LANDING,
            surface="concrete" if base else str(surfaces[i]),
            max_aircraft="heavy" if base else str(sizes[i]), lighting=base or bool(lit[i]),
            region_id=place.code, address=place.name, lon=float(lons[i]), lat=float(lats[i]),
        ))  # fmt: skip
    ctx.save("aviation_sites", r.AviationSite, sites)


ORGANISATIONS = ("浙江大学", "浙江工业大学", "浙江省地质院", "浙江省气象台", "浙江省水利河口研究院",
                 "浙江省人民医院", "浙江省消防救援总队", "国网浙江省电力有限公司",
                 "浙江省安全生产科学研究院", "浙江省化工研究院")  # fmt: skip
TITLES = ("正高级工程师", "高级工程师", "教授", "副教授", "研究员", "主任医师")
SKILLS = ("急救", "水域救援", "心理疏导", "通信保障", "物资搬运", "驾驶", "搜救", "无人机操作",
          "医疗护理")  # fmt: skip
CERTIFICATES = ("红十字救护员", "红十字救护员", "红十字救护员", "应急救护员", "潜水员证",
                "无人机驾驶员执照", "")  # fmt: skip


def generate_people(ctx: DemoContext) -> None:
    """Experts, volunteers and contacts (two responsible persons + a grid worker per village)."""
    rng = ctx.rng("people")
    _experts(ctx, rng)
    _volunteers(ctx, rng)
    _contacts(ctx, rng)


def _experts(ctx: DemoContext, rng: np.random.Generator) -> None:
    province, cities = _upper_places()
    homes = [province] * EXPERTS["province"]
    homes += [c for c in cities for _ in range(EXPERTS["city"])]
    homes += [c for c in ctx.counties for _ in range(EXPERTS["county"])]
    lons, lats = _locate(ctx, homes, 0.0, rng)
    names, phones = _names(rng, len(homes)), _phones(rng, len(homes))
    specialty = rng.choice(list(p.ExpertSpecialty.values), len(homes))
    org, title = rng.integers(0, len(ORGANISATIONS), len(homes)), rng.integers(0, 6, len(homes))
    ctx.insert("experts", p.Expert, [
        p.Expert(code=f"{codes.display(pl.code)}-ZJ-{i + 1:04d}", name=names[i],
                 specialty=str(specialty[i]), organisation=ORGANISATIONS[org[i]],
                 title=TITLES[title[i]], phone=phones[i], region_id=pl.code,
                 address=pl.name, lon=float(lons[i]), lat=float(lats[i]))
        for i, pl in enumerate(homes)
    ])  # fmt: skip


def _volunteers(ctx: DemoContext, rng: np.random.Generator) -> None:
    townships = ctx.townships
    weights = np.array([t.population for t in townships], dtype=float) + 1.0
    picks = np.sort(rng.choice(len(townships), VOLUNTEERS, p=weights / weights.sum()))
    homes = [townships[i] for i in picks]
    lons, lats = _locate(ctx, homes, 0.01, rng)
    names, phones = _names(rng, len(homes)), _phones(rng, len(homes))
    skill = rng.integers(0, len(SKILLS), (len(homes), 2))
    certificate = rng.integers(0, len(CERTIFICATES), len(homes))
    available = rng.choice(list(p.Availability.values), len(homes), p=[0.3, 0.5, 0.15, 0.05])
    ctx.insert("volunteers", p.Volunteer, [
        p.Volunteer(code=f"ZY-{pl.code[:6]}-{i + 1:05d}", name=names[i], phone=phones[i],
                    organisation=f"{pl.name}应急志愿者服务队"[:100],
                    skills=",".join(dict.fromkeys(SKILLS[k] for k in skill[i])),
                    certificates=CERTIFICATES[certificate[i]], availability=str(available[i]),
                    region_id=pl.code, address=pl.name, lon=float(lons[i]), lat=float(lats[i]))
        for i, pl in enumerate(homes)
    ])  # fmt: skip


def _contacts(ctx: DemoContext, rng: np.random.Generator) -> None:
    """Per village 村干部 + 防汛责任人 + 网格员; per township and county two on duty."""
    prone = {v.path for v in ctx.disaster_prone_villages}
    rows: list[tuple[Place, str, str, str]] = []  # place, roles, channels, post
    for village in ctx.villages:
        second = "防汛责任人,地质灾害监测员" if village.path in prone else "防汛责任人"
        rows += [(village, "村干部,防汛责任人", "sms,voice", "村委会主任"),
                 (village, second, "sms,voice", "村委会委员"),
                 (village, "网格员", "sms,voice,app", "专职网格员")]  # fmt: skip
    for township in ctx.townships:
        rows += [(township, "乡镇值班", "sms,voice,app", "乡镇值班员")] * 2
    for county in ctx.counties:
        rows += [(county, "县级值班", "sms,voice,app,email", "县应急管理局值班员")] * 2
    places = [row[0] for row in rows]
    lons, lats = _locate(ctx, places, 0.003, rng)
    names, phones = _names(rng, len(rows)), _phones(rng, len(rows))
    serial: dict[str, int] = {}
    contacts = []
    for i, (place, roles, channels, post) in enumerate(rows):
        serial[place.code] = serial.get(place.code, 0) + 1
        contacts.append(p.Contact(
            code=f"{codes.display(place.code)}-ZR-{serial[place.code]}", name=names[i],
            phone=phones[i], roles=roles, channels=channels, organisation=post,
            email=f"duty{place.code[:6]}-{serial[place.code]}@yjj.example.cn"
            if "email" in channels else "",
            region_id=place.code, address=place.name, lon=float(lons[i]), lat=float(lats[i]),
        ))  # fmt: skip
    ctx.insert("contacts", p.Contact, contacts)


def _upper_places() -> tuple[Place, list[Place]]:
    """The province and its cities (the context lists counties and below)."""
    rows = Region.objects.filter(level__in=[Level.PROVINCE, Level.CITY]).order_by("code")
    places = [Place(x.code, x.path, x.name, x.lon or 0.0, x.lat or 0.0, x.population)
              for x in rows]  # fmt: skip
    return places[0], places[1:]


def _seat(ctx: DemoContext, place: Place) -> Place:
    """Where a province- or city-level body sits: its first county (the central district)."""
    prefix = "3301" if len(place.path) == 2 else place.path
    return next(c for c in ctx.counties if c.path.startswith(prefix))


def _locate(
    ctx: DemoContext, places: Sequence[Place], spread: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points for places: inside the county (or the seat's) for county and above, else near."""
    lons, lats = np.zeros(len(places)), np.zeros(len(places))
    wide = [i for i, pl in enumerate(places) if len(pl.path) <= 6]
    near = [i for i, pl in enumerate(places) if len(pl.path) > 6]
    counties: dict[str, list[int]] = {}
    for i in wide:
        place = places[i]
        county = place if len(place.path) == 6 else _seat(ctx, place)
        counties.setdefault(county.code, []).append(i)
    for code, indexes in counties.items():
        xs, ys = ctx.points_in_county(code, len(indexes), rng)
        lons[indexes], lats[indexes] = xs, ys
    if near:
        xs, ys = ctx.points_near([places[i] for i in near], spread, rng)
        lons[near], lats[near] = xs, ys
    return lons, lats


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    second = rng.integers(3, 10, n)
    rest = rng.integers(0, 10**9, n)
    return [f"1{a}{b:09d}" for a, b in zip(second, rest, strict=True)]


def _names(rng: np.random.Generator, n: int) -> list[str]:
    family = rng.integers(0, len(SURNAMES), n)
    given = rng.integers(0, len(GIVEN), (n, 2))
    single = rng.random(n) < 0.3
    return [
        SURNAMES[f] + GIVEN[g[0]] + ("" if s else GIVEN[g[1]])
        for f, g, s in zip(family, given, single, strict=True)
    ]

"""Hidden-hazard statistics match a count done independently, here, in plain Python.

A seeded set of hazards in two counties (西湖区 and 滨江区), with explicit report, close, void
and acceptance times, is counted over a period by the rules the statistics state; the
statistics of a county user, a city user and the API must agree row for row, and a county
user never sees the other county's hazards in any figure.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yingji.core import exports as core_exports
from yingji.core.errors import InvalidInput, NotFound
from yingji.hazards import exports, stats
from yingji.hazards.models import HazardEvent, HiddenHazard, State
from yingji.registry.models.enterprise import Enterprise

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 3, 1), dt.date(2025, 6, 30)
OPEN = (State.REPORTED, State.REGISTERED, State.RECTIFYING, State.SUBMITTED)


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass
class Spec:
    """What the test knows about one hazard, kept apart from the database."""

    region: str  # 12-digit code
    enterprise: Enterprise | None
    grade: str
    source: str
    category: str
    reported: dt.datetime
    state: str
    deadline: dt.date | None = None
    closed: dt.datetime | None = None
    voided: dt.datetime | None = None
    accepted: dt.datetime | None = None


def create(spec: Spec, number: int) -> HiddenHazard:
    hazard = HiddenHazard.objects.create(
        code=f"YH-{spec.region[:6]}-2025-{number:06d}",
        source=spec.source,
        enterprise=spec.enterprise,
        region_id=spec.region,
        category=spec.category,
        grade=spec.grade,
        title=f"测试隐患 {number}",
        description="统计测试",
        deadline=spec.deadline,
        state=spec.state,
    )
    HiddenHazard.objects.filter(pk=hazard.pk).update(
        reported_at=spec.reported, closed_at=spec.closed
    )
    events = [HazardEvent(hazard=hazard, action="report", to_state="reported", at=spec.reported)]
    if spec.voided:
        events.append(HazardEvent(hazard=hazard, action="void", to_state="voided", at=spec.voided))
    if spec.accepted:
        events.append(
            HazardEvent(hazard=hazard, action="accept", to_state="accepted", at=spec.accepted)
        )
    HazardEvent.objects.bulk_create(events)
    return hazard


def random_specs(rng: random.Random, places: list[tuple[str, Enterprise | None]]) -> list[Spec]:
    """Hazards reported from January to September 2025 with every kind of outcome."""
    specs = []
    for _ in range(90):
        region, enterprise = rng.choice(places)
        reported = local(dt.date(2025, 1, 1), 8) + dt.timedelta(minutes=rng.randrange(270 * 1440))
        deadline = (reported + dt.timedelta(days=rng.randrange(5, 60))).date()
        outcome = rng.choice(["open", "open", "closed", "closed", "closed", "voided", "accepted"])
        spec = Spec(
            region=region,
            enterprise=enterprise,
            grade=rng.choice(["general", "general", "general", "major"]),
            source=rng.choice(["self", "inspection", "patrol", "public"]),
            category=rng.choice(["equipment", "fire", "electrical", "hazchem"]),
            reported=reported,
            state=rng.choice(OPEN) if outcome == "open" else outcome,
            deadline=deadline if rng.random() > 0.1 else None,
        )
        later = reported + dt.timedelta(minutes=rng.randrange(60, 90 * 1440))
        if outcome == "closed":
            spec.accepted = later - dt.timedelta(hours=2)
            spec.closed = later
        elif outcome == "voided":
            spec.voided = later
        elif outcome == "accepted":
            spec.accepted = later
        specs.append(spec)
    return specs


def edge_specs(xh: Enterprise) -> list[Spec]:
    """Boundaries: the first and the first-excluded instant, on-time and late closing."""
    base = {"enterprise": xh, "region": xh.region_id, "grade": "general", "source": "self"}
    return [
        Spec(**base, category="fire", reported=local(START), state="reported"),  # in: 00:00
        Spec(**base, category="fire", reported=local(END + dt.timedelta(days=1)), state="reported"),
        Spec(  # closed at 23:59 on its deadline day: on time; open at END? no, closed
            **base,
            category="equipment",
            reported=local(dt.date(2025, 4, 1), 9),
            state="closed",
            deadline=dt.date(2025, 4, 20),
            accepted=local(dt.date(2025, 4, 20), 12),
            closed=local(dt.date(2025, 4, 20), 23, 59),
        ),
        Spec(  # closed the day after: late; reported before the period
            **base,
            category="equipment",
            reported=local(dt.date(2025, 2, 1), 9),
            state="closed",
            deadline=dt.date(2025, 3, 10),
            accepted=local(dt.date(2025, 3, 11), 8),
            closed=local(dt.date(2025, 3, 11), 0, 30),
        ),
        Spec(  # closed after the period: open (and overdue) at its end
            **base,
            category="electrical",
            reported=local(dt.date(2025, 5, 1), 9),
            state="closed",
            deadline=dt.date(2025, 6, 1),
            accepted=local(dt.date(2025, 7, 2), 8),
            closed=local(dt.date(2025, 7, 3), 9),
        ),
        Spec(  # accepted before the end, closed after: open but no longer overdue
            **base,
            category="electrical",
            reported=local(dt.date(2025, 5, 2), 9),
            state="closed",
            deadline=dt.date(2025, 6, 1),
            accepted=local(dt.date(2025, 6, 29), 8),
            closed=local(dt.date(2025, 7, 5), 9),
        ),
        Spec(  # voided after the period: still open at its end
            **base,
            category="other",
            reported=local(dt.date(2025, 6, 2), 9),
            state="voided",
            deadline=dt.date(2025, 6, 10),
            voided=local(dt.date(2025, 7, 1), 9),
        ),
    ]


def expected(specs: list[Spec], key: Any, start: dt.date = START, end: dt.date = END) -> dict:
    """The statistics by the stated rules, counted in plain Python over the specs."""
    low, high = local(start), local(end + dt.timedelta(days=1))
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "found": 0,
            "closed": 0,
            "open_now": 0,
            "overdue_now": 0,
            "rectified": 0,
            "on_time": 0,
            "days": [],
        }
    )
    for s in specs:
        row = rows[key(s)]
        found = low <= s.reported < high
        closed = s.closed is not None and low <= s.closed < high
        open_now = (
            s.reported < high
            and not (s.closed is not None and s.closed < high)
            and not (s.voided is not None and s.voided < high)
        )
        accepted = s.accepted is not None and s.accepted < high
        row["found"] += found
        row["closed"] += closed
        row["open_now"] += open_now
        row["overdue_now"] += (
            open_now and not accepted and s.deadline is not None and s.deadline < end
        )
        row["rectified"] += found and s.closed is not None and s.closed < high
        if closed:
            row["on_time"] += s.deadline is not None and timezone.localdate(s.closed) <= s.deadline
            row["days"].append((s.closed - s.reported).total_seconds() / 86400)
    for row in rows.values():
        days = row.pop("days")
        row["avg"] = sum(days) / len(days) if days else None
        row["rectification_rate"] = row["rectified"] / row["found"] if row["found"] else None
        row["on_time_rate"] = row["on_time"] / row["closed"] if row["closed"] else None
    return dict(rows)


def assert_rows_match(got: list[dict], want: dict[str, dict]) -> None:
    table = {row["key"]: row for row in got}
    assert table.pop("total")["label"] == "合计"
    for key, row in table.items():
        expect = want.get(key) or {
            "found": 0, "closed": 0, "open_now": 0, "overdue_now": 0, "rectified": 0,
            "on_time": 0, "avg": None, "rectification_rate": None, "on_time_rate": None,
        }  # fmt: skip
        for name in ("found", "closed", "open_now", "overdue_now", "rectified", "on_time"):
            assert row[name] == expect[name], (key, name, row, expect)
        for name in ("rectification_rate", "on_time_rate"):
            if expect[name] is None:
                assert row[name] is None, (key, name)
            else:
                assert row[name] == pytest.approx(expect[name], abs=1e-4), (key, name)
        if expect["avg"] is None:
            assert row["avg_days_to_close"] is None
        else:
            assert row["avg_days_to_close"] == pytest.approx(expect["avg"], abs=0.01), key
    assert set(want) <= set(table), f"groups missing from the table: {set(want) - set(table)}"


def total_of(specs: list[Spec]) -> dict[str, Any]:
    return expected(specs, lambda s: "total")["total"]


@pytest.fixture
def world(make_enterprise, make_user):
    xh = make_enterprise("330106002", industry_code="C2614")
    xh2 = make_enterprise("330106004", industry_code="F5169")
    bj = make_enterprise("330108001", industry_code="C3311")
    places = [
        (xh.region_id, xh),
        (xh2.region_id, xh2),
        ("330106002051", None),  # a grid worker's find in 上保社区
        ("330106000000", None),  # recorded at the county itself
        (bj.region_id, bj),
        ("330108002000", None),
    ]
    specs = random_specs(random.Random(4754), places) + edge_specs(xh)
    for number, spec in enumerate(specs, start=1):
        create(spec, number)
    return SimpleNamespace(
        specs=specs,
        xihu=[s for s in specs if s.region.startswith("330106")],
        binjiang=[s for s in specs if s.region.startswith("330108")],
        county=make_user("xh_county", "330106", "county_staff"),
        other=make_user("bj_county", "330108", "county_staff"),
        city=make_user("hz_city", "3301", "city_staff"),
    )


def township(spec: Spec) -> str:
    return spec.region[:9] if spec.region[6:9] != "000" else spec.region[:6]


def industry(spec: Spec) -> str:
    return spec.enterprise.industry_code[0] if spec.enterprise else "none"


def test_county_by_township_matches_an_independent_count(world):
    rows = stats.summary(world.county, start=START, end=END, by="region")
    want = expected(world.xihu, township)
    assert_rows_match(rows, want)
    labels = {r["key"]: r["label"] for r in rows}
    assert labels["330106002"] == "北山街道"
    assert labels["330106"] == "西湖区（本级）"  # hazards recorded at the county itself
    total = rows[-1]
    assert {k: total[k] for k in ("found", "closed", "open_now", "overdue_now")} == {
        k: total_of(world.xihu)[k] for k in ("found", "closed", "open_now", "overdue_now")
    }
    assert total["found"] > 0 and total["closed"] > 0 and total["overdue_now"] > 0
    assert sum(r["found"] for r in rows[:-1]) == total["found"]


@pytest.mark.parametrize("by", ["grade", "source", "category", "industry"])
def test_county_by_other_groupings(world, by):
    key = industry if by == "industry" else (lambda s: getattr(s, by))
    rows = stats.summary(world.county, start=START, end=END, by=by)
    assert_rows_match(rows, expected(world.xihu, key))
    total = rows[-1]
    assert total["found"] == total_of(world.xihu)["found"]


def test_industry_labels_are_gbt4754_sections(world):
    rows = {r["key"]: r["label"] for r in stats.summary(world.county, start=START, end=END,
                                                         by="industry")}  # fmt: skip
    assert rows["C"] == "C 制造业"
    assert rows["F"] == "F 批发和零售业"
    assert rows["none"].startswith("无企业")
    assert list(rows)[-1] == "total"


def test_grade_rows_list_every_choice(world):
    rows = stats.summary(world.county, start=START, end=END, by="grade")
    assert [r["label"] for r in rows] == ["一般隐患", "重大隐患", "合计"]


def test_city_user_sees_both_counties_by_county(world):
    rows = stats.summary(world.city, start=START, end=END, by="region")
    want = expected(world.specs, lambda s: s.region[:6])
    assert_rows_match(rows, want)
    keys = [r["key"] for r in rows]
    assert "330106" in keys and "330108" in keys
    assert rows[-1]["found"] == total_of(world.specs)["found"]
    # the city drills into a county: the same figures as the county user's
    county_rows = stats.summary(world.city, start=START, end=END, region="330106", by="source")
    assert county_rows == stats.summary(world.county, start=START, end=END, by="source")


def test_county_user_never_sees_the_other_county(world):
    for by in stats.GROUPS:
        rows = stats.summary(world.other, start=START, end=END, by=by)
        total = rows[-1]
        want = total_of(world.binjiang)
        for name in ("found", "closed", "open_now", "overdue_now", "rectified", "on_time"):
            assert total[name] == want[name], (by, name)
        assert not any(r["key"].startswith("330106") for r in rows)
    with pytest.raises(NotFound):
        stats.summary(world.other, start=START, end=END, region="330106")
    with pytest.raises(NotFound):
        stats.trend(world.other, START, END, "330106002")


def test_another_period_counts_differently(world):
    start, end = dt.date(2025, 7, 1), dt.date(2025, 9, 30)
    rows = stats.summary(world.county, start=start, end=end, by="grade")
    assert_rows_match(rows, expected(world.xihu, lambda s: s.grade, start, end))


def test_trend_counts_found_and_closed_per_month(world):
    months = stats.trend(world.county, START, END)
    assert [m["month"] for m in months] == ["2025-03", "2025-04", "2025-05", "2025-06"]
    for month in months:
        first = dt.date.fromisoformat(month["month"] + "-01")
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        want = total_of_period(world.xihu, first, last)
        assert (month["found"], month["closed"]) == want, month


def total_of_period(specs: list[Spec], start: dt.date, end: dt.date) -> tuple[int, int]:
    row = expected(specs, lambda s: "all", start, end).get("all", {"found": 0, "closed": 0})
    return row["found"], row["closed"]


def test_bad_input_is_refused_naming_the_field(world):
    with pytest.raises(InvalidInput) as error:
        stats.summary(world.county, start=END, end=START)
    assert error.value.field == "start"
    with pytest.raises(InvalidInput) as error:
        stats.summary(world.county, start=dt.date(2019, 1, 1), end=dt.date(2025, 1, 1))
    assert error.value.field == "end"
    with pytest.raises(InvalidInput) as error:
        stats.summary(world.county, start=START, end=END, by="colour")
    assert error.value.field == "by"
    with pytest.raises(InvalidInput) as error:
        stats.summary(world.county, start=START, end=END, region="33x")
    assert error.value.field == "region"
    # exactly five years is allowed
    stats.summary(world.county, start=dt.date(2020, 6, 30), end=dt.date(2025, 6, 30))


def test_default_period_is_this_year_to_date():
    today = timezone.localdate()
    p = stats.period(None, None)
    assert (p.start, p.end) == (today.replace(month=1, day=1), today)


def test_summary_is_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        stats.summary(world.city, start=START, end=END, by="region")


# ---------------------------------------------------------------- API


def test_api_returns_the_table(client, world):
    client.force_login(world.county)
    response = client.get(
        "/api/hazards/stats/", {"start": "2025-03-01", "end": "2025-06-30", "by": "grade"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["region"]["code"] == "330106"
    assert body["by"] == "grade"
    assert body["rows"][-1]["key"] == "total"
    assert body["rows"][-1]["found"] == total_of(world.xihu)["found"]
    trend = client.get("/api/hazards/stats/trend", {"start": "2025-03-01", "end": "2025-06-30"})
    assert trend.status_code == 200
    assert trend.json()["months"][0]["month"] == "2025-03"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2025-06-30", "end": "2025-03-01"}, "start"),
        ({"start": "2018-01-01", "end": "2025-03-01"}, "end"),
        ({"start": "2025-02-30"}, "start"),
        ({"by": "colour"}, "by"),
        ({"region": "33x"}, "region"),
    ],
)
def test_api_refuses_bad_input_with_422(client, world, query, field):
    client.force_login(world.county)
    for url in ("/api/hazards/stats/", "/api/hazards/stats/trend"):
        if url.endswith("trend") and field == "by":
            continue
        response = client.get(url, query)
        assert response.status_code == 422, (url, response.content)
        assert response.json()["field"] == field


def test_api_hides_the_other_county(client, world):
    client.force_login(world.other)
    response = client.get("/api/hazards/stats/", {"region": "330106"})
    assert response.status_code == 404
    response = client.get("/api/hazards/stats/", {"start": "2025-03-01", "end": "2025-06-30"})
    assert response.json()["rows"][-1]["found"] == total_of(world.binjiang)["found"]


def test_api_needs_a_sign_in(client, db):
    assert client.get("/api/hazards/stats/").status_code == 401


# ---------------------------------------------------------------- page and exports


def test_page_shows_table_charts_and_export(client, world):
    client.force_login(world.county)
    response = client.get("/hazards/stats/", {"start": "2025-03-01", "end": "2025-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stats-table"' in html and "北山街道" in html and "滨江" not in html
    assert "/static/vendor/echarts.min.js" in html
    assert 'id="stats-bar"' in html and 'id="stats-trend"' in html
    assert 'name="name" value="hazards_stats"' in html and 'name="name" value="hazards"' in html
    assert 'href="/hazards/' in html
    total = html.split('data-key="total"')[1].split("</tr>")[0]
    assert f">{total_of(world.xihu)['found']}<" in total


def test_page_reports_bad_input_and_falls_back(client, world):
    client.force_login(world.county)
    response = client.get("/hazards/stats/", {"start": "2025-06-30", "end": "2025-03-01"})
    assert response.status_code == 200
    assert "start" in response.content.decode()
    assert client.get("/hazards/stats/", {"region": "330108"}).status_code == 404


def test_page_needs_the_capability(client, make_user):
    client.force_login(make_user("nobody", "330106"))
    assert client.get("/hazards/stats/").status_code == 403


def test_exports_list_the_hazards_and_the_table(world, tmp_path):
    filters = {"start": "2025-03-01", "end": "2025-06-30", "by": "region"}
    spec = exports.HAZARDS_STATS
    rows = core_exports.write_workbook(spec, world.county, filters, tmp_path / "s.xlsx")
    sheet = load_workbook(tmp_path / "s.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert rows == len(values) - 1
    assert values[-1][0] == "合计"
    assert values[-1][2] == total_of(world.xihu)["found"]

    listed = core_exports.write_workbook(
        exports.HAZARDS, world.county, filters, tmp_path / "h.xlsx"
    )
    low, high = local(START), local(END + dt.timedelta(days=1))
    relevant = [
        s
        for s in world.xihu
        if s.reported < high
        and not (s.closed is not None and s.closed < low)
        and not (s.voided is not None and s.voided < low)
    ]
    assert listed == len(relevant)
    codes = [r[0] for r in load_workbook(tmp_path / "h.xlsx").active.iter_rows(values_only=True)]
    assert all(c.startswith("YH-330106") for c in codes[1:])
    other = core_exports.write_workbook(exports.HAZARDS, world.other, {}, tmp_path / "b.xlsx")
    assert other == len(world.binjiang)

"""The cockpit and indicator pages: status logic, drill-down, scoping, and a query count that
does not grow with the number of regions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.review.conftest import NOW, TODAY, shelter
from yingji.core.errors import NotFound
from yingji.review import selectors
from yingji.review.indicators import BY_ID, INDICATORS, Target
from yingji.review.indicators.base import Row, status_of

pytestmark = pytest.mark.django_db


def test_catalogue_has_at_least_25_targets_each_fully_described():
    assert len(INDICATORS) >= 25
    assert len({i.id for i in INDICATORS}) == len(INDICATORS)
    for ind in INDICATORS:
        assert ind.formula and ind.source and ind.owner and ind.quote and ind.name_zh
        assert (ind.compute is None) == (ind.kind == "manual")
    assert sum(1 for i in INDICATORS if i.kind == "computed") >= 20


def test_status_follows_the_comparator():
    at_least = BY_ID["shelters-standardised"]  # ≥ 90 %
    assert status_of(at_least, 90.0) == "met"
    assert status_of(at_least, 89.99) == "not_met"
    assert status_of(at_least, None) == "no_data"
    below = BY_ID["disaster-loss-share"]  # < 1 %
    assert status_of(below, 0.99) == "met"
    assert status_of(below, 1.0) == "not_met"
    assert status_of(BY_ID["deaths-per-gdp"], 0.02) == "met"  # ≤ 0.02
    assert status_of(BY_ID["red-cross-first-aiders"], None) == "manual_pending"
    assert status_of(BY_ID["red-cross-first-aiders"], 96) == "met"
    assert Target(60, ">=", "min").text == "≥ 60 分钟"


def test_drill_down_sums_to_the_total_and_lists_worst_first(offices):
    shelter("330106002051", standardised=True)
    shelter("330106002052", standardised=False)
    shelter("330108001001", standardised=False)
    shelter("3301", standardised=True, level="county", region_id="330100000000")  # city's own
    data = selectors.indicator(offices["city"], "shelters-standardised", "3301")
    rows = [d.row for d in data["rows"]]
    figure = data["figure"]
    assert sum(r.den or 0 for r in rows) == figure.den == 4
    assert sum(r.num or 0 for r in rows) == figure.num == 2
    assert [r.path for r in rows[:2]] == ["330108", "330106"]  # 0 %, then 50 %
    own = next(r for r in rows if r.own)
    assert (own.num, own.den) == (1, 1)
    assert all(r.value is None for r in rows[2:] if not r.own)  # no shelters: after the rest


def test_a_county_user_sees_the_county_and_its_townships_only(offices):
    data = selectors.cockpit(offices["county"])
    assert data["region"].path == "330106"
    assert [c.path for c in data["crumbs"]] == ["330106"]  # ancestors outside: not shown
    detail = selectors.indicator(offices["county"], "shelters-standardised")
    assert {d.row.path[:6] for d in detail["rows"]} == {"330106"}
    assert all(len(d.row.path) == 9 for d in detail["rows"])
    for code in ("330108", "3301", "33", "330108001001", "abc", "1" * 40):
        with pytest.raises(NotFound):
            selectors.cockpit(offices["county"], code)


def test_pages_scope_and_drill(client, login, offices):
    login(offices["county"])
    assert client.get("/review/cockpit/?region=330108").status_code == 404
    assert client.get("/review/cockpit/safety-standardisation/?region=330108").status_code == 404
    assert client.get("/review/cockpit/no-such-target/").status_code == 404
    page = client.get("/review/cockpit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="kpi-card') == len(INDICATORS)
    tally = re.search(r'id="kpi-tally">(.*?)</span>', html, re.S)
    assert tally and re.search(rf"\b{len(INDICATORS)}\b", tally.group(1))  # "N of 32 met"
    detail = client.get("/review/cockpit/shelters-standardised/?region=330106002")
    assert detail.status_code == 200
    assert "已规范化的避灾安置场所数" in detail.content.decode()


def test_status_filter_hides_other_cards(client, login, offices):
    login(offices["province"])
    html = client.get("/review/cockpit/?status=manual_pending").content.decode()
    shown = html.count('class="kpi-card') - html.count(" hidden>")
    assert shown == sum(1 for i in INDICATORS if i.kind == "manual")


def test_reader_without_review_role_is_refused(client, login, make_user):
    login(make_user("company", "330106002", "enterprise_user"))
    assert client.get("/review/cockpit/").status_code == 403


def test_cockpit_query_count_does_not_grow_with_regions(offices, make_enterprise):
    for path in ("330106002", "330108001", "330106002"):
        make_enterprise(path)
        shelter(path + "051" if path.endswith("2") else path + "001", standardised=True)
    counts = {}
    for user, code in ((offices["province"], "33"), (offices["province"], "3301"),
                       (offices["province"], "330106")):  # fmt: skip
        selectors.cockpit(user, code)  # warm the per-process coverage analysis
        with CaptureQueriesContext(connection) as queries:
            selectors.cockpit(user, code)
        counts[code] = len(queries)
    # 11 cities, 13 counties, 12 townships: the same queries whatever the number of children
    assert counts["33"] == counts["3301"] == counts["330106"]
    assert counts["33"] <= 3 * len(INDICATORS)


def test_cockpit_within_query_budget(offices, django_assert_max_num_queries):
    selectors.cockpit(offices["province"])
    with django_assert_max_num_queries(3 * len(INDICATORS)):
        selectors.cockpit(offices["province"])


def test_trend_uses_snapshots_then_today(offices):
    from yingji.review.models import Snapshot

    Snapshot.objects.create(indicator="shelters-standardised", region_path="330106",
                            date=TODAY - dt.timedelta(days=30), value=40.0)  # fmt: skip
    Snapshot.objects.create(
        indicator="shelters-standardised",
        region_path="330106",
        date=TODAY - dt.timedelta(days=400),
        value=10.0,
    )  # too old
    shelter("330106002051", standardised=True, created_at=NOW)
    figure = selectors.indicator(offices["county"], "shelters-standardised")["figure"]
    assert figure.trend == [(TODAY - dt.timedelta(days=30), 40.0), (TODAY, 100.0)]


def test_row_value_of_own_level_is_not_drillable():
    from yingji.review.selectors import _drill

    drill = _drill(BY_ID["shelters-standardised"], Row("3301", "", 100.0, 1, 1, own=True))
    assert not drill.drillable and not drill.units_url

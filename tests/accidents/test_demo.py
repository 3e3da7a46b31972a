"""The demo: the synthetic GDP file covers every county for 2022–2026 and loads through the
import's validation; about 40 synthetic accidents in the demo counties, some investigated and
closed, most of those evaluated, three public cases; loading twice changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from yingji.accidents import demo, stats
from yingji.accidents.models import Accident, Evaluation, RegionEconomy, State, TypicalCase
from yingji.registry.models.enterprise import EnterpriseAccount

pytestmark = pytest.mark.django_db


def test_the_gdp_file_is_synthetic_and_complete():
    rows = list(csv.DictReader(io.StringIO(demo.gdp_file().read_text(encoding="utf-8"))))
    assert len(rows) == 90 * 5
    assert {r["来源"] for r in rows} == {"合成数据 synthetic (demo)"}
    assert {r["年份"] for r in rows} == {"2022", "2023", "2024", "2025", "2026"}
    assert len({r["区划代码"] for r in rows}) == 90


def test_load_once(people, make_user):
    EnterpriseAccount.objects.create(
        user=make_user("xihu_company", "330106002", "enterprise_user"), enterprise=people.factory
    )
    counts = demo.load(today=timezone.localdate())
    assert counts["gdp_rows"] == 450 and 35 <= counts["accidents"] <= 45
    assert demo.load() == {}
    accidents = Accident.objects.all()
    assert all(a.synthetic for a in accidents)
    assert {a.region_path[:6] for a in accidents} == set(demo.COUNTIES)
    assert RegionEconomy.objects.filter(synthetic=True).count() == 450
    closed = Accident.objects.filter(investigation__state=State.CLOSED).count()
    assert 0 < Evaluation.objects.count() < closed
    assert TypicalCase.objects.filter(public=True).count() == 3
    assert Accident.objects.filter(investigation__isnull=True).exists()
    figures = stats.statistics(people.province, year=2025, region="330106")
    assert figures["rate"]["reason"] == "" and figures["yearly"][-1]["year"] == 2025

"""Enterprise four-colour assessment: inputs read right, colours stored, overrides named,
history kept, re-scored when an input changes through a registry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yingji.core.registry import services as registry
from yingji.registry.models.enterprise import Licence, TrainingRecord
from yingji.registry.models.hazard import HazardSource
from yingji.registry.specs.enterprises import LICENCES
from yingji.risk.models import Assessment, AssessmentRun, CurrentRisk, RiskFacts
from yingji.risk.services import enterprises as assessing
from yingji.risk.services.enterprises import _common_region
from yingji.risk.sources import Selection, gather
from yingji.risk.specs import RISK_FACTS

pytestmark = pytest.mark.django_db

BLUE, YELLOW, ORANGE, RED = range(4)


def colour_of(enterprise) -> int:
    return CurrentRisk.objects.get(enterprise=enterprise).colour


def test_every_enterprise_gets_a_colour_and_the_run_counts_them(make_enterprise):
    clean = make_enterprise()
    troubled = make_enterprise(
        region="330108001",
        hazchem_role="produce",
        key_processes="氯化工艺、氟化工艺",
        safety_grade="",
        insurance_status="uninsured",
        insurance_expires_on=None,
        facts={"open_hazards": 8, "alarms_30d": 15, "enforcement_cases_36m": 3, "accidents_36m": 1},
    )
    run = assessing.assess(Selection(), reason="test")
    assert run.enterprises == 2
    assert sum(run.colour_counts) == 2
    assert colour_of(clean) == BLUE
    assert colour_of(troubled) >= ORANGE
    assert (
        CurrentRisk.objects.get(enterprise=troubled).score
        > CurrentRisk.objects.get(enterprise=clean).score
    )


def test_sources_read_licences_sources_training_and_facts(make_enterprise):
    today = timezone.localdate()
    producer = make_enterprise(
        hazchem_role="produce", key_processes="氯化工艺，硝化工艺,加氢工艺", safety_grade="grade3"
    )
    Licence.objects.create(
        enterprise=producer,
        kind="hc_reg",
        number="X",
        issued_on=today - dt.timedelta(days=900),
        expires_on=today - dt.timedelta(days=1),
    )  # expired, and no 安全生产许可证
    TrainingRecord.objects.create(
        enterprise=producer,
        person="甲",
        role="principal",
        course="c",
        trained_on=today - dt.timedelta(days=30),
    )
    HazardSource.objects.create(
        code="S1",
        name="罐区",
        enterprise=producer,
        people_within_500m=10,
        region_id="330106002000",
        is_major=True,
        grade="二级",
    )
    HazardSource.objects.create(
        code="S2",
        name="库区",
        enterprise=producer,
        people_within_500m=10,
        region_id="330106002000",
        is_major=True,
        grade="四级",
    )
    inputs = gather(Selection(ids=(producer.pk,)))
    row = {key: float(column[0]) for key, column in inputs.columns.items()}
    assert row["licensing"] == 2  # one expired + the required safety licence missing
    assert row["major_sources"] == 2
    assert row["major_source_grade"] == 3  # 二级
    assert row["key_processes"] == 3
    assert row["hazchem_role"] == 2
    assert row["safety_grade"] == 2  # 三级
    assert row["insurance"] == 0
    assert row["training_gap"] == 1  # the principal is trained, the safety manager is not


def test_missing_facts_count_as_worst_and_are_listed(make_enterprise):
    unknown = make_enterprise(facts=False)
    known = make_enterprise()
    assessing.assess(Selection(), reason="test")
    worst = CurrentRisk.objects.get(enterprise=unknown)
    assert worst.score > CurrentRisk.objects.get(enterprise=known).score + 50
    assert Assessment.objects.get(enterprise=unknown).inputs.count(None) == 6  # six facts unknown


def test_open_major_hazard_raises_to_orange_and_names_the_rule(make_enterprise):
    enterprise = make_enterprise(facts={"open_major_hazards": 1})
    assessing.assess(Selection(), reason="test")
    current = CurrentRisk.objects.get(enterprise=enterprise)
    assessment = current.assessment
    assert assessment.score_colour < ORANGE  # the score alone would not say orange
    assert current.colour == ORANGE
    assert current.overridden
    assert assessment.overrides == ["open_major_hazard"]


def test_grade_one_major_hazard_source_is_red(make_enterprise):
    enterprise = make_enterprise(hazchem_role="store")
    Licence.objects.create(
        enterprise=enterprise,
        kind="safety",
        number="L",
        issued_on=dt.date(2024, 1, 1),
        expires_on=timezone.localdate() + dt.timedelta(days=300),
    )
    HazardSource.objects.create(
        code="S9",
        name="罐区",
        enterprise=enterprise,
        people_within_500m=200,
        region_id="330106002000",
        is_major=True,
        grade="一级",
    )
    assessing.assess(Selection(), reason="test")
    assert colour_of(enterprise) == RED
    assert "grade1_source" in CurrentRisk.objects.get(enterprise=enterprise).assessment.overrides


def test_a_county_run_touches_only_that_county_and_history_is_kept(make_enterprise):
    xihu = make_enterprise()
    binjiang = make_enterprise(region="330108001")
    assessing.assess(Selection(), reason="first")
    before = CurrentRisk.objects.get(enterprise=binjiang).assessment_id
    RiskFacts.objects.filter(enterprise=xihu).update(open_hazards=10)
    run = assessing.assess(Selection(region_path="330106"), reason="second")
    assert run.enterprises == 1
    assert CurrentRisk.objects.get(enterprise=binjiang).assessment_id == before
    scores = list(
        Assessment.objects.filter(enterprise=xihu)
        .order_by("assessed_at", "id")
        .values_list("score", flat=True)
    )
    assert len(scores) == 2 and scores[1] > scores[0]


def test_a_voided_enterprise_leaves_the_map_on_the_next_full_run(make_enterprise):
    gone = make_enterprise()
    make_enterprise()
    assessing.assess(Selection(), reason="first")
    gone.voided_at = timezone.now()
    gone.save()
    assessing.assess(Selection(), reason="second")
    assert not CurrentRisk.objects.filter(enterprise=gone).exists()
    assert CurrentRisk.objects.count() == 1


def test_a_registry_write_rescores_that_enterprise_at_once(make_enterprise, xihu_staff):
    enterprise = make_enterprise(facts=False)
    assessing.assess(Selection(), reason="first")
    assert colour_of(enterprise) == RED  # nothing known: 从严从高
    registry.create(actor=xihu_staff, spec=RISK_FACTS, data={
        "enterprise": enterprise.credit_code, "as_of": "2026-11-01", "open_hazards": "0",
    })  # fmt: skip
    assert colour_of(enterprise) == BLUE
    run = AssessmentRun.objects.latest("started_at")
    assert not run.full and "企业风险动态数据" in run.reason


def test_a_licence_change_rescores_its_enterprise(make_enterprise, xihu_staff):
    enterprise = make_enterprise(hazchem_role="produce")
    assessing.assess(Selection(), reason="first")
    assert colour_of(enterprise) >= ORANGE  # producing without a safety licence
    registry.create(actor=xihu_staff, spec=LICENCES, data={
        "enterprise": enterprise.credit_code, "kind": "safety", "number": "(浙)WH安许〔2026〕-1",
        "issued_on": "2026-01-01", "expires_on": "2029-01-01",
    })  # fmt: skip
    assert colour_of(enterprise) < ORANGE


def test_common_region_is_a_whole_level():
    assert _common_region(["330106002", "330106004"]) == "330106"
    assert _common_region(["330106002", "330108001"]) == "3301"
    assert _common_region(["330106002", "330212001"]) == ""
    assert _common_region(["330106002001", "330106002003"]) == "330106002"


def test_a_bulk_change_queues_a_job_for_the_smallest_region(
    make_enterprise, monkeypatch, on_commit
):
    enterprises = [make_enterprise(), make_enterprise(region="330106004")]
    monkeypatch.setattr(assessing, "INLINE_LIMIT", 1)
    with on_commit():
        job = assessing.rescore([e.pk for e in enterprises], reason="import")
    assert job.kind == "risk.assess"
    assert job.params["region_path"] == "330106"

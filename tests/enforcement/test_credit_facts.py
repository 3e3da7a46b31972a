"""Fact gathering for credit and the safety code: every input read from the real tables, in a
fixed number of queries whatever the number of enterprises.

The helpers at the top build the records the other credit and safety-code tests need
(penalties, accidents, inspections, risk colours, 挂牌督办 through the hazards services).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.enforcement.conftest import jpeg, region
from yingji.accidents.models import Accident
from yingji.enforcement.models import (
    CreditRepair,
    DiscretionRule,
    InspectionItem,
    InspectionTask,
    PenaltyCase,
)
from yingji.enforcement.services import facts
from yingji.hazards.models import Criterion, HiddenHazard
from yingji.hazards.services import report, supervision, workflow
from yingji.kernels.credit import add_months
from yingji.registry.models.enterprise import Licence
from yingji.risk.models import Colour, CurrentRisk
from yingji.risk.services import enterprises as assessing

pytestmark = pytest.mark.django_db
_serial = itertools.count(1)
PLAN = {
    "plan_goal": "消除可燃气体报警缺失隐患",
    "plan_measures": "在罐区加装可燃气体检测报警仪并接入DCS",
    "plan_funding": "专项资金 12 万元",
    "plan_organisation": "设备部牵头，安全科监督",
    "plan_safety": "施工期间罐区停止装卸，落实动火作业票和应急预案",
}


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def months_ago(n: int) -> dt.date:
    return add_months(today(), -n)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def penalty(
    enterprise: Any,
    circumstance: str = "general",
    *,
    decided_on: dt.date | None = None,
    amount: str = "10000",
    payment: str = "unpaid",
    state: str = "decided",
    violation: str = "未按规定对从业人员进行安全生产教育和培训",
) -> PenaltyCase:
    """A decided penalty case under a fresh discretion-table row (ORM: facts only read them)."""
    n = next(_serial)
    rule = DiscretionRule.objects.create(
        code=f"AQ-{n:04d}",
        violation=violation,
        violated_provision="《安全生产法》第二十八条",
        penalty_provision="《安全生产法》第九十七条",
        circumstance=circumstance,
        circumstance_text="测试情节",
        min_yuan=Decimal(0),
        max_yuan=Decimal(200000),
        region=region("33"),
    )
    day = decided_on or days_ago(10)
    return PenaltyCase.objects.create(
        code=f"浙应急罚〔{day.year}〕{n}号",
        enterprise=enterprise,
        region_path=enterprise.region_path,
        rule=rule,
        facts="测试事实",
        amount_yuan=Decimal(amount),
        state=state,
        filed_on=day - dt.timedelta(days=20),
        decided_on=day,
        payment=payment,
    )


def accident(
    enterprise: Any, grade: int = 0, dead: int = 0, day: dt.date | None = None
) -> Accident:
    n = next(_serial)
    return Accident.objects.create(
        code=f"SG-TEST-{n:05d}",
        title="测试事故",
        summary="测试",
        occurred_at=at(day or days_ago(30)),
        accident_type="machinery",
        enterprise=enterprise,
        region_id=enterprise.region_id,
        dead=dead,
        grade=grade,
    )


def inspection(enterprise: Any, outcome: str, day: dt.date | None = None) -> InspectionTask:
    item = InspectionItem.objects.first() or InspectionItem.objects.create(
        code="ZJ-T-001",
        name="测试检查事项",
        legal_basis="《安全生产法》",
        region=region("33"),
        share=0.05,
        checklist=[{"id": "1", "text": "测试", "basis": "测试"}],
    )
    n = next(_serial)
    return InspectionTask.objects.create(
        code=f"JC-T-{n:05d}",
        kind="random",
        item=item,
        enterprise=enterprise,
        region_path=enterprise.region_path,
        due_on=today(),
        state="completed",
        completed_at=at(day or days_ago(20)),
        outcome=outcome,
    )


def risk_colour(enterprise: Any, colour: int) -> None:
    """Assess the enterprise with the real risk engine, then set the colour it came out with."""
    if not CurrentRisk.objects.filter(enterprise=enterprise).exists():
        assessing.rescore([enterprise.pk], reason="test")
    CurrentRisk.objects.filter(enterprise=enterprise).update(colour=colour)


def major_hazard(county: Any, enterprise: Any, *, supervise: bool = True) -> HiddenHazard:
    """Report → register as major → (挂牌督办), through the hazards services."""
    criterion = Criterion.objects.get(standard="chemical", number="12")
    hazard = report.report(
        actor=county,
        data={
            "enterprise": str(enterprise.pk),
            "category": "hazchem",
            "grade": "major",
            "criterion": str(criterion.pk),
            "title": "罐区未设可燃气体检测报警",
            "description": "甲类罐区未设置可燃气体检测报警装置",
        },
    )
    deadline = (today() + dt.timedelta(days=60)).isoformat()
    workflow.transition(
        actor=county,
        pk=hazard.pk,
        action="register",
        data={
            "deadline": deadline,
            "responsible_person": "李明",
            "criterion": str(criterion.pk),
        },
    )
    if supervise:
        supervision.supervise(actor=county, pk=hazard.pk, data={"deadline": deadline})
    return HiddenHazard.objects.get(pk=hazard.pk)


def close_major(county: Any, hazard: HiddenHazard) -> None:
    """Rectify, submit with a photo, accept, lift the 挂牌督办, 销号 — the hazards workflow."""
    deadline = (today() + dt.timedelta(days=50)).isoformat()
    workflow.transition(
        actor=county, pk=hazard.pk, action="start", data={**PLAN, "plan_deadline": deadline}
    )
    report.add_evidence(actor=county, pk=hazard.pk, kind="rectification", photos=[jpeg()])
    workflow.transition(
        actor=county,
        pk=hazard.pk,
        action="submit",
        data={"rectification_note": "已加装报警仪并联调"},
    )
    workflow.transition(
        actor=county, pk=hazard.pk, action="accept", data={"note": "报警仪检定合格，整改到位"}
    )
    if supervision.Supervision.objects.filter(hazard=hazard, lifted_at__isnull=True).exists():
        supervision.lift(actor=county, pk=hazard.pk, note="验收合格，同意摘牌")
    workflow.transition(actor=county, pk=hazard.pk, action="close", data={"note": "销号"})


# ---------------------------------------------------------------- the tests


def test_hazards_are_counted_by_grade_supervision_and_deadline(crew, firms):
    own, county = firms.own, crew.county
    listed = major_hazard(county, own)
    major_hazard(county, own, supervise=False)
    general = report.report(
        actor=county,
        data={
            "enterprise": str(own.pk),
            "category": "fire",
            "title": "灭火器过期",
            "description": "车间灭火器过期",
        },
    )
    HiddenHazard.objects.filter(pk=general.pk).update(deadline=days_ago(3))
    found = facts.gather([own.pk, firms.other.pk])
    h = found[own.pk].hazards
    assert (h.open_general, h.open_major, h.overdue, h.overdue_major) == (1, 2, 1, 0)
    assert [s.code for s in h.supervised] == [listed.code]
    assert h.supervised[0].level == "县级" and "西湖区" in h.supervised[0].office
    assert found[firms.other.pk].hazards.open_major == 0


def test_closed_hazards_split_into_on_time_and_late(crew, firms):
    own, county = firms.own, crew.county
    on_time = major_hazard(county, own, supervise=False)
    close_major(county, on_time)
    late = major_hazard(county, own, supervise=False)
    close_major(county, late)
    HiddenHazard.objects.filter(pk=late.pk).update(deadline=days_ago(5))
    h = facts.gather([own.pk])[own.pk].hazards
    assert (h.closed_on_time, h.closed_late, h.open_major) == (1, 1, 0)


def test_penalties_carry_circumstance_rectification_refusal_and_window(firms):
    own = firms.own
    penalty(own, "serious", decided_on=months_ago(2), payment="paid")
    penalty(own, "slight", decided_on=months_ago(40))  # past every window
    penalty(own, "general", decided_on=days_ago(1), violation="拒绝、阻碍安全生产监督检查")
    PenaltyCase.objects.create(  # filed, not decided: does not count
        code="未决定",
        enterprise=own,
        region_path=own.region_path,
        rule=DiscretionRule.objects.first(),
        facts="x",
        filed_on=today(),
    )
    found = facts.gather([own.pk])[own.pk].penalties
    assert [(p.circumstance, p.rectified, p.refusal) for p in found] == [
        ("严重", True, False),
        ("一般", False, True),
    ]


def test_accidents_risk_inspections_licences_insurance(firms):
    own = firms.own
    accident(own, grade=1, dead=4, day=days_ago(100))
    voided = accident(own, grade=3, dead=40)
    Accident.objects.filter(pk=voided.pk).update(voided_at=timezone.now())
    risk_colour(own, Colour.ORANGE)
    inspection(own, "no_issues")
    inspection(own, "rectify", day=days_ago(400))  # older than 12 months
    Licence.objects.create(
        enterprise=own,
        kind="safety",
        number="(浙)WH安许证字〔2020〕001",
        issued_on=months_ago(40),
        expires_on=days_ago(2),
    )
    own.insurance_status, own.insurance_expires_on = "expired", days_ago(9)
    own.save()
    f = facts.gather([own.pk])[own.pk]
    assert [(a.grade, a.deaths) for a in f.accidents] == [("较大", 4)]
    assert f.risk_colour == "orange"
    assert f.inspections == [(days_ago(20), True)]
    assert [x.number for x in f.expired_licences] == ["(浙)WH安许证字〔2020〕001"]
    assert f.insurance_expires_on == days_ago(9)


def test_a_renewed_licence_is_not_expired(firms):
    own = firms.own
    Licence.objects.create(
        enterprise=own,
        kind="safety",
        number="旧证",
        issued_on=months_ago(40),
        expires_on=days_ago(2),
    )
    Licence.objects.create(
        enterprise=own,
        kind="safety",
        number="新证",
        issued_on=days_ago(1),
        expires_on=add_months(today(), 36),
    )
    f = facts.gather([own.pk])[own.pk]
    assert f.expired_licences == [] and f.licence("safety").number == "新证"


def test_an_approved_repair_marks_earlier_records_repaired(firms):
    own = firms.own
    penalty(own, "general", decided_on=months_ago(5))
    CreditRepair.objects.create(
        enterprise=own,
        region_path=own.region_path,
        reason="r" * 10,
        evidence="e" * 10,
        state="approved",
        decided_at=at(months_ago(1)),
    )
    penalty(own, "slight", decided_on=days_ago(3))
    assert [p.repaired for p in facts.gather([own.pk])[own.pk].penalties] == [True, False]


def test_gathering_costs_the_same_queries_for_one_or_twenty_enterprises(
    crew, firms, django_assert_max_num_queries
):
    for firm in firms.xihu[:20]:
        penalty(firm, "general")
        accident(firm)
        inspection(firm, "no_issues")
    major_hazard(crew.county, firms.own)
    ids = [f.pk for f in firms.xihu]
    with django_assert_max_num_queries(12) as one:
        facts.gather(ids[:1])
    with django_assert_max_num_queries(len(one.captured_queries)):
        found = facts.gather(ids)
    assert len(found) == 20 and all(len(f.penalties) == 1 for f in found.values())


def test_unknown_ids_are_left_out(firms):
    assert facts.gather([]) == {}
    assert list(facts.gather([firms.own.pk, 2**62])) == [firms.own.pk]

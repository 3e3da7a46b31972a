"""信用修复: applying is refused before the kernel says it is possible (naming the day), staff of
the jurisdiction approve or reject with a note (audited), and approval recomputes the rating
and the code. Bad, hostile and out-of-scope input changes nothing."""

from __future__ import annotations

import pytest

from tests.enforcement.test_credit_facts import months_ago, penalty
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification
from yingji.enforcement.models import CreditRating, CreditRepair, SafetyCode
from yingji.enforcement.services import credit, safety_code
from yingji.kernels.credit import add_months

pytestmark = pytest.mark.django_db
GOOD = {"reason": "已按要求完成整改并缴清罚款", "evidence": "整改报告及缴款凭证（编号 2026-001）"}


def test_applying_before_the_period_is_refused_with_the_day_it_becomes_possible(firms):
    decided = months_ago(1)
    penalty(firms.own, "general", decided_on=decided, payment="paid")
    with pytest.raises(Conflict) as refused:
        credit.apply(actor=firms.manager, data=GOOD)
    assert refused.value.code == "not_eligible"
    assert add_months(decided, 3).isoformat() in refused.value.message
    assert not CreditRepair.objects.exists()


def test_an_unrectified_record_blocks_the_repair(firms):
    penalty(firms.own, "general", decided_on=months_ago(4), payment="unpaid")
    with pytest.raises(Conflict, match="整改措施尚未完成"):
        credit.apply(actor=firms.manager, data=GOOD)


def test_nothing_to_repair_is_refused(firms):
    with pytest.raises(Conflict, match="Nothing to repair"):
        credit.apply(actor=firms.manager, data=GOOD)


def test_apply_approve_recomputes_credit_and_code(crew, firms, on_commit):
    own = firms.own
    penalty(own, "general", decided_on=months_ago(4), payment="paid")
    safety_code.recompute([own.pk])
    assert SafetyCode.objects.get(pk=own.pk).colour == "yellow"  # Y4: a penalty this year
    assert CreditRating.objects.get(pk=own.pk).score == 85

    repair = credit.apply(actor=firms.manager, data=GOOD)
    assert repair.state == "applied" and repair.enterprise == own
    assert Notification.objects.filter(kind="credit_repair_applied", recipient=crew.county).exists()
    with pytest.raises(Conflict) as twice:
        credit.apply(actor=firms.manager, data=GOOD)
    assert twice.value.code == "pending"

    with on_commit(execute=True):
        credit.decide(actor=crew.county, pk=repair.pk, approve=True, note="材料齐全，同意修复")
    repair.refresh_from_db()
    assert (repair.state, repair.decided_by, repair.decision_note) == (
        "approved",
        crew.county,
        "材料齐全，同意修复",
    )
    assert AuditEntry.objects.filter(
        action="credit_repair_approve", object_id=str(repair.pk)
    ).exists()
    assert CreditRating.objects.get(pk=own.pk).score == 90
    assert SafetyCode.objects.get(pk=own.pk).colour == "green"
    assert Notification.objects.filter(
        kind="credit_repair_decided", recipient=firms.manager
    ).exists()
    with pytest.raises(Conflict) as again:
        credit.decide(actor=crew.county, pk=repair.pk, approve=False, note="重复")
    assert again.value.code == "decided"


def test_a_rejection_is_audited_and_changes_no_rating(crew, firms):
    own = firms.own
    penalty(own, "general", decided_on=months_ago(4), payment="paid")
    repair = credit.apply(actor=firms.manager, data=GOOD)
    credit.decide(actor=crew.county, pk=repair.pk, approve=False, note="证明材料不足")
    assert CreditRepair.objects.get(pk=repair.pk).state == "rejected"
    assert AuditEntry.objects.filter(action="credit_repair_reject").count() == 1
    assert credit.rate_one(own.pk).score == 85  # the penalty still counts
    credit.apply(actor=firms.manager, data=GOOD)  # may apply again after a rejection


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**GOOD, "reason": "太短"}, "reason"),
        ({**GOOD, "reason": "x" * 2001}, "reason"),
        ({**GOOD, "evidence": "凭证\x00' OR 1=1 --"}, "evidence"),
        ({"reason": GOOD["reason"]}, "evidence"),
        ({**GOOD, "reason": ["列表", "不是文本"]}, "reason"),
        ({**GOOD, "evidence": "e" * 40_000}, "evidence"),
    ],
)
def test_bad_applications_name_the_field_and_change_nothing(firms, data, field):
    penalty(firms.own, "general", decided_on=months_ago(4), payment="paid")
    with pytest.raises(InvalidInput) as caught:
        credit.apply(actor=firms.manager, data=data)
    assert caught.value.field == field
    assert not CreditRepair.objects.exists()


def test_who_may_apply_and_decide(crew, firms):
    penalty(firms.own, "general", decided_on=months_ago(4), payment="paid")
    with pytest.raises(Forbidden):
        credit.apply(actor=crew.county, data=GOOD)  # staff do not apply for an enterprise
    repair = credit.apply(actor=firms.manager, data=GOOD)
    with pytest.raises(Forbidden):
        credit.decide(actor=firms.manager, pk=repair.pk, approve=True, note="自己批准")
    with pytest.raises(NotFound):
        credit.decide(actor=crew.other_county, pk=repair.pk, approve=True, note="外区批准")
    for hostile in ("1 OR 1=1", "-1", "9" * 30, "", None):
        with pytest.raises(NotFound):
            credit.decide(actor=crew.county, pk=hostile, approve=True, note="同意修复")
    for note in ("", " ", "x" * 501, None, 5):
        with pytest.raises(InvalidInput) as caught:
            credit.decide(actor=crew.county, pk=repair.pk, approve=False, note=note)
        assert caught.value.field == "note"
    with pytest.raises(InvalidInput) as caught:
        credit.decide(actor=crew.county, pk=repair.pk, approve="yes", note="同意修复")
    assert caught.value.field == "decision"
    assert CreditRepair.objects.get(pk=repair.pk).state == "applied"
    assert list(credit.repairs(firms.other_manager)) == []
    assert list(credit.repairs(crew.other_county)) == []
    assert list(credit.repairs(crew.county)) == [repair]

"""Each rule's effect through the real facts: records in the tables → recompute → the code and
rating stored, with its reasons; windows that end without any event (the daily sweep); the
batch cost (no per-enterprise query)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.enforcement.test_credit_facts import (
    accident,
    days_ago,
    inspection,
    major_hazard,
    months_ago,
    penalty,
    risk_colour,
)
from yingji.core import jobs
from yingji.core.models import JobStatus
from yingji.enforcement.models import CreditRating, SafetyCode, SafetyCodeChange
from yingji.enforcement.services import safety_code
from yingji.hazards.models import HiddenHazard
from yingji.hazards.services import report
from yingji.kernels.credit import add_months
from yingji.registry.models.enterprise import Licence
from yingji.risk.models import Colour

pytestmark = pytest.mark.django_db


def code_of(enterprise, today: dt.date | None = None) -> SafetyCode:
    safety_code.recompute([enterprise.pk], cause="test", today=today)
    return SafetyCode.objects.get(pk=enterprise.pk)


def rules(code: SafetyCode) -> list[str]:
    return [r["rule"] for r in code.reasons]


def test_a_clean_enterprise_is_green_and_rated_a(firms):
    code = code_of(firms.own)
    assert (code.colour, code.reasons) == ("green", [])
    rating = CreditRating.objects.get(pk=firms.own.pk)
    assert (rating.rating, rating.score, rating.items) == ("A", 90, [])


def test_a_serious_penalty_in_the_last_year_is_red_and_thirteen_months_ago_is_not(firms):
    recent, old = firms.xihu[1], firms.xihu[2]
    penalty(recent, "serious", decided_on=months_ago(11), amount="80000")
    penalty(old, "serious", decided_on=months_ago(13), amount="80000")
    red = code_of(recent)
    assert red.colour == "red" and rules(red)[0] == "R4"
    assert months_ago(11).isoformat() in red.reasons[0]["text"]
    later = code_of(old)
    assert later.colour != "red" and "R4" not in rules(later)
    # It still counts in the credit rating for three years: at best C (失信) → yellow Y6.
    assert CreditRating.objects.get(pk=old.pk).rating == "C" and "Y6" in rules(later)


def test_the_twelve_month_window_ends_without_any_event(firms):
    own = firms.own
    decided = days_ago(10)
    penalty(own, "serious", decided_on=decided)
    last_day = add_months(decided, 12) - dt.timedelta(days=1)
    assert code_of(own, today=last_day).colour == "red"
    assert "R4" not in rules(code_of(own, today=add_months(decided, 12)))


def test_general_penalties_accidents_and_refusals(firms):
    slight, fatal, larger, refusing = firms.xihu[1:5]
    penalty(slight, "slight", amount="2000")
    accident(fatal, grade=0, dead=1)
    accident(larger, grade=1, dead=3)
    penalty(refusing, "general", violation="拒绝、阻碍安全生产监督检查")
    assert rules(code_of(slight)) == ["Y4"]
    assert rules(code_of(fatal)) == ["Y3"]
    assert code_of(larger).colour == "red" and "R3" in rules(code_of(larger))
    assert CreditRating.objects.get(pk=larger.pk).rating == "D"  # 较大 with deaths: 严重失信
    refused = code_of(refusing)
    assert refused.colour == "red" and "R5" in rules(refused)


def test_hazards_decide_red_and_yellow(crew, firms):
    supervised, open_major, overdue = firms.xihu[1:4]
    major_hazard(crew.county, supervised)
    major_hazard(crew.county, open_major, supervise=False)
    general = report.report(
        actor=crew.county,
        data={
            "enterprise": str(overdue.pk),
            "category": "fire",
            "title": "灭火器过期",
            "description": "车间灭火器过期",
        },
    )
    HiddenHazard.objects.filter(pk=general.pk).update(deadline=days_ago(1))
    assert rules(code_of(supervised))[0] == "R1" and code_of(supervised).colour == "red"
    assert code_of(open_major).colour == "yellow" and "Y1" in rules(code_of(open_major))
    assert rules(code_of(overdue)) == ["Y2"]
    late_major = major_hazard(crew.county, firms.xihu[4], supervise=False)
    HiddenHazard.objects.filter(pk=late_major.pk).update(deadline=days_ago(2))
    assert rules(code_of(firms.xihu[4]))[:1] == ["R2"]


def test_risk_colour_licence_and_insurance_are_yellow(firms):
    orange, licence, insurance = firms.xihu[1:4]
    risk_colour(orange, Colour.ORANGE)
    Licence.objects.create(
        enterprise=licence,
        kind="safety",
        number="(浙)安许证字001",
        issued_on=months_ago(36),
        expires_on=days_ago(1),
    )
    insurance.insurance_status, insurance.insurance_expires_on = "insured", days_ago(3)
    insurance.save()
    assert rules(code_of(orange)) == ["Y5"]
    assert rules(code_of(licence)) == ["Y7"]
    assert rules(code_of(insurance)) == ["Y8"] and days_ago(3).isoformat() in str(
        code_of(insurance).reasons
    )


def test_inspections_move_the_credit_score(firms):
    passed, failed = firms.xihu[1:3]
    for _ in range(2):
        inspection(passed, "no_issues")
        inspection(failed, "rectify")
    code_of(passed), code_of(failed)
    assert CreditRating.objects.get(pk=passed.pk).score == 92
    assert CreditRating.objects.get(pk=failed.pk).score == 88


def test_refresh_all_covers_live_enterprises_in_set_based_batches(
    firms, django_assert_max_num_queries
):
    penalty(firms.xihu[5], "serious")
    firms.xihu[6].voided_at = timezone.now()
    firms.xihu[6].save()
    result = safety_code.refresh_all("330106")
    assert result["enterprises"] == 19 and result["red"] == 1 and result["changed"] == 19
    assert not SafetyCode.objects.filter(pk=firms.xihu[6].pk).exists()
    assert not SafetyCode.objects.filter(pk=firms.other.pk).exists()  # 滨江区: not asked
    everyone = [f.pk for f in firms.xihu]
    first = safety_code.recompute(everyone)  # the voided one gets its first code when asked
    assert first["enterprises"] == 20 and first["changed"] == 1
    with django_assert_max_num_queries(40) as one:
        safety_code.recompute(everyone[:1])
    with django_assert_max_num_queries(len(one.captured_queries)):
        again = safety_code.recompute(everyone)
    assert again == {"enterprises": 20, "changed": 0, "green": 19, "red": 1}


def test_the_daily_sweep_is_a_job(firms):
    penalty(firms.own, "serious", decided_on=days_ago(5))
    job = jobs.start(actor=None, kind=safety_code.SWEEP_KIND, params={"region_path": "330106"})
    done = jobs.execute(str(job.pk))
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert done.result["enterprises"] == 20 and done.result["red"] == 1
    assert SafetyCodeChange.objects.filter(enterprise=firms.own, to_colour="red").exists()
    # A sweep "a year later" turns it yellow (C rating) without any event in between.
    later = add_months(days_ago(5), 12).isoformat()
    job = jobs.start(
        actor=None, kind=safety_code.SWEEP_KIND, params={"region_path": "330106", "today": later}
    )
    assert jobs.execute(str(job.pk)).result["red"] == 0
    assert SafetyCode.objects.get(pk=firms.own.pk).colour == "yellow"


def test_the_cause_is_kept_and_clipped(firms):
    penalty(firms.own, "serious")
    safety_code.recompute([firms.own.pk], cause="  " + "处罚决定 " * 40)
    change = SafetyCodeChange.objects.get(enterprise=firms.own)
    assert len(change.cause) == 100 and change.cause.startswith("处罚决定")

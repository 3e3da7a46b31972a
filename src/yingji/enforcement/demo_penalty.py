"""Demo data of the penalty part: the discretion table and three decided cases in 西湖区.

The cases are synthetic (marked so) and go through the real services, so their documents,
events, audit entries and publications are what a user would produce: one decision is
published on the public site, one is still within its 20 working days, one is past due and
flagged by the overdue sweep. Dates are relative to today; a decision whose deadline would
reach a year the calendar does not cover is moved earlier (or left out, and reported),
never given a guessed deadline. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.utils import timezone

from yingji.core.errors import DomainError
from yingji.core.models import User
from yingji.enforcement.models import DiscretionRule, PenaltyCase, Publication
from yingji.enforcement.services import calendar, discretion, penalties, publication
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount

ACTOR: Final = "xihu_staff"
COUNTY: Final = "330106"
# (rule code, circumstance, fine, facts, how many days ago it was decided, what to do with it)
CASES: Final = (
    ("AQF97-7", "general", "40000",
     "执法人员检查发现，该单位配电房两名电工未按照规定经专门的安全作业培训并取得特种作业操作证，"
     "即上岗从事低压电工作业。（示例数据）", (70, 90, 120), "publish"),
    ("AQF99-8", "slight", "8000",
     "执法人员检查发现，该单位职工食堂使用管道天然气，未安装可燃气体报警装置。（示例数据）",
     (5, 3, 1, 8, 12), "due"),
    ("AQF102", "general", "25000",
     "该单位原料仓库消防通道堆放杂物的事故隐患，经责令限期消除后逾期仍未采取措施消除。（示例数据）",
     (45, 60, 75), "overdue"),
)  # fmt: skip


def _number(n: int, year: int) -> str:
    return f"杭西应急罚〔{year}〕示例{n}号"


def _firms() -> list[Enterprise]:
    """Three 西湖区 enterprises, the demo enterprise user's own first (so it sees a case)."""
    live = Enterprise.objects.filter(region_path__startswith=COUNTY, voided_at__isnull=True)
    own = EnterpriseAccount.objects.filter(user__username="xihu_company").values_list(
        "enterprise_id", flat=True
    )
    first = list(live.filter(pk__in=own)[:1])
    rest = list(live.exclude(pk__in=[f.pk for f in first]).order_by("pk")[: 3 - len(first)])
    return first + rest


def _day(offsets: tuple[int, ...], goal: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first decision date whose deadline the calendar covers and fits the goal."""
    for back in offsets:
        day = today - dt.timedelta(days=back)
        try:
            due = calendar.due_date(day)
        except DomainError:
            continue
        if (goal == "due") == (due >= today):
            return day, due
    return None


def load() -> dict[str, Any]:
    counts: dict[str, Any] = {"rules": discretion.load_table(), "cases": 0, "skipped": []}
    actor = User.objects.filter(username=ACTOR, is_active=True).first()
    firms = _firms()
    if actor is None or len(firms) < len(CASES):
        counts["skipped"].append(f"needs user {ACTOR} and {len(CASES)} enterprises of 西湖区")
        return counts
    today = timezone.localdate()
    for n, (code, circumstance, amount, facts, offsets, goal) in enumerate(CASES, 1):
        if PenaltyCase.objects.filter(
            synthetic=True, decision_number__contains=f"示例{n}号"
        ).exists():
            counts[goal] = "kept"
            continue
        rule = DiscretionRule.objects.filter(
            code=code, circumstance=circumstance, voided_at__isnull=True
        ).first()
        when = _day(offsets, goal, today)
        if rule is None or when is None:
            counts["skipped"].append(f"{goal}: no rule {code} or no covered date")
            continue
        day = when[0].isoformat()
        case = penalties.file_case(actor=actor, data={
            "enterprise": firms[n - 1].pk, "rule": rule.pk, "facts": facts, "filed_on": day,
        })  # fmt: skip
        PenaltyCase.objects.filter(pk=case.pk).update(synthetic=True)
        penalties.act(actor=actor, pk=case.pk, action="notify",
                      data={"amount": amount, "notified_on": day})  # fmt: skip
        penalties.act(
            actor=actor,
            pk=case.pk,
            action="decide",
            data={"decision_number": _number(n, when[0].year), "amount": amount, "decided_on": day},
        )
        item = Publication.objects.get(case=case)
        if goal == "publish":
            publication.publish(actor=actor, pk=item.pk)
            penalties.act(actor=actor, pk=case.pk, action="pay", data={"payment": "paid"})
        counts["cases"] += 1
        counts[goal] = item.due_on.isoformat()
    counts["sweep"] = publication.sweep(today)
    return counts

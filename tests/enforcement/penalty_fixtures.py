"""Helpers shared by the penalty, publication and calendar tests (plain functions, so each
module builds exactly what it needs on top of the enforcement fixtures in conftest.py).

Dates are fixed inside years the national calendar covers (2025, 2026), never "today", so
the tests do not start failing when the clock reaches a year without holiday data.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from yingji.enforcement.models import (
    DiscretionRule,
    Finding,
    InspectionTask,
    PenaltyCase,
    TaskInspector,
    TaskState,
)
from yingji.enforcement.services import discretion, penalties

_serial = itertools.count(1)
DAY = dt.date(2026, 6, 1)  # a Monday; 20 working days later (端午 2026 is 06-19): 2026-06-30


def load_rules() -> dict[tuple[str, str], DiscretionRule]:
    discretion.load_table()
    return {
        (r.code, r.circumstance): r for r in DiscretionRule.objects.filter(voided_at__isnull=True)
    }


def completed_task(
    item: Any,
    enterprise: Any,
    users: list[Any],
    *,
    on: dt.date = DAY,
    outcome: str = "rectify",
    failed: tuple[str, ...] = ("2",),
) -> InspectionTask:
    """A completed task (ORM: the inspection part's service is not under test here)."""
    completed = timezone.make_aware(dt.datetime.combine(on, dt.time(15, 30)))
    task = InspectionTask.objects.create(
        code=f"PT-{next(_serial):05d}", kind="random", item=item, enterprise=enterprise,
        region_path=enterprise.region_path, state=TaskState.COMPLETED, due_on=on,
        started_at=completed - dt.timedelta(hours=2), completed_at=completed, outcome=outcome,
        summary="现场负责人 张三 13812345678",
    )  # fmt: skip
    for n, user in enumerate(users):
        TaskInspector.objects.create(task=task, inspector=user.inspector, lead=n == 0)
    for point in item.checklist:
        Finding.objects.create(
            task=task, point_id=point["id"], point_text=point["text"],
            compliant=point["id"] not in failed,
            description="" if point["id"] not in failed else "两名电工无特种作业操作证",
        )  # fmt: skip
    return task


def filed(actor: Any, enterprise: Any, rule: DiscretionRule, **data: Any) -> PenaltyCase:
    values = {"enterprise": enterprise.pk, "rule": rule.pk, "facts": "两名电工未持证上岗作业",
              "filed_on": DAY.isoformat(), **data}  # fmt: skip
    return penalties.file_case(actor=actor, data=values)


def decided(
    actor: Any,
    enterprise: Any,
    rule: DiscretionRule,
    *,
    amount: str = "40000",
    on: dt.date = DAY,
    number: str | None = None,
    **data: Any,
) -> PenaltyCase:
    """Filed, notified and decided on ``on``."""
    case = filed(actor, enterprise, rule, filed_on=on.isoformat(), **data)
    penalties.act(actor=actor, pk=case.pk, action="notify",
                  data={"amount": amount, "notified_on": on.isoformat()})  # fmt: skip
    number = number or f"杭西应急罚〔{on.year}〕{next(_serial)}号"
    return penalties.act(
        actor=actor, pk=case.pk, action="decide",
        data={"decision_number": number, "amount": amount, "decided_on": on.isoformat()},
    )  # fmt: skip

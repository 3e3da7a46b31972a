"""Excel export of inspection tasks, through :mod:`yingji.core.exports` (a chunked job).

It reads through the same scoped, filtered list as the task page
(:func:`yingji.enforcement.services.inspections.task_list`), so an export holds exactly the
rows its user sees with the filters they chose (``state``, ``plan``, ``item``, ``inspector``,
``overdue``, ``q``). Registered on import: the app config imports this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yingji.core.exports import Column, Export, export
from yingji.core.models import User
from yingji.enforcement.models import InspectionTask
from yingji.enforcement.services import inspections


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _rows(actor: User, filters: dict[str, str]) -> QuerySet[InspectionTask]:
    return (
        inspections.task_list(actor, filters)
        .select_related("enterprise__region")
        .prefetch_related("crew__inspector")
        .annotate(
            faults=Count("findings", filter=Q(findings__compliant=False), distinct=True),
            hazards=Count("findings", filter=Q(findings__hazard__isnull=False), distinct=True),
        )
    )


def _crew(task: Any) -> str:
    members = sorted(task.crew.all(), key=lambda m: (not m.lead, m.inspector.name))
    return "、".join(m.inspector.name for m in members)


TASKS = export(
    Export(
        name="inspection_tasks",
        title="检查任务 Inspection tasks",
        columns=(
            Column("任务编号 code", lambda t: t.code),
            Column("类型 kind", lambda t: t.get_kind_display()),
            Column("抽查计划 plan", lambda t: t.plan.code if t.plan else ""),
            Column("检查事项 item", lambda t: t.item.name),
            Column("企业 enterprise", lambda t: t.enterprise.name),
            Column("统一社会信用代码 credit code", lambda t: t.enterprise.credit_code),
            Column("区域 region", lambda t: t.enterprise.region.name),
            Column("检查人员 inspectors", _crew),
            Column("截止 due", lambda t: t.due_on.isoformat()),
            Column("状态 state", lambda t: t.get_state_display()),
            Column("逾期 overdue", lambda t: "是" if inspections.is_overdue(t) else ""),
            Column("开始 started", lambda t: _when(t.started_at)),
            Column("完成 completed", lambda t: _when(t.completed_at)),
            Column("结果 outcome", lambda t: t.get_outcome_display() if t.outcome else ""),
            Column("不符合项 faults", lambda t: t.faults),
            Column("生成隐患 hazards", lambda t: t.hazards),
        ),
        rows=_rows,
    )
)

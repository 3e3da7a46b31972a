"""The plan library as Excel, through the one export path (:mod:`yingji.core.exports`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from yingji.core.exports import Column, Export, export
from yingji.core.models import User
from yingji.incidents import catalogue
from yingji.plans import selectors
from yingji.plans.models import Plan


def _rows(actor: User, filters: dict[str, str]) -> QuerySet[Any]:
    keys = ("q", "event_type", "kind", "region", "status")
    plans = selectors.search(actor, **{key: filters.get(key, "") for key in keys})
    return plans.annotate(n_roles=Count("roles", distinct=True),
                          n_actions=Count("actions", distinct=True))  # fmt: skip


def _levels(plan: Plan) -> str:
    return "、".join(catalogue.RESPONSE_LEVELS[level] for level in reversed(plan.defined_levels))


PLANS = export(
    Export(
        name="plans",
        title="应急预案库 Emergency plans",
        columns=(
            Column("预案编号 code", lambda p: p.code),
            Column("版本 version", lambda p: p.version),
            Column("名称 title", lambda p: p.title),
            Column("类别 kind", lambda p: p.get_kind_display()),
            Column("状态 status", lambda p: p.get_status_display()),
            Column("发布区域 region", lambda p: p.region.name),
            Column("事件类型 event types", lambda p: "、".join(p.type_names)),
            Column("响应级别 levels", _levels),
            Column("角色数 roles", lambda p: p.n_roles),
            Column("措施数 actions", lambda p: p.n_actions),
            Column(
                "批准时间 approved",
                lambda p: (
                    timezone.localtime(p.approved_at).strftime("%Y-%m-%d %H:%M")
                    if p.approved_at
                    else ""
                ),
            ),
            Column("示例 synthetic", lambda p: "是" if p.synthetic else ""),
        ),
        rows=_rows,
    )
)

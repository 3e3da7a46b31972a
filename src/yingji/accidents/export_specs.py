"""The accident list as Excel, through the one export path (:mod:`yingji.core.exports`): the
rows the user sees with the filters of the list page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yingji.accidents import selectors
from yingji.accidents.models import Accident
from yingji.core.exports import Column, Export, export
from yingji.core.models import User

KEYS = ("q", "grade", "accident_type", "region", "year", "investigation", "evaluated")


def _rows(actor: User, filters: dict[str, str]) -> QuerySet[Any]:
    return selectors.search(actor, **{key: filters.get(key, "") for key in KEYS})


def _investigation(a: Accident) -> str:
    inv = selectors.investigation_of(a)
    return inv.get_state_display() if inv else "未立案调查"


ACCIDENTS = export(
    Export(
        name="accidents",
        title="生产安全事故 Accidents",
        columns=(
            Column("事故编号 number", lambda a: a.code),
            Column("标题 title", lambda a: a.title),
            Column(
                "发生时间 occurred",
                lambda a: timezone.localtime(a.occurred_at).strftime("%Y-%m-%d %H:%M"),
            ),
            Column("区域 region", lambda a: a.region.name),
            Column("区划代码 region code", lambda a: a.region_id),
            Column("企业 enterprise", lambda a: a.enterprise.name if a.enterprise else ""),
            Column("行业代码 industry", lambda a: a.industry_code),
            Column("事故类型 type", lambda a: a.get_accident_type_display()),
            Column("等级 grade", lambda a: a.grade_name),
            Column("死亡 dead", lambda a: a.dead),
            Column("失踪 missing", lambda a: a.missing),
            Column("重伤 seriously injured", lambda a: a.seriously_injured),
            Column("直接经济损失（元）direct loss", lambda a: float(a.direct_loss_yuan)),
            Column("调查 investigation", _investigation),
            Column("已评估 evaluated", lambda a: "是" if hasattr(a, "evaluation") else ""),
            Column("示例 synthetic", lambda a: "是" if a.synthetic else ""),
        ),
        rows=_rows,
    )
)

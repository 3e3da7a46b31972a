"""Excel exports: current enterprise colours (e.g. the red/orange list) and the control index."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yingji.core.exports import Column, Export, export
from yingji.core.models import User
from yingji.kernels import codes
from yingji.risk import selectors


def _current(actor: User, filters: dict[str, str]) -> QuerySet[Any]:
    colours = selectors.parse_colours(filters.get("colour"))
    qs = selectors.current(actor, region=filters.get("region", ""), colours=colours)
    return qs.select_related("enterprise", "enterprise__region").order_by("-colour", "-score", "pk")


def _colour(code: int) -> str:
    info = selectors.colour_info(code)
    return f"{info['zh']} {info['level']}"


ENTERPRISE_RISK = export(
    Export(
        name="risk_enterprises",
        title="企业风险四色清单",
        columns=(
            Column("统一社会信用代码 credit code", lambda r: r.enterprise.credit_code),
            Column("企业名称 name", lambda r: r.enterprise.name),
            Column("行政区划 region", lambda r: r.enterprise.region.name),
            Column("区划代码 region code", lambda r: codes.display(r.enterprise.region_id)),
            Column("风险颜色 colour", lambda r: _colour(r.colour)),
            Column("风险分值 score", lambda r: round(r.score, 2)),
            Column("从严从高上调 raised by rule", lambda r: "是" if r.overridden else "否"),
            Column("评估时间 assessed", lambda r: r.assessed_at.strftime("%Y-%m-%d %H:%M")),
            Column("安全管理人员 safety manager", lambda r: r.enterprise.safety_manager),
            Column("联系电话 phone", lambda r: r.enterprise.safety_manager_phone),
        ),
        rows=_current,
    )
)


def _control(actor: User, filters: dict[str, str]) -> QuerySet[Any]:
    return selectors.control_indices(actor, filters.get("month") or None)


def _rate_of(key: str) -> Any:
    return lambda row: _rate(row, key)


def _rate(row: Any, key: str) -> float | None:
    part = next((c for c in row.components if c["key"] == key), None)
    return None if part is None or part["rate"] is None else round(100 * part["rate"], 1)


CONTROL_INDEX = export(
    Export(
        name="risk_control_index",
        title="管控力指数",
        columns=(
            Column("区县 county", lambda r: r.region.name),
            Column("区划代码 code", lambda r: codes.display(r.region_id)),
            Column("月份 month", lambda r: r.month.strftime("%Y-%m")),
            Column("管控力指数 index", lambda r: r.value),
            *(
                Column(name, _rate_of(key))
                for key, name in (
                    ("rectification", "隐患整改率"),
                    ("timeliness", "按期整改率"),
                    ("supervision", "红橙企业重点监管率"),
                    ("alarms", "报警处置率"),
                    ("inspection", "执法检查覆盖率"),
                )
            ),
        ),
        rows=_control,
    )
)

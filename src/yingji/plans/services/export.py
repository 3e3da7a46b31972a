"""A plan as a Word document (.docx): what a bureau files and prints.

Built with python-docx from the stored version: header facts, scope, activation conditions by
level, the command roles and the actions of each level with role and time limit. A demo
(synthetic) plan says on its first page that it is an illustrative example.
"""

from __future__ import annotations

import io
from typing import Any, Final

from django.utils import timezone
from docx import Document
from docx.shared import Pt

from yingji.core.models import User
from yingji.incidents import catalogue
from yingji.plans import selectors
from yingji.plans.models import PRIORITY_CHOICES, Plan

PRIORITIES: Final = dict(PRIORITY_CHOICES)
SYNTHETIC_NOTE: Final = "【示例】本文件为演示数据，按同类预案的结构编写，并非官方发布的预案文本。"


def offset_text(minutes: int) -> str:
    """Minutes after activation as a time limit (立即 / 30分钟内 / 2小时内 / 1天内)."""
    if minutes == 0:
        return "立即"
    if minutes % 1440 == 0:
        return f"{minutes // 1440}天内"
    if minutes % 60 == 0:
        return f"{minutes // 60}小时内"
    return f"{minutes}分钟内"


def _table(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def plan_docx(actor: User, pk: Any) -> tuple[Plan, bytes]:
    """The plan version ``pk`` (as the actor may see it) rendered as .docx bytes."""
    plan = selectors.get_plan(actor, pk)
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(plan.title, level=0)
    if plan.synthetic:
        document.add_paragraph(SYNTHETIC_NOTE).runs[0].bold = True
    facts = [
        ["预案编号", plan.code],
        ["版本", f"第{plan.version}版（{plan.get_status_display()}）"],
        ["预案类别", plan.get_kind_display()],
        ["发布单位（区域）", plan.region.name],
        ["适用事件类型", "、".join(plan.type_names)],
        ["批准时间", timezone.localtime(plan.approved_at).strftime("%Y-%m-%d %H:%M")
         if plan.approved_at else "—"],
    ]  # fmt: skip
    _table(document, ["项目", "内容"], facts)
    document.add_heading("一、适用范围", level=1)
    for paragraph in plan.scope.splitlines() or [""]:
        document.add_paragraph(paragraph)
    document.add_heading("二、响应分级与启动条件", level=1)
    for level in reversed(range(4)):
        condition = plan.condition(level).strip()
        name = catalogue.RESPONSE_LEVELS[level]
        document.add_paragraph(f"{name}响应：{condition or '本预案未设此级响应。'}")
    document.add_heading("三、组织指挥体系", level=1)
    _table(document, ["角色", "职责"], [[r.name, r.duties] for r in plan.roles.all()])
    document.add_heading("四、分级响应措施", level=1)
    actions = list(plan.actions.all())
    for level in range(4):
        mine = [a for a in actions if a.from_level == level]
        if not mine:
            continue
        name = catalogue.RESPONSE_LEVELS[level]
        document.add_heading(f"{name}响应（{name}及以上响应时执行）", level=2)
        _table(document, ["措施", "责任角色", "时限", "优先级"], [
            [a.title, a.role, offset_text(a.offset_minutes), PRIORITIES[a.priority]]
            for a in mine
        ])  # fmt: skip
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    document.add_paragraph(f"导出时间：{stamp}（应急 Yingji 电子预案库）")
    buffer = io.BytesIO()
    document.save(buffer)
    return plan, buffer.getvalue()

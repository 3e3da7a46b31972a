"""Demo data of the draw part: province inspection items with their legal basis and
checklists, the 西湖区 inspectors in the pool, one declared conflict, and one drawn plan of
西湖区 (fixed seed) whose tasks the inspection demo then carries out.

Everything goes through the services as the demo users would do it (the province office
issues the items, 西湖区 staff fill the pool and draw, an inspector declares their own 回避),
so it is validated and audited like real work; rows are marked synthetic where the model
has the flag. Idempotent: what exists is left alone.

Legal references: the article numbers of 《安全生产法》 are those of the 2021 revision
(2021-06-10, in force 2021-09-01); "条文序号待核" marks a reference whose article number was
not checked against the official text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.utils import timezone

from yingji.core.models import User
from yingji.enforcement.models import Conflict, DrawPlan, InspectionItem, Inspector, PlanState
from yingji.enforcement.services import draws, lists
from yingji.registry.models.enterprise import Enterprise, HazchemRole

SEED: Final = "yingji-demo-2026-xihu"
PLAN_TITLE: Final = "西湖区危险化学品企业双随机抽查（示例）"
LAW: Final = "《中华人民共和国安全生产法》（2021年修正）"
P = "《安全生产法》"  # short form in check points

ITEMS: Final = [
    {
        "code": "ZJ-YJ-SJ-001",
        "name": "危险化学品生产经营单位安全生产条件检查",
        "legal_basis": f"{LAW}第三十九条、第四十条、第四十一条、第六十五条；"
        "《危险化学品安全管理条例》（国务院令第591号，2013年修订）；《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准"
        "（试行）》（安监总管三〔2017〕121号）",
        "hazchem_only": True,
        "share": 0.05,
        "key_colours": ["red", "orange"],
        "checklist": [
            {
                "id": "1",
                "text": "主要负责人和安全生产管理人员经考核合格",
                "basis": f"{P}第二十七条第二款",
            },
            {
                "id": "2",
                "text": "特种作业人员经专门的安全作业培训，取得相应资格上岗作业",
                "basis": f"{P}第三十条",
            },
            {
                "id": "3",
                "text": "重大危险源登记建档，定期检测、评估、监控，并制定应急预案",
                "basis": f"{P}第四十条",
            },
            {
                "id": "4",
                "text": "一级、二级重大危险源罐区设置紧急切断装置",
                "basis": "安监总管三〔2017〕121号 第五项",
            },
            {
                "id": "5",
                "text": "涉及可燃和有毒有害气体泄漏的场所设置检测报警装置并正常投用",
                "basis": "安监总管三〔2017〕121号 第十二项",
            },
            {
                "id": "6",
                "text": "建立并落实安全风险分级管控和隐患排查治理制度",
                "basis": f"{P}第四十一条",
            },
            {
                "id": "7",
                "text": "制定生产安全事故应急救援预案并定期组织演练",
                "basis": f"{P}第八十一条",
            },
        ],
    },
    {
        "code": "ZJ-YJ-SJ-002",
        "name": "工贸企业安全生产检查",
        "legal_basis": f"{LAW}第二十一条、第四十一条、第六十五条；《工贸企业重大事故隐患判定标准》"
        "（应急管理部令第10号）",
        "industries": ["C"],
        "share": 0.05,
        "key_colours": ["red", "orange"],
        "checklist": [
            {"id": "1", "text": "建立健全并落实全员安全生产责任制", "basis": f"{P}第二十一条"},
            {
                "id": "2",
                "text": "对从业人员进行安全生产教育和培训并如实记录",
                "basis": f"{P}第二十八条",
            },
            {
                "id": "3",
                "text": "特种作业人员持证上岗",
                "basis": f"{P}第三十条；应急管理部令第10号 第三条",
            },
            {
                "id": "4",
                "text": "安全设备经常性维护、保养并定期检测，未关闭或破坏监控报警设施",
                "basis": f"{P}第三十六条",
            },
            {
                "id": "5",
                "text": "粉尘涉爆、有限空间等专项场所符合重大事故隐患判定标准的要求",
                "basis": "应急管理部令第10号 专项类（条文序号待核）",
            },
            {
                "id": "6",
                "text": "为从业人员提供符合国家标准或者行业标准的劳动防护用品",
                "basis": f"{P}第四十五条",
            },
        ],
    },
    {
        "code": "ZJ-YJ-SJ-003",
        "name": "生产经营单位应急预案管理检查",
        "legal_basis": f"{LAW}第八十一条；《生产安全事故应急预案管理办法》"
        "（应急管理部令第2号，2019年修正；条文序号待核）",
        "share": 0.05,
        "key_colours": ["red"],
        "checklist": [
            {
                "id": "1",
                "text": "制定生产安全事故应急救援预案，并与所在地人民政府的预案相衔接",
                "basis": f"{P}第八十一条",
            },
            {"id": "2", "text": "定期组织应急预案演练", "basis": f"{P}第八十一条"},
            {
                "id": "3",
                "text": "应急预案按规定报负有安全生产监督管理职责的部门备案",
                "basis": "《生产安全事故应急预案管理办法》（条文序号待核）",
            },
        ],
    },
]
INSPECTORS: Final = (
    ("xihu_inspector", "ZJ-YJ-330106-0001", "危化,工贸"),
    ("xihu_inspector2", "ZJ-YJ-330106-0002", "危化,消防"),
    ("xihu_inspector3", "ZJ-YJ-330106-0003", "工贸,有限空间"),
    ("xihu_inspector4", "ZJ-YJ-330106-0004", "危化,工贸,粉尘涉爆"),
)


def _users() -> dict[str, User]:
    names = ["zj_staff", "xihu_staff", *(u for u, _c, _q in INSPECTORS)]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def load() -> dict[str, Any]:
    """Items, pool, a conflict and a drawn plan; returns what was created this time."""
    users = _users()
    missing = sorted({"zj_staff", "xihu_staff", *(u for u, _c, _q in INSPECTORS)} - set(users))
    if missing:
        return {"skipped": f"demo users missing: {', '.join(missing)}"}
    counts = {"items": 0, "inspectors": 0, "conflicts": 0, "plans": 0, "tasks": 0}
    for spec in ITEMS:
        if not InspectionItem.objects.filter(code=spec["code"]).exists():
            lists.create_item(
                actor=users["zj_staff"], data={**spec, "region": "33"}, synthetic=True
            )
            counts["items"] += 1
    for username, certificate, skills in INSPECTORS:
        if not Inspector.objects.filter(user=users[username]).exists():
            lists.add_inspector(
                actor=users["xihu_staff"],
                synthetic=True,
                data={
                    "user": username,
                    "certificate_number": certificate,
                    "qualifications": skills,
                    "region": "330106",
                },
            )
            counts["inspectors"] += 1
    item = InspectionItem.objects.get(code="ZJ-YJ-SJ-001")
    if DrawPlan.objects.filter(title=PLAN_TITLE, synthetic=True).exists():
        return counts
    counts["conflicts"] = _conflict(users["xihu_inspector4"])
    today = timezone.localdate()
    plan = draws.create_plan(
        actor=users["xihu_staff"],
        synthetic=True,
        data={
            "title": PLAN_TITLE,
            "item": item.pk,
            "region": "330106",
            "starts_on": today,
            "due_on": today + dt.timedelta(days=60),
        },
    )
    plan = draws.draw(actor=users["xihu_staff"], pk=plan.pk, seed=SEED)
    counts["plans"], counts["tasks"] = 1, plan.tasks.count()
    assert plan.state == PlanState.DRAWN  # noqa: S101 - the demo's own invariant
    return counts


def _conflict(person: User) -> int:
    """xihu_inspector4 declares a 回避 with the first red or orange hazchem firm of 西湖区."""
    firm = (
        Enterprise.objects.filter(
            region_path__startswith="330106", voided_at__isnull=True, risk__colour__gte=2
        )
        .exclude(hazchem_role=HazchemRole.NONE)
        .order_by("pk")
        .first()
    )
    inspector = Inspector.objects.get(user=person)
    if (
        firm is None
        or Conflict.objects.filter(inspector=inspector, withdrawn_at__isnull=True).exists()
    ):
        return 0
    lists.declare_conflict(
        actor=person,
        data={
            "enterprise": firm.credit_code,
            "reason": "relative",
            "note": "配偶在该企业任安全管理员（示例）",
        },
    )
    return 1

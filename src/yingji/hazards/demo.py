"""Demo hidden hazards: a realistic spread over the past 12 months, in every state.

Synthetic and deterministic for a seed (relative to today, since deadlines and overdue
escalation are about today). About 0.15 hazards per enterprise (found by self-inspection,
inspections and public reports) and some grid-worker patrol finds in villages, each with a
consistent history: report → register (deadline, responsible person) → rectify → submit →
accept → close (销号), with a few acceptance rejections, voids and stalled rectifications
that went overdue and climbed county → city → province as the daily sweep would have made
them. About 4% are majors, with the criterion that makes them major, a 治理方案 and, for most,
a county- or city-level 挂牌督办 (lifted once accepted). 北山街道 (西湖区) always gets a
showcase set: one hazard in every state and overdue majors under supervision.

Rows are written in bulk with their historical timestamps (no service call: those notify and
re-score); every hazard is ``synthetic``; actors are labels marked （示范）.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from django.db import connection, models, transaction
from django.utils import timezone

from yingji.core import audit, bulk
from yingji.hazards import criteria
from yingji.hazards.models import (
    Criterion,
    Grade,
    HazardEvent,
    HiddenHazard,
    Source,
    Standard,
    State,
    Supervision,
    SupervisionLevel,
)
from yingji.hazards.services.deadlines import office_for
from yingji.kernels import codes
from yingji.regions.models import Level, Region
from yingji.registry.demo.context import DemoContext
from yingji.registry.demo.enterprises.tables import GIVEN, SURNAMES
from yingji.registry.models.enterprise import Enterprise, HazchemRole

PER_ENTERPRISE: Final = 0.15
PATROL_PER_ENTERPRISE: Final = 0.04
MAJOR_SHARE: Final = 0.04
DAYS: Final = 365
SHOWCASE: Final = "330106002"  # 北山街道, 西湖区
DEMO: Final = "（示范）"
S = State
# category → (title, what was seen); majors take their title from the criterion.
FINDINGS: Final = {
    "equipment": [("设备传动部位防护罩缺失", "皮带传动部位未设防护罩，存在卷入风险"),
                  ("压力表超期未校验", "储气罐压力表超过检定有效期"),
                  ("安全阀铅封缺失", "空压机储气罐安全阀铅封缺失，未按期校验")],
    "environment": [("作业通道堵塞", "车间安全通道堆放物料，宽度不足 1 米"),
                    ("有限空间无警示标识", "污水池等有限空间未设置安全警示标识")],
    "management": [("隐患排查台账不全", "未建立隐患排查治理台账，整改记录缺失"),
                   ("安全操作规程未上墙", "关键岗位未张贴安全操作规程"),
                   ("特种作业人员证书过期", "电工作业人员操作证已过期")],
    "fire": [("消防通道被占用", "厂区消防车通道被车辆和货物占用"),
             ("灭火器压力不足", "车间灭火器压力指针位于红区，未及时更换"),
             ("疏散指示标志损坏", "仓库应急疏散指示标志不亮")],
    "electrical": [("配电箱未上锁", "配电箱未上锁且无警示标识，接线裸露"),
                   ("临时用电私拉乱接", "临时用电线路私拉乱接，未使用漏电保护")],
    "hazchem": [("危化品仓库超量储存", "危险化学品仓库储存量超过核定量"),
                ("可燃气体报警器失效", "罐区可燃气体检测报警器未正常投用")],
    "special": [("叉车未定期检验", "叉车超过定期检验日期仍在使用"),
                ("起重机限位失效", "行车上升限位器失效")],
    "geological": [("房后边坡出现裂缝", "民房后侧边坡出现新裂缝，雨后有掉块"),
                   ("山塘坝体渗水", "山塘坝体下游坡脚渗水")],
    "other": [("广告牌松动", "沿街广告牌固定件锈蚀松动"),
              ("电动车违规充电", "楼道内电动自行车飞线充电")],
}  # fmt: skip
PATROL_CATEGORIES: Final = ("fire", "electrical", "geological", "other", "environment")
VOID_REASONS: Final = (
    "重复上报，与已登记隐患为同一问题",
    "经核查不属于安全生产隐患",
    "企业已关停注销，隐患随之消除",
)


@dataclass
class Step:
    action: str
    before: str
    after: str
    at: dt.datetime
    note: str
    who: str


@dataclass
class Draft:
    hazard: HiddenHazard
    reporter: str
    office: str  # the county bureau's label
    manager: str  # who rectifies (the enterprise or the village)
    steps: list[Step] = field(default_factory=list)
    events: list[Step] = field(default_factory=list)
    supervision: Supervision | None = None


@dataclass(frozen=True)
class Plan:
    void: bool = False
    stall: bool = False
    reject: bool = False
    supervise: str = ""  # a SupervisionLevel, "" for none
    until: str = ""  # showcase: stop once the hazard reaches this state
    overdue_days: int = 0  # showcase: the deadline lies this many days back


def already_loaded() -> bool:
    return HiddenHazard.objects.filter(synthetic=True).exists()


def load(seed: int = 20210101) -> dict[str, int]:
    """Generate the demo hazards once (nothing if synthetic hazards exist already)."""
    if already_loaded():
        return {}
    ctx = DemoContext(seed=seed)
    with transaction.atomic():
        maker = _Maker(ctx, timezone.now())
        drafts = [*maker.enterprise_hazards(), *maker.patrol_hazards(), *maker.showcase()]
        _save(ctx, drafts)
        audit.record(actor=None, action="load", object_type="hazards.demo", object_id=str(seed),
                     object_repr="demo hidden hazards", after=dict(ctx.counts))  # fmt: skip
    return dict(ctx.counts)


class _Maker:
    def __init__(self, ctx: DemoContext, now: dt.datetime) -> None:
        self.ctx, self.now, self.today = ctx, now, timezone.localdate(now)
        if not Criterion.objects.exists():
            criteria.load(Criterion)
        active = list(Criterion.objects.filter(active=True).order_by("pk"))
        self.criteria = {
            s: [c for c in active if c.standard == s] or active for s in Standard.values
        }
        levels = (Level.CITY, Level.COUNTY, Level.TOWNSHIP)
        self.names = dict(Region.objects.filter(level__in=levels).values_list("path", "name"))

    # ------------------------------------------------------------ who and where

    def _person(self, rng: np.random.Generator) -> str:
        given = "".join(GIVEN[rng.integers(0, GIVEN.size, int(rng.integers(1, 3)))])
        return f"{SURNAMES[rng.integers(0, SURNAMES.size)]}{given}"

    def _phone(self, rng: np.random.Generator) -> str:
        return f"1{rng.choice(['3', '5', '8', '9'])}{int(rng.integers(0, 10**9)):09d}"

    def _bureau(self, path: str) -> str:
        return f"{DEMO}{self.names.get(path[:6], '')}应急管理局"

    def _enterprise_draft(
        self, rng: np.random.Generator, e: dict[str, Any], major: bool, source: str
    ) -> Draft:
        hazchem = e["hazchem_role"] != HazchemRole.NONE
        person = e["safety_manager"] or self._person(rng)
        hazard = HiddenHazard(
            source=source, enterprise_id=e["pk"], region_id=e["region_id"],
            region_path=e["region_path"], address=e["address"], lon=e["lon"], lat=e["lat"],
            responsible_unit=e["name"][:100], responsible_person=person,
            responsible_phone=e["safety_manager_phone"] or self._phone(rng), synthetic=True,
        )  # fmt: skip
        if major:
            criterion = self._criterion(rng, Standard.CHEMICAL if hazchem else Standard.GONGMAO)
            hazard.grade, hazard.criterion = Grade.MAJOR, criterion
            hazard.category = "management" if criterion.group == "管理类" else "environment"
            if criterion.standard == Standard.CHEMICAL:
                hazard.category = "hazchem"
            hazard.title = f"重大隐患：{criterion.text}"[:100]
            hazard.description = f"经排查，{e['name']}存在{criterion.text.rstrip('的')}的情形。"
        else:
            weights = np.array([4, 1, 2, 3, 3, 5 if hazchem else 0, 2], float)
            names = ["equipment", "environment", "management", "fire", "electrical", "hazchem",
                     "special"]  # fmt: skip
            self._finding(rng, hazard, names[rng.choice(len(names), p=weights / weights.sum())])
        reporter: str = {
            Source.SELF.value: f"{DEMO}{e['name']} 安全管理员 {person}",
            Source.INSPECTION.value: f"{self._bureau(e['region_path'])} 执法人员",
            Source.PUBLIC.value: f"{DEMO}群众举报（12350）",
            Source.PATROL.value: f"{DEMO}网格员 {self._person(rng)}",
        }[source]
        manager = f"{DEMO}{e['name']} 安全管理员 {person}"
        return Draft(hazard, reporter, self._bureau(e["region_path"]), manager)

    def _criterion(self, rng: np.random.Generator, standard: str) -> Criterion:
        options = self.criteria[standard]
        return options[int(rng.integers(0, len(options)))]

    def _finding(self, rng: np.random.Generator, hazard: HiddenHazard, category: str) -> None:
        title, seen = FINDINGS[category][int(rng.integers(0, len(FINDINGS[category])))]
        hazard.grade, hazard.category, hazard.title = Grade.GENERAL, category, title
        hazard.description = f"{seen}。"

    def _village_draft(
        self, rng: np.random.Generator, code: str, name: str, lon: float, lat: float
    ) -> Draft:
        unit = name if name.endswith(("委会", "委员会")) else f"{name}居（村）委会"
        hazard = HiddenHazard(
            source=Source.PATROL, region_id=code, region_path=codes.short(code), address=name,
            lon=round(lon + rng.normal(0, 0.003), 6) if lon else None,
            lat=round(lat + rng.normal(0, 0.003), 6) if lat else None,
            responsible_unit=unit[:100], responsible_person=self._person(rng),
            responsible_phone=self._phone(rng), synthetic=True,
        )  # fmt: skip
        self._finding(rng, hazard, PATROL_CATEGORIES[int(rng.integers(0, len(PATROL_CATEGORIES)))])
        path = codes.short(code)
        return Draft(
            hazard, f"{DEMO}网格员 {self._person(rng)}", self._bureau(path), f"{DEMO}{unit}"
        )

    # ------------------------------------------------------------ the three sets

    def enterprise_hazards(self) -> list[Draft]:
        rng = self.ctx.rng("hazards-enterprises")
        pool = list(
            Enterprise.objects.filter(voided_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "hazchem_role")
        )
        n = round(PER_ENTERPRISE * len(pool))
        if not n:
            return []
        weight = np.array([3.0 if r != HazchemRole.NONE else 1.0 for _pk, r in pool])
        chosen = rng.choice(len(pool), n, p=weight / weight.sum())
        details = _enterprises([pool[i][0] for i in sorted(set(chosen.tolist()))])
        sources = [Source.SELF, Source.INSPECTION, Source.PUBLIC, Source.PATROL]
        drafts = []
        for index in chosen.tolist():
            e = details[pool[index][0]]
            major = rng.random() < MAJOR_SHARE * (1.5 if e["hazchem_role"] != "none" else 0.8)
            odds = [0.5, 0.5, 0, 0] if major else [0.55, 0.33, 0.07, 0.05]  # majors: checks
            source = sources[rng.choice(4, p=odds)]
            draft = self._enterprise_draft(rng, e, bool(major), source)
            self._live(rng, draft, self._reported(rng), self._random_plan(rng, draft))
            drafts.append(draft)
        return drafts

    def patrol_hazards(self) -> list[Draft]:
        rng = self.ctx.rng("hazards-patrol")
        n = round(PATROL_PER_ENTERPRISE * Enterprise.objects.filter(voided_at__isnull=True).count())
        villages = self.ctx.villages
        if not n or not villages:
            return []
        prone = {p.path for p in self.ctx.disaster_prone_villages}
        weight = np.array([(p.population or 500) * (3 if p.path in prone else 1) for p in villages])
        drafts = []
        for index in rng.choice(len(villages), n, p=weight / weight.sum()).tolist():
            v = villages[index]
            draft = self._village_draft(rng, v.code, v.name, v.lon, v.lat)
            self._live(rng, draft, self._reported(rng), self._random_plan(rng, draft))
            drafts.append(draft)
        return drafts

    def showcase(self) -> list[Draft]:
        """北山街道: every state, an overdue general, and majors under supervision."""
        rng = self.ctx.rng("hazards-showcase")
        here = list(
            Enterprise.objects.filter(voided_at__isnull=True, region_path__startswith=SHOWCASE)
            .order_by("pk")
            .values_list("pk", flat=True)[:20]
        )
        details = _enterprises(here)
        places = list(
            Region.objects.filter(path__startswith=SHOWCASE)
            .order_by("code")
            .values_list("code", "name", "lon", "lat")[:20]
        )
        cases = [  # (until, ago days, plan, major)
            (S.REPORTED, 1, Plan(), False), (S.REGISTERED, 4, Plan(), False),
            (S.RECTIFYING, 8, Plan(), False), (S.SUBMITTED, 30, Plan(), False),
            (S.ACCEPTED, 35, Plan(), False), (S.CLOSED, 60, Plan(), False),
            (S.VOIDED, 20, Plan(void=True), False),
            (S.RECTIFYING, 60, Plan(stall=True, overdue_days=12), False),
            (S.RECTIFYING, 150, Plan(stall=True, supervise="county", overdue_days=25), True),
            (S.RECTIFYING, 90, Plan(stall=True, supervise="city", overdue_days=10), True),
            (S.RECTIFYING, 20, Plan(supervise="city"), True),
            (S.CLOSED, 200, Plan(supervise="county"), True),
        ]  # fmt: skip
        drafts = []
        for number, (until, ago, plan, major) in enumerate(cases):
            if details and (major or number % 3):
                e = details[here[number % len(here)]]
                source = Source.INSPECTION if major else [Source.SELF, Source.PUBLIC][number % 2]
                draft = self._enterprise_draft(rng, e, major, source)
            else:
                code, name, lon, lat = places[number % len(places)]
                draft = self._village_draft(rng, code, name, lon or 120.14, lat or 30.27)
                if major:  # no enterprise in the township: a major found at a place
                    draft.hazard.grade = Grade.MAJOR
                    draft.hazard.criterion = self._criterion(rng, Standard.GONGMAO)
                    draft.hazard.title = f"重大隐患：{draft.hazard.criterion.text}"[:100]
            forced = dataclasses.replace(plan, until=until)
            self._live(rng, draft, self.now - dt.timedelta(days=ago, hours=3), forced)
            drafts.append(draft)
        return drafts

    # ------------------------------------------------------------ the lifecycle

    def _reported(self, rng: np.random.Generator) -> dt.datetime:
        day = self.today - dt.timedelta(days=int(rng.integers(0, DAYS)))
        at = _at(day, int(rng.integers(0, 540)))
        return at if at < self.now else self.now - dt.timedelta(minutes=int(rng.integers(5, 300)))

    def _random_plan(self, rng: np.random.Generator, draft: Draft) -> Plan:
        major = draft.hazard.grade == Grade.MAJOR
        level = rng.choice(["county", "city", "province", ""], p=[0.5, 0.25, 0.03, 0.22])
        return Plan(
            void=not major and rng.random() < 0.03,
            stall=rng.random() < (0.3 if major else 0.07),
            reject=rng.random() < 0.08,
            supervise=str(level) if major else "",
        )

    def _later(self, t: dt.datetime, rng: np.random.Generator, low: int, high: int) -> dt.datetime:
        """A working-hours moment ``low``–``high`` days after ``t`` (always after it)."""
        day = timezone.localtime(t).date() + dt.timedelta(days=int(rng.integers(low, high + 1)))
        at = _at(day, int(rng.integers(0, 540)))
        return at if at > t else t + dt.timedelta(minutes=int(rng.integers(20, 180)))

    def _live(self, rng: np.random.Generator, d: Draft, reported: dt.datetime, plan: Plan) -> None:
        """The hazard's history from ``reported`` to now (or to ``plan.until``)."""
        h, major = d.hazard, d.hazard.grade == Grade.MAJOR
        t_reg = self._later(reported, rng, 0, 3)
        deadline = timezone.localtime(t_reg).date() + dt.timedelta(
            days=int(rng.integers(45, 121) if major else rng.integers(7, 31))
        )
        t_start = self._later(t_reg, rng, *((5, 20) if major else (0, 2)))
        # Most finish early enough to be accepted and closed by the deadline; stalled ones
        # overrun it by a tenth to twice the time they had.
        planned = max(1, (deadline - timezone.localtime(t_start).date()).days)
        if plan.stall:
            took = round(planned * rng.uniform(1.1, 2.2))
        else:
            took = max(1, round((planned - 4) * rng.uniform(0.25, 0.9)))
        t = self._later(t_start, rng, took, took)
        steps = [
            Step("report", "", S.REPORTED, reported, h.description[:200], d.reporter),
            Step("register", S.REPORTED, S.REGISTERED, t_reg, f"整改期限 {deadline}", d.office),
            Step("start", S.REGISTERED, S.RECTIFYING, t_start, "", d.manager),
            Step("submit", S.RECTIFYING, S.SUBMITTED, t, "整改完成，申请验收", d.manager),
        ]
        if plan.reject:
            t = self._later(t, rng, 1, 4)
            note = "整改不到位，退回继续整改"
            steps.append(Step("reject", S.SUBMITTED, S.RECTIFYING, t, note, d.office))
            t = self._later(t, rng, 3, 12)
            note = "已补充整改，再次申请验收"
            steps.append(Step("submit", S.RECTIFYING, S.SUBMITTED, t, note, d.manager))
        t = self._later(t, rng, 1, 3)
        note = "经现场核查，整改到位，同意验收"
        steps.append(Step("accept", S.SUBMITTED, S.ACCEPTED, t, note, d.office))
        steps.append(Step("close", S.ACCEPTED, S.CLOSED, self._later(t, rng, 0, 2), "", d.office))
        if plan.void:
            keep = 2 if rng.random() < 0.4 else 1
            at = self._later(steps[keep - 1].at, rng, 0, 4)
            reason = VOID_REASONS[int(rng.integers(0, len(VOID_REASONS)))]
            void = Step("void", steps[keep - 1].after, S.VOIDED, at, reason, d.office)
            steps = [*steps[:keep], void]
            h.void_reason = reason
        if plan.until:
            steps = steps[: next(i for i, s in enumerate(steps) if s.after == plan.until) + 1]
            late = (deadline - (self.today - dt.timedelta(days=plan.overdue_days))).days
            shift = max(late if plan.overdue_days else 0, _days_over(steps[-1].at, self.now))
            for step in steps:
                step.at -= dt.timedelta(days=shift)
            deadline -= dt.timedelta(days=shift)
        d.steps = [s for s in steps if s.at <= self.now]
        self._fill(rng, d, deadline, plan)

    def _fill(self, rng: np.random.Generator, d: Draft, deadline: dt.date, plan: Plan) -> None:
        """The hazard's fields, 挂牌督办 and overdue escalation, as its history left them."""
        h = d.hazard
        done: dict[str, dt.datetime] = {}
        for step in d.steps:  # the first time of each action (a rejected hazard submits twice)
            done.setdefault(step.action, step.at)
        h.state, h.reported_at = d.steps[-1].after, d.steps[0].at
        if "register" in done:
            h.deadline = deadline
        else:
            h.responsible_person = h.responsible_phone = ""
        if h.grade == Grade.MAJOR and "start" in done:
            h.plan_goal = f"消除重大事故隐患：{(h.criterion.text if h.criterion else h.title)[:80]}"
            h.plan_measures = "相关装置停产整改，委托有资质单位设计施工，完成后组织专家评估验收"
            h.plan_funding = f"落实整改资金 {int(rng.integers(5, 300))} 万元，所需物资已采购"
            who = h.responsible_person or "安全管理负责人"
            h.plan_organisation = f"主要负责人任组长，{who}具体负责"
            h.plan_deadline = deadline
            h.plan_safety = "整改期间设置警戒区域、专人监护，制定专项应急预案并组织演练"
        if "submit" in done:
            h.rectification_note = "已按要求完成整改，整改前后照片已上传"
        if "accept" in done:
            h.acceptance_note = "经现场核查，整改到位，同意验收"
        h.closed_at = done.get("close")
        if plan.supervise and "register" in done and h.state != S.VOIDED:
            self._supervise(rng, d, plan.supervise, done)
        self._escalate(d, done)
        d.events = sorted([*d.steps, *d.events], key=lambda s: s.at)
        h.updated_at = d.events[-1].at

    def _supervise(
        self, rng: np.random.Generator, d: Draft, level: str, done: dict[str, dt.datetime]
    ) -> None:
        h = d.hazard
        start = self._later(done["register"], rng, 1, 5)
        if "start" in done and start > done["start"]:
            start = done["register"] + (done["start"] - done["register"]) / 2
        if start > self.now or h.deadline is None:
            return
        path = {"county": h.region_path[:6], "city": h.region_path[:4], "province": "33"}[level]
        office = f"{self.names.get(path, '浙江省')}安全生产委员会办公室"
        listing = Supervision(level=level, office=office, office_path=path, deadline=h.deadline,
                              published=bool(rng.random() < 0.5), started_at=start)  # fmt: skip
        label = SupervisionLevel(level).label
        note = f"{label}挂牌督办 · {office} · 期限 {h.deadline}"
        _note(d, "supervise", start, note, f"{DEMO}{office}")
        if "accept" in done:
            gap = (done["close"] - done["accept"]) / 2 if "close" in done else dt.timedelta(hours=4)
            lift = done["accept"] + min(gap, dt.timedelta(hours=4))
            if lift <= self.now:
                listing.lifted_at, listing.lift_note = lift, "整改验收合格，同意解除挂牌督办"
                _note(d, "lift", lift, listing.lift_note, f"{DEMO}{office}")
        d.supervision = listing

    def _escalate(self, d: Draft, done: dict[str, dt.datetime]) -> None:
        """Overdue and escalation events, as the daily sweep recorded them."""
        h = d.hazard
        if h.deadline is None or h.state == S.VOIDED:
            return
        # The sweep chases open hazards (submitted ones too) until they are accepted.
        until = timezone.localtime(min(done.get("accept", self.now), self.now)).date()
        office = ""
        day = h.deadline + dt.timedelta(days=1)
        while day <= until:
            climbed = office_for(h, (day - h.deadline).days)
            if climbed != office:
                at = min(_at(day, -505), self.now)  # the sweep just after midnight
                note = f"→ {codes.display(codes.to_12(climbed))}"
                _note(d, "escalate" if office else "overdue", at, note, f"{DEMO}系统")
                office, h.escalated_to, h.escalated_at = climbed, climbed, at
            day += dt.timedelta(days=1)


def _at(day: dt.date, minutes_after_0830: int) -> dt.datetime:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)))
    return start + dt.timedelta(minutes=minutes_after_0830)


def _days_over(at: dt.datetime, now: dt.datetime) -> int:
    return 0 if at <= now else (at - now).days + 1


def _state_at(d: Draft, at: dt.datetime) -> str:
    return next((s.after for s in reversed(d.steps) if s.at <= at), S.REPORTED)


def _note(d: Draft, action: str, at: dt.datetime, note: str, who: str) -> None:
    """An event that leaves the state as it was (listing, lifting, overdue, escalation)."""
    state = _state_at(d, at)
    d.events.append(Step(action, state, state, at, note, who))


def _enterprises(pks: list[int]) -> dict[int, dict[str, Any]]:
    columns = ("pk", "name", "region_id", "region_path", "address", "lon", "lat", "hazchem_role",
               "safety_manager", "safety_manager_phone")  # fmt: skip
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(pks), 900):
        for row in Enterprise.objects.filter(pk__in=pks[start : start + 900]).values(*columns):
            found[row["pk"]] = row
    return found


# ---------------------------------------------------------------- writing


def _insert_as_given(model: type[models.Model], objs: list[Any]) -> int:
    """Like :func:`yingji.core.bulk.insert_objects`, but timestamps as given: the historical
    report, update and listing times (``auto_now`` fields would all say now)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] for o in objs]
    return bulk.insert_rows(model, [f.column for f in fields], rows)


def _save(ctx: DemoContext, drafts: list[Draft]) -> None:
    drafts.sort(key=lambda d: d.hazard.reported_at)
    last: dict[str, int] = defaultdict(int)
    for code in HiddenHazard.objects.filter(code__startswith="YH-").values_list("code", flat=True):
        prefix, _sep, number = code.rpartition("-")
        last[prefix] = max(last[prefix], int(number) if number.isdigit() else 0)
    for d in drafts:
        prefix = f"YH-{d.hazard.region_path[:6]}-{timezone.localtime(d.hazard.reported_at).year}"
        last[prefix] += 1
        d.hazard.code = f"{prefix}-{last[prefix]:06d}"
    ctx.counts["hazards"] = _insert_as_given(HiddenHazard, [d.hazard for d in drafts])
    pks = dict(HiddenHazard.objects.filter(synthetic=True).values_list("code", "pk"))
    events, listings = [], []
    for d in drafts:
        pk = pks[d.hazard.code]
        events += [HazardEvent(hazard_id=pk, action=s.action, from_state=s.before,
                               to_state=s.after, note=s.note, actor_label=s.who, at=s.at)
                   for s in d.events]  # fmt: skip
        if d.supervision is not None:
            d.supervision.hazard_id = pk
            listings.append(d.supervision)
    ctx.insert("hazard_events", HazardEvent, events)
    ctx.counts["supervisions"] = _insert_as_given(Supervision, listings)
    for state in State.values:
        ctx.counts[f"state_{state}"] = sum(d.hazard.state == state for d in drafts)
    ctx.counts["majors"] = sum(d.hazard.grade == Grade.MAJOR for d in drafts)
    bulk.analyze(HiddenHazard)

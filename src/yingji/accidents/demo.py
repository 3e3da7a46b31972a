"""Demo accidents and county GDP — all synthetic, deterministic for a seed, marked so.

- **GDP**: ``data/accidents/county_gdp_synthetic.csv`` holds a made-up GDP (亿元) for each of
  the 90 counties for 2022–2026, shaped like the real economy (county population × a per-head
  output that varies by county, growing 4–7 % a year) but *not* official statistics: every row
  says ``合成数据 synthetic (demo)`` and is stored with ``synthetic=True``. It is loaded
  through the same validation as a real import. :func:`write_gdp_file` regenerates it.
- **Accidents**: about 40 over 2022 to the present in 西湖区, 滨江区, 萧山区 and 余杭区, mostly
  一般 with a few 较大, attached to demo enterprises where there are some (西湖区's demo
  enterprise user sees its own). Older ones have a closed investigation (team, report, findings,
  measures with 回头看), most of those an evaluation — not all, so the coverage shows a gap —
  and three are published as typical cases; recent ones are still under investigation. Rows
  are written with their historical dates (no service call: those stamp today), with one
  audit entry for the load.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Final

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yingji.accidents import catalogue, documents
from yingji.accidents.models import (
    Accident,
    Evaluation,
    Event,
    Finding,
    Investigation,
    Measure,
    MeasureState,
    RegionEconomy,
    State,
    TypicalCase,
)
from yingji.accidents.services import economy, records
from yingji.accidents.services.investigation import due, office_path
from yingji.core import audit
from yingji.core.scoping import Jurisdiction
from yingji.kernels import accidents as decree
from yingji.regions.models import Level, Region
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount

GDP_YEARS: Final = range(2022, 2027)
PER_HEAD_2022: Final = 118_000  # yuan, about the province's average of the time
COUNTIES: Final = {"330106": 16, "330108": 9, "330109": 9, "330110": 8}  # accidents each
DEMO: Final = "（示范）"
KINDS: Final = (  # type, weight, industry when no enterprise, title
    ("machinery", 6, "C3411", "机械伤害事故"),
    ("fall", 7, "E4790", "高处坠落事故"),
    ("vehicle", 5, "G5430", "车辆伤害事故"),
    ("object_strike", 4, "E4720", "物体打击事故"),
    ("electric", 3, "D4420", "触电事故"),
    ("lifting", 3, "E4790", "起重伤害事故"),
    ("collapse", 2, "E4720", "坍塌事故"),
    ("fire", 2, "H6110", "火灾事故"),
    ("poisoning", 2, "N7820", "有限空间中毒和窒息事故"),
    ("drowning", 1, "N7810", "淹溺事故"),
)
RECENT: Final = (1, 20, 45, 80)  # days ago: not yet investigated, open, open, extended
MEASURES: Final = (
    "开展全员安全教育培训并考核",
    "加装设备联锁防护装置",
    "修订岗位安全操作规程",
    "落实有限空间作业审批制度",
    "开展同类隐患专项排查整治",
)


def gdp_file() -> Path:
    return Path(settings.BASE_DIR).parent.parent / "data" / "accidents" / "county_gdp_synthetic.csv"


def already_loaded() -> bool:
    return Accident.objects.filter(synthetic=True).exists()


def load(seed: int = 20220101, *, today: dt.date | None = None) -> dict[str, int]:
    """Load the synthetic GDP and accidents once (an existing part is left alone)."""
    counts: dict[str, int] = {}
    if not RegionEconomy.objects.filter(synthetic=True).exists() and gdp_file().is_file():
        counts["gdp_rows"] = load_gdp(gdp_file().read_bytes())["created"]
    if already_loaded():
        return counts
    today = today or timezone.localdate()
    rng = np.random.default_rng([seed, zlib.crc32(b"accidents")])
    with transaction.atomic():
        made = [_accident(rng, county, today) for county, n in COUNTIES.items() for _ in range(n)]
        for accident, days_ago in zip(made[::10], RECENT, strict=False):  # work in progress
            accident.occurred_at = _at(today - dt.timedelta(days=days_ago))
        made.sort(key=lambda a: a.occurred_at)
        for accident in made:
            accident.code = records.next_code(
                accident.region_path, timezone.localtime(accident.occurred_at).year
            )
            accident.save()
            _event(
                accident,
                "record",
                accident.occurred_at + dt.timedelta(hours=3),
                f"{accident.grade_name} {accident.title}",
            )
        closed = [_investigate(rng, a, today) for a in made]
        _evaluate_and_publish(rng, [a for a, done in zip(made, closed, strict=True) if done], today)
        counts["accidents"] = len(made)
        counts["closed"] = sum(closed)
        audit.record(
            actor=None,
            action="load",
            object_type="accidents.demo",
            object_id=str(seed),
            object_repr="demo accidents",
            after=counts,
        )
    return counts


def load_gdp(content: bytes) -> dict[str, int]:
    """The GDP file through the import's own validation (every county may be loaded)."""
    rows = economy.read_rows(content)
    checker = economy._Checker(
        regions={r.code: r for r in Region.objects.filter(level=Level.COUNTY)},
        jurisdiction=Jurisdiction(path=None, everything=True),
        this_year=max(GDP_YEARS),
        default_source=economy.SYNTHETIC_SOURCE,
    )
    good = []
    for number, row in rows:
        found, problems = checker(number, row)
        if problems or found is None:
            raise ValueError(f"{gdp_file().name} row {number}: {problems}")
        good.append(found)
    return economy.save_rows(None, good, synthetic=True)


def write_gdp_file(path: Path | None = None, seed: int = 20220101) -> int:
    """Regenerate the synthetic GDP file from the counties' census population."""
    rng = np.random.default_rng([seed, zlib.crc32(b"gdp")])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["区划代码", "名称", "年份", "GDP（亿元）", "来源"])
    n = 0
    for county in Region.objects.filter(level=Level.COUNTY).order_by("code"):
        per_head = PER_HEAD_2022 * float(rng.uniform(0.55, 1.9))
        gdp = county.population * per_head / 1e8
        for year in GDP_YEARS:
            writer.writerow(
                [county.path, county.name, year, f"{gdp:.2f}", economy.SYNTHETIC_SOURCE]
            )
            gdp *= 1 + float(rng.uniform(0.04, 0.07))
            n += 1
    (path or gdp_file()).write_text(out.getvalue(), encoding="utf-8")
    return n


def _when(rng: np.random.Generator, today: dt.date) -> dt.datetime:
    first = dt.date(2022, 1, 1)
    day = first + dt.timedelta(days=int(rng.integers(0, (today - first).days - 3)))
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(int(rng.integers(7, 19)), int(rng.integers(0, 60))))
    )


def _accident(rng: np.random.Generator, county: str, today: dt.date) -> Accident:
    weights = np.array([w for _k, w, _i, _t in KINDS], dtype=float)
    kind, _w, industry, title = KINDS[int(rng.choice(len(KINDS), p=weights / weights.sum()))]
    towns = list(Region.objects.filter(parent_id=county + "000000").order_by("code"))
    region = towns[int(rng.integers(0, len(towns)))] if towns else Region.objects.get(path=county)
    enterprise = _enterprise(rng, county)
    if enterprise is not None:
        region = enterprise.region
    larger = rng.random() < 0.12
    dead = int(rng.integers(3, 5)) if larger else int(rng.choice([0, 1, 1, 1, 2]))
    injured = int(rng.integers(0, 4))
    loss = Decimal(int(rng.integers(20, 400)) * 10_000)
    grading = decree.grade(dead, injured, loss)
    name = enterprise.name if enterprise else region.name
    return Accident(
        title=f"{name}{title}",
        accident_type=kind,
        occurred_at=_when(rng, today),
        summary=f"{DEMO}{name}发生一起{title[:-2]}，造成{dead}人死亡、{injured}人重伤，"
        f"直接经济损失约{loss / 10_000:.0f}万元。本记录为合成演示数据。",
        region=region,
        region_path=region.path,
        enterprise=enterprise,
        industry_code=enterprise.industry_code if enterprise else industry,
        industry_name=enterprise.industry_name if enterprise else "",
        dead=dead,
        missing=int(rng.random() < 0.05),
        seriously_injured=injured,
        direct_loss_yuan=loss,
        grade=grading.level,
        grade_decided_by=",".join(grading.decided_by),
        road_traffic=kind == "vehicle" and rng.random() < 0.5,
        synthetic=True,
    )


def _enterprise(rng: np.random.Generator, county: str) -> Enterprise | None:
    if county == "330106" and rng.random() < 0.15:  # the demo enterprise user's own
        account = EnterpriseAccount.objects.filter(user__username="xihu_company").first()
        if account is not None:
            return account.enterprise
    if rng.random() < 0.4:
        return None
    pool = Enterprise.objects.filter(region_path__startswith=county, voided_at__isnull=True)
    count = pool.count()
    return pool.order_by("pk")[int(rng.integers(0, count))] if count else None


def _event(accident: Accident, action: str, at: dt.datetime, note: str, *states: str) -> None:
    before, after = (*states, "", "")[:2]
    Event.objects.create(
        accident=accident,
        action=action,
        from_state=before,
        to_state=after,
        note=note,
        actor_label=DEMO,
        at=at,
    )


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _investigate(rng: np.random.Generator, accident: Accident, today: dt.date) -> bool:
    """An investigation as far as its age allows; True when it is closed."""
    level = catalogue.LEVEL_BY_GRADE[accident.grade]
    start = timezone.localtime(accident.occurred_at).date() + dt.timedelta(days=1)
    if (today - start).days < 3:  # the team is still being formed
        return False
    path = office_path(accident, level)
    place = Region.objects.filter(path=path).first()
    inv = Investigation(
        accident=accident,
        level=level,
        office_path=path,
        started_on=start,
        due_on=start,
        office=f"{place.name if place else path}人民政府事故调查组",
        team=[
            {"name": "示范组长", "unit": "应急管理局", "role": "组长"},
            {"name": "示范成员", "unit": "公安分局", "role": "成员"},
        ],
    )
    inv.due_on = due(inv)
    age = (today - start).days
    inv.state = State.OPEN
    _event(accident, "open", _at(start), inv.office, "", State.OPEN)
    if 60 < age <= 100:
        inv.extension_days, inv.extension_reason = 30, "等待技术鉴定结论（示范）"
        inv.due_on = due(inv)
        _event(
            accident,
            "extend",
            _at(start + dt.timedelta(days=55)),
            "延期 30 天（示范）",
            State.OPEN,
            State.OPEN,
        )
    if age > 100:
        inv.save()
        for i in range(int(rng.integers(1, 4))):
            Measure.objects.create(
                investigation=inv,
                text=MEASURES[(accident.pk + i) % len(MEASURES)],
                owner_unit=accident.enterprise.name if accident.enterprise else "属地街道",
                due_on=start + dt.timedelta(days=90),
                state=MeasureState.DONE,
                done_on=start + dt.timedelta(days=80),
                done_note="已完成整改",
                checked_on=start + dt.timedelta(days=95),
                check_result=str(rng.choice(["yes", "yes", "partly"])),
                checked_by="示范检查组",
            )
        Finding.objects.create(
            investigation=inv,
            subject="现场负责人（示范）",
            responsibility="direct",
            handling="fine",
        )
        inv.cause = "违章作业、安全管理不到位（合成演示数据）"
        inv.submitted_on = start + dt.timedelta(days=int(rng.integers(40, 58)))
        _attach_report(inv)
        inv.state, inv.closed_on = State.CLOSED, inv.submitted_on + dt.timedelta(days=12)
        inv.approval = "同意调查报告（示范）"
        _event(
            accident, "submit", _at(inv.submitted_on), "提交调查报告", State.OPEN, State.REPORTED
        )
        _event(accident, "close", _at(inv.closed_on), "结案", State.REPORTED, State.CLOSED)
    inv.save()
    return inv.state == State.CLOSED


def _attach_report(inv: Investigation) -> None:
    stored = documents.store(_Upload(f"{inv.accident.code}-report.pdf", _pdf(inv.accident)))
    inv.report_file, inv.report_name, inv.report_type = (
        stored.file,
        stored.name,
        stored.content_type,
    )
    inv.report_size, inv.report_sha256 = stored.size, stored.sha256


class _Upload(io.BytesIO):
    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name = name


def _pdf(accident: Accident) -> bytes:
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415 - only the demo draws PDFs
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: PLC0415
    from reportlab.pdfgen import canvas  # noqa: PLC0415

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 14)
    page.drawString(72, 760, f"{accident.title} 调查报告（合成演示数据，非真实文件）")
    page.setFont("STSong-Light", 11)
    page.drawString(72, 730, f"事故编号 {accident.code} · 等级 {accident.grade_name}")
    page.save()
    return buffer.getvalue()


def _evaluate_and_publish(rng: np.random.Generator, closed: list[Accident], today: dt.date) -> None:
    for index, accident in enumerate(closed):
        inv = accident.investigation
        after = inv.closed_on or inv.started_on
        if index % 4 != 3:  # about three in four: coverage shows the rest missing
            Evaluation.objects.create(
                accident=accident,
                evaluated_on=min(today, after + dt.timedelta(days=60)),
                evaluator="示范评估组",
                measures_implemented="yes" if rng.random() < 0.8 else "partly",
                score=int(rng.integers(70, 96)),
                conclusion="整改措施基本落实（示范）",
            )
        if index < 3:
            TypicalCase.objects.create(
                accident=accident,
                title=f"{accident.title}警示案例（示范）",
                public=True,
                body=accident.summary,
                lessons="严格落实安全生产责任制，作业前辨识风险（示范）。",
                published_at=_at(min(today, after + dt.timedelta(days=30))),
            )

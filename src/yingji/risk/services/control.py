"""管控力指数: how well each county is controlling its risk, from what the data shows; monthly.

Each component is a rate in [0, 1] over the county's enterprises; the index is 100 × their
weighted mean. A component with no denominator in a county (no hidden hazards found, no
alarms, no red or orange enterprise) is left out there and the other weights are rescaled,
so a county is neither rewarded nor punished for having nothing to control. Components that
need data Yingji does not hold yet (warning 叫应 before the warnings app) are listed with
``available: false`` and carry no weight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from yingji.core import audit
from yingji.regions.models import Level, Region
from yingji.risk.models import ControlIndex, CurrentRisk, RiskFacts


@dataclass(frozen=True)
class Component:
    key: str
    name: str
    weight: float
    explanation: str
    available: bool = True


COMPONENTS: Final = (
    Component("rectification", "隐患整改率", 0.25,
              "近12个月发现的隐患中已整改的比例 (rectified ÷ found, 12 months)"),
    Component("timeliness", "隐患按期整改率", 0.15,
              "已整改隐患中在期限内完成的比例 (rectified by the deadline ÷ rectified)"),
    Component("supervision", "红橙企业重点监管率", 0.20,
              "红色、橙色企业中已纳入重点监管的比例 (red/orange enterprises under supervision)"),
    Component("alarms", "监测报警处置率", 0.15,
              "近30日监测报警中已处置的比例 (alarms handled ÷ alarms, 30 days)"),
    Component("inspection", "执法检查覆盖率", 0.25,
              "近12个月接受过执法检查的企业比例 (enterprises inspected in 12 months)"),
    Component("acknowledgement", "预警叫应率", 0.0,
              "预警发布后责任人按时应答的比例：预警模块上线后计入 (after the warnings app)",
              available=False),
)  # fmt: skip


def month_start(day: dt.date | None = None) -> dt.date:
    day = day or timezone.localdate()
    return day.replace(day=1)


def _ratios() -> dict[str, dict[str, tuple[float, float]]]:
    """(numerator, denominator) per county path and component."""
    county = Substr("enterprise__region_path", 1, 6)
    facts = (
        RiskFacts.objects.filter(voided_at__isnull=True, enterprise__voided_at__isnull=True)
        .annotate(county=county)
        .order_by()
        .values("county")
        .annotate(
            found=Sum("hazards_found_12m"),
            rectified=Sum("hazards_rectified_12m"),
            on_time=Sum("hazards_on_time_12m"),
            alarms=Sum("alarms_30d"),
            handled=Sum("alarms_handled_30d"),
            enterprises=Count("pk"),
            inspected=Count("pk", filter=Q(inspected_12m=True)),
        )
    )
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for row in facts:
        found, rectified = row["found"] or 0, row["rectified"] or 0
        out[row["county"]] = {
            "rectification": (min(rectified, found), found),
            "timeliness": (min(row["on_time"] or 0, rectified), rectified),
            "alarms": (min(row["handled"] or 0, row["alarms"] or 0), row["alarms"] or 0),
            "inspection": (row["inspected"], row["enterprises"]),
        }
    high = (
        CurrentRisk.objects.filter(colour__gte=2, enterprise__voided_at__isnull=True)
        .annotate(county=Substr("region_path", 1, 6))
        .order_by()
        .values("county")
        .annotate(
            n=Count("pk"),
            supervised=Count("pk", filter=Q(enterprise__facts__under_supervision=True)),
        )
    )
    for row in high:
        out.setdefault(row["county"], {})["supervision"] = (row["supervised"], row["n"])
    return out


def combine(ratios: dict[str, tuple[float, float]]) -> tuple[float | None, list[dict[str, Any]]]:
    """The index and its explained components for one county (None: nothing to measure)."""
    parts: list[dict[str, Any]] = []
    used = 0.0
    total = 0.0
    for c in COMPONENTS:
        numerator, denominator = ratios.get(c.key, (0.0, 0.0))
        counted = c.available and denominator > 0
        rate = numerator / denominator if denominator > 0 else None
        parts.append({
            "key": c.key, "name": c.name, "explanation": c.explanation, "weight": c.weight,
            "available": c.available, "numerator": numerator, "denominator": denominator,
            "rate": None if rate is None else round(rate, 4), "counted": counted,
        })  # fmt: skip
        if counted and rate is not None:
            used += c.weight
            total += c.weight * rate
    if used == 0:
        return None, parts
    for part in parts:
        part["effective_weight"] = round(part["weight"] / used, 4) if part["counted"] else 0.0
    return round(100 * total / used, 1), parts


def publish(month: dt.date | None = None, *, actor: Any = None) -> int:
    """Compute the index of every county for ``month`` (default: this month); rows written."""
    first = month_start(month)
    ratios = _ratios()
    counties = list(Region.objects.filter(level=Level.COUNTY).values_list("code", "path"))
    rows = []
    for code, path in counties:
        value, parts = combine(ratios.get(path, {}))
        if value is not None:
            rows.append((code, path, first, value, parts))
    with transaction.atomic():
        for code, path, first_day, value, parts in rows:  # about 90 counties
            ControlIndex.objects.update_or_create(
                region_id=code,
                month=first_day,
                defaults={"region_path": path, "value": value, "components": parts},
            )
        audit.record(
            actor=actor,
            action="publish",
            object_type="risk.controlindex",
            object_id=first.isoformat(),
            object_repr=f"管控力指数 {first:%Y-%m}",
            after={"counties": len(rows)},
        )
    return len(rows)

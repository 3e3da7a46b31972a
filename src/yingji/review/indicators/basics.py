"""基层基础 and 综合保障: shelters standardised (规范化) and visualised (可视化) from the shelter
registry's flags, and electronic plans (应急预案电子化) from the plan library."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q

from yingji.plans.models import Action, Plan, PlanRole, Status
from yingji.registry.models.shelter import Shelter, ShelterLevel
from yingji.review.indicators import base
from yingji.review.indicators.base import Result


def _shelters(scope: str, population: Q, hit: Q) -> Result:
    live = Shelter.objects.filter(population, voided_at__isnull=True)
    table = base.grouped(live, "region_path", scope, den=Count("pk"), num=Count("pk", filter=hit))
    return base.ratio_result(scope, base.pairs(table, "num", "den"))


def shelters_standardised(scope: str, as_of: dt.date) -> Result:
    return _shelters(scope, Q(), Q(standardised=True))


def township_shelters_standardised(scope: str, as_of: dt.date) -> Result:
    return _shelters(scope, Q(level=ShelterLevel.TOWNSHIP), Q(standardised=True))


def shelters_visualised(scope: str, as_of: dt.date) -> Result:
    return _shelters(scope, Q(), Q(visualised=True))


def electronic_plans(scope: str, as_of: dt.date) -> Result:
    """Current plans held as structured data — roles and per-level actions the platform can
    activate into tasks (文本电子化、流程可视化) — ÷ current plans in the library."""
    current = Plan.objects.filter(status=Status.CURRENT).annotate(
        _acts=Exists(Action.objects.filter(plan=OuterRef("pk"))),
        _roles=Exists(PlanRole.objects.filter(plan=OuterRef("pk"))),
    )
    table = base.grouped(
        current, "region_path", scope,
        den=Count("pk"), num=Count("pk", filter=Q(_acts=True, _roles=True)),
    )  # fmt: skip
    return base.ratio_result(scope, base.pairs(table, "num", "den"))

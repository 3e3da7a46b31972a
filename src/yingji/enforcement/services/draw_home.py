"""The enforcement home page's figures, each read through the scoped selectors, so a county
sees its county, an inspector their own tasks, and an enterprise its own records only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, Q
from django.utils import timezone

from yingji.enforcement import selectors
from yingji.enforcement.models import (
    CaseState,
    CodeColour,
    DrawPlan,
    PlanState,
    TaskState,
)
from yingji.hazards.selectors import enterprise_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

SOON_DAYS: Final = 7
OPEN_TASKS: Final = (TaskState.ASSIGNED, TaskState.IN_PROGRESS)
OPEN_CASES: Final = (CaseState.FILED, CaseState.NOTIFIED, CaseState.DECIDED)


@dataclass
class Summary:
    kind: str  # "staff", "inspector" or "enterprise"
    place: str
    enterprise: Any = None
    plans: dict[str, int] = field(default_factory=dict)
    recent_plans: list[DrawPlan] = field(default_factory=list)
    tasks: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    publications: dict[str, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    own_code: Any = None
    own_rating: Any = None


def _by(queryset: Any, name: str) -> dict[str, int]:
    return {str(k): n for k, n in queryset.order_by().values_list(name).annotate(n=Count("pk"))}


def summary(actor: Actor, today: dt.date | None = None) -> Summary:
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=SOON_DAYS)
    own = enterprise_of(actor) if selectors.is_enterprise(actor) else None
    kind = (
        "enterprise"
        if selectors.is_enterprise(actor)
        else ("inspector" if selectors.is_field_inspector(actor) else "staff")
    )
    region = getattr(actor, "region", None)
    result = Summary(
        kind=kind, place=own.name if own else (region.name if region else ""), enterprise=own
    )
    tasks = selectors.tasks(actor)
    open_tasks = Q(state__in=OPEN_TASKS)
    result.tasks = {
        **_by(tasks, "state"),
        **tasks.aggregate(
            open=Count("pk", filter=open_tasks),
            overdue=Count("pk", filter=open_tasks & Q(due_on__lt=today)),
            due_soon=Count("pk", filter=open_tasks & Q(due_on__gte=today, due_on__lte=soon)),
        ),
    }
    cases = selectors.cases(actor)
    result.cases = {**_by(cases, "state"), "open": cases.filter(state__in=OPEN_CASES).count()}
    pending = selectors.publications(actor).filter(
        published_at__isnull=True, withdrawn_at__isnull=True
    )
    result.publications = pending.aggregate(
        due=Count("pk", filter=Q(due_on__gte=today)),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
    )
    codes = selectors.codes(actor)
    result.codes = dict.fromkeys(CodeColour.values, 0) | _by(codes, "colour")
    if own is not None:
        result.own_code = codes.first()
        result.own_rating = selectors.ratings(actor).first()
        return result
    plans = selectors.plans(actor)
    result.plans = dict.fromkeys(PlanState.values, 0) | _by(plans, "state")
    result.recent_plans = list(
        plans.select_related("item", "region")
        .annotate(task_count=Count("tasks"))
        .order_by("-created_at")[:5]
    )
    return result

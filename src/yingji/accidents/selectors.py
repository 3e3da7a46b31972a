"""Accident reads, always limited to what the actor may see.

Staff see the accidents of their jurisdiction (the region subtree, through
:func:`yingji.core.scoping.scope`). An enterprise user (企业安全管理人员) sees only the
accidents of their own enterprise, whatever its region. Anything else is *not found* (404),
never *forbidden*, so nobody learns that an accident elsewhere exists.

:func:`for_enterprise` is the one unscoped read: other apps (the enterprise credit rating,
the safety code) ask for an enterprise's accident history with it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yingji.accidents.catalogue import AccidentType
from yingji.accidents.models import Accident, Investigation, State, TypicalCase
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require, roles_of
from yingji.core.scoping import scope
from yingji.hazards.selectors import enterprise_of
from yingji.incidents import catalogue as incident_catalogue
from yingji.incidents.models import Incident
from yingji.kernels import codes

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_PK: Final = 2**63 - 1
INVESTIGATION_FILTERS: Final = ("none", *State.values, "overdue")


def is_enterprise_user(actor: Actor) -> bool:
    return "enterprise_user" in roles_of(actor) and not actor.is_superuser


def visible(actor: Actor) -> QuerySet[Accident]:
    """Every accident the actor may see (voided ones included: a detail page shows them)."""
    require(actor, Cap.VIEW_ACCIDENTS)
    qs = Accident.objects.all()
    if is_enterprise_user(actor):
        own = enterprise_of(actor)
        return qs.filter(enterprise=own) if own is not None else qs.none()
    return scope(qs, actor)


def get_accident(actor: Actor, pk: Any, *, for_update: bool = False) -> Accident:
    qs = visible(actor).select_related("region", "enterprise", "incident")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    text = str(pk).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PK:
        raise NotFound(f"No accident {text[:20]} in your jurisdiction")
    try:
        return qs.get(pk=int(text))
    except Accident.DoesNotExist as exc:
        raise NotFound(f"No accident {text[:20]} in your jurisdiction") from exc


def investigation_of(accident: Accident) -> Investigation | None:
    try:
        return accident.investigation
    except Investigation.DoesNotExist:
        return None


def search(
    actor: Actor,
    *,
    q: str = "",
    grade: str = "",
    accident_type: str = "",
    region: str = "",
    year: str = "",
    investigation: str = "",
    evaluated: str = "",
    enterprise: str = "",
    voided: bool = False,
) -> QuerySet[Accident]:
    """The list: filters as given by a page or the API; a bad filter is 422 naming it."""
    qs = visible(actor).select_related("region", "enterprise", "investigation", "evaluation")
    qs = qs if voided else qs.filter(voided_at__isnull=True)
    if grade != "":
        if grade not in ("0", "1", "2", "3"):
            raise InvalidInput(f"grade: {grade[:10]!r} is not 0, 1, 2 or 3", field="grade")
        qs = qs.filter(grade=int(grade))
    if accident_type:
        if accident_type not in AccidentType.values:
            raise InvalidInput(
                f"accident_type: unknown {accident_type[:20]!r}", field="accident_type"
            )
        qs = qs.filter(accident_type=accident_type)
    qs = _where_and_when(qs, region, year)
    if investigation:
        qs = _by_investigation(qs, investigation)
    if evaluated in ("yes", "no"):
        qs = qs.filter(evaluation__isnull=evaluated == "no")
    elif evaluated:
        raise InvalidInput(f"evaluated: {evaluated[:10]!r} is not yes or no", field="evaluated")
    if enterprise:
        ok = enterprise.isascii() and enterprise.isdigit() and len(enterprise) < 19
        qs = qs.filter(enterprise_id=int(enterprise) if ok else -1)
    if q:
        words = q.strip()[:60]
        qs = qs.filter(
            Q(title__icontains=words)
            | Q(code__icontains=words)
            | Q(enterprise__name__icontains=words)
        )
    return qs.order_by("-occurred_at", "-pk")


def _where_and_when(qs: QuerySet[Accident], region: str, year: str) -> QuerySet[Accident]:
    if region:
        try:
            low, high = codes.subtree_bounds(codes.short(region))
        except codes.CodeError as exc:
            raise InvalidInput(f"region {region[:20]!r}: {exc}", field="region") from exc
        qs = qs.filter(region_path__gte=low, region_path__lt=high)
    if year:
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            raise InvalidInput(f"year: {year[:10]!r} is not a year", field="year")
        start = timezone.make_aware(dt.datetime(int(year), 1, 1))  # noqa: DTZ001 - made aware
        qs = qs.filter(occurred_at__gte=start, occurred_at__lt=start.replace(year=start.year + 1))
    return qs


def _by_investigation(qs: QuerySet[Accident], state: str) -> QuerySet[Accident]:
    if state not in INVESTIGATION_FILTERS:
        raise InvalidInput(
            f"investigation: {state[:20]!r} is not one of {', '.join(INVESTIGATION_FILTERS)}",
            field="investigation",
        )
    if state == "none":
        return qs.filter(investigation__isnull=True)
    if state == "overdue":
        today = timezone.localdate()
        return qs.filter(investigation__state=State.OPEN, investigation__due_on__lt=today)
    return qs.filter(investigation__state=state)


def coverage(qs: QuerySet[Accident]) -> dict[str, Any]:
    """Evaluation coverage: accidents evaluated ÷ accidents whose investigation is closed."""
    live = qs.filter(voided_at__isnull=True)
    figures = live.aggregate(
        closed=Count("pk", filter=Q(investigation__state=State.CLOSED)),
        evaluated=Count("pk", filter=Q(evaluation__isnull=False)),
    )
    closed, evaluated = int(figures["closed"] or 0), int(figures["evaluated"] or 0)
    return {
        "closed": closed,
        "evaluated": evaluated,
        "rate": round(evaluated / closed, 4) if closed else None,
    }


def for_enterprise(enterprise_id: int, since: dt.date) -> list[Accident]:
    """The enterprise's accidents on or after ``since`` (local date), not voided, newest first.

    Unscoped on purpose: the credit rating and the safety code of an enterprise are computed
    by jobs with no user, and an accident counts against its enterprise wherever it happened.
    """
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    return list(
        Accident.objects.filter(
            enterprise_id=enterprise_id, voided_at__isnull=True, occurred_at__gte=start
        ).order_by("-occurred_at", "-pk")
    )


def linkable_incidents(actor: Actor) -> QuerySet[Incident]:
    """Work-safety incidents of the actor's jurisdiction that have no accident record yet."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    types = [code for code, _ in incident_catalogue.TYPES["accident"]]
    return (
        scope(Incident.objects.all(), actor)
        .filter(event_type__in=types, exercise=False, accident_record__isnull=True)
        .order_by("-occurred_at")
    )


def public_cases() -> QuerySet[TypicalCase]:
    """Typical cases published for everyone (the public pages need no login)."""
    return (
        TypicalCase.objects.filter(public=True, accident__voided_at__isnull=True)
        .select_related("accident", "accident__region")
        .order_by("-published_at")
    )

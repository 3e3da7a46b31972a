"""Enforcement reads, always limited to what the user may see (the scoping of issue 9).

- Staff see the rows of their jurisdiction (the region subtree of their home region).
- An inspector (执法人员) sees the inspection tasks they are on, and nothing of anyone
  else's tasks, even in their own county; the documents and cases of those tasks likewise.
- An enterprise user sees their own enterprise's tasks, documents, cases, publications,
  credit and safety code only, whatever its region.

Objects outside what a user may see are *not found* (404), never *forbidden*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet

from yingji.core.errors import NotFound
from yingji.core.permissions import Cap, has, require, roles_of
from yingji.core.scoping import scope
from yingji.enforcement.models import (
    CreditRating,
    DrawPlan,
    EnforcementDocument,
    InspectionTask,
    Inspector,
    PenaltyCase,
    Publication,
    SafetyCode,
    TaskInspector,
)
from yingji.hazards.selectors import enterprise_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

M = TypeVar("M", bound=Model)


def inspector_of(actor: Actor) -> Inspector | None:
    """The pool entry of an inspector account (None for anyone else)."""
    if not actor.is_authenticated:
        return None
    cached = getattr(actor, "_yingji_inspector", False)
    if cached is False:
        cached = Inspector.objects.filter(user=actor, voided_at__isnull=True).first()
        actor._yingji_inspector = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


def is_field_inspector(actor: Actor) -> bool:
    """An inspector without bureau-staff rights: limited to their own tasks."""
    return (
        "inspector" in roles_of(actor)
        and not has(actor, Cap.MANAGE_ENFORCEMENT)
        and not actor.is_superuser
    )


def is_enterprise(actor: Actor) -> bool:
    return "enterprise_user" in roles_of(actor) and not actor.is_superuser


def _own_enterprise(qs: QuerySet[M], actor: Actor, field: str = "enterprise") -> QuerySet[M]:
    own = enterprise_of(actor)
    return qs.filter(**{field: own}) if own is not None else qs.none()


def tasks(actor: Actor) -> QuerySet[InspectionTask]:
    require(actor, Cap.VIEW_ENFORCEMENT)
    qs = InspectionTask.objects.all()
    if is_enterprise(actor):
        return _own_enterprise(qs, actor)
    if is_field_inspector(actor):
        me = inspector_of(actor)
        if me is None:
            return qs.none()
        # A subquery, not a join with DISTINCT: the result can be locked (FOR UPDATE) on PG.
        return qs.filter(pk__in=TaskInspector.objects.filter(inspector=me).values("task_id"))
    return scope(qs, actor)


def documents(actor: Actor) -> QuerySet[EnforcementDocument]:
    require(actor, Cap.VIEW_ENFORCEMENT)
    qs = EnforcementDocument.objects.all()
    if is_enterprise(actor):
        return _own_enterprise(qs, actor)
    if is_field_inspector(actor):
        return qs.filter(task__in=tasks(actor))
    return scope(qs, actor)


def cases(actor: Actor) -> QuerySet[PenaltyCase]:
    require(actor, Cap.VIEW_ENFORCEMENT)
    qs = PenaltyCase.objects.all()
    if is_enterprise(actor):
        return _own_enterprise(qs, actor)
    if is_field_inspector(actor):
        return qs.filter(task__in=tasks(actor))
    return scope(qs, actor)


def publications(actor: Actor) -> QuerySet[Publication]:
    require(actor, Cap.VIEW_ENFORCEMENT)
    qs = Publication.objects.all()
    if is_enterprise(actor):
        return _own_enterprise(qs, actor)
    if is_field_inspector(actor):
        return qs.filter(task__in=tasks(actor))
    return scope(qs, actor)


def plans(actor: Actor) -> QuerySet[DrawPlan]:
    """Draw plans: bureau staff and read roles of the jurisdiction; not enterprises."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    if is_enterprise(actor):
        return DrawPlan.objects.none()
    return scope(DrawPlan.objects.all(), actor)


def ratings(actor: Actor) -> QuerySet[CreditRating]:
    require(actor, Cap.VIEW_ENFORCEMENT)
    qs = CreditRating.objects.all()
    return _own_enterprise(qs, actor) if is_enterprise(actor) else scope(qs, actor)


def codes(actor: Actor) -> QuerySet[SafetyCode]:
    require(actor, Cap.VIEW_ENFORCEMENT)
    qs = SafetyCode.objects.all()
    return _own_enterprise(qs, actor) if is_enterprise(actor) else scope(qs, actor)


def get(qs: QuerySet[M], pk: Any, label: str, *, for_update: bool = False) -> M:
    """One row of an already scoped queryset, or NotFound (also for a malformed key)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No {label} matches id={pk!s:.40}") from None
    if not 0 < key < 2**63:
        raise NotFound(f"No {label} matches id={key}")
    if for_update:
        qs = qs.select_for_update(of=("self",))  # not the nullable side of a select_related
    try:
        return qs.get(pk=key)
    except qs.model.DoesNotExist:  # type: ignore[attr-defined]
        raise NotFound(f"No {label} matches id={key}") from None

"""Hidden-hazard reads, always limited to what the user may see.

Staff and grid workers see the hazards of their jurisdiction (the region subtree). An
enterprise user (企业安全管理人员) sees only their own enterprise's hazards, whatever its
region, and never a location-only report (a grid worker's patrol find on a street).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from yingji.core import tablecache
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require, roles_of
from yingji.core.scoping import scope
from yingji.hazards.models import OPEN_STATES, Grade, HiddenHazard, State
from yingji.kernels import codes
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser


def enterprise_of(actor: Actor | None) -> Enterprise | None:
    """The enterprise an enterprise user acts for (None for everyone else)."""
    if actor is None or not actor.is_authenticated or "enterprise_user" not in roles_of(actor):
        return None
    cached = getattr(actor, "_yingji_enterprise", False)
    if cached is False:
        account = EnterpriseAccount.objects.select_related("enterprise").filter(user=actor).first()
        cached = account.enterprise if account else None
        actor._yingji_enterprise = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


def visible(actor: Actor) -> QuerySet[HiddenHazard]:
    """Every hazard the actor may see."""
    require(actor, Cap.VIEW_HAZARDS)
    qs = HiddenHazard.objects.all()
    if "enterprise_user" in roles_of(actor) and not actor.is_superuser:
        own = enterprise_of(actor)
        return qs.filter(enterprise=own) if own is not None else qs.none()
    return scope(qs, actor)


# What a hazard's page shows besides the hazard: read in the same query, not one by one.
PAGE_RELATED = ("region", "enterprise", "criterion", "supervision", "reported_by")


def get_hazard(
    actor: Actor, pk: Any, *, for_update: bool = False, related: tuple[str, ...] = ()
) -> HiddenHazard:
    """The hazard ``pk`` in the actor's jurisdiction (NotFound elsewhere), ``related`` joined
    (not with ``for_update``: a row lock cannot take the outer joins' nullable sides)."""
    qs = visible(actor)
    if for_update:
        qs = qs.select_for_update()
    elif related:
        qs = qs.select_related(*related)
    try:
        return qs.get(pk=int(pk))
    except (HiddenHazard.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound(f"No hidden hazard {pk} in your jurisdiction") from exc


def overdue(qs: QuerySet[HiddenHazard], today: dt.date | None = None) -> QuerySet[HiddenHazard]:
    today = today or timezone.localdate()
    return qs.filter(state__in=OPEN_STATES, deadline__lt=today)


def queue(
    actor: Actor,
    *,
    state: str = "",
    grade: str = "",
    source: str = "",
    region: str = "",
    overdue_only: bool = False,
    supervised: bool = False,
    text: str = "",
) -> QuerySet[HiddenHazard]:
    """The work queue: filters, overdue first, then the nearest deadline."""
    qs = visible(actor).select_related("enterprise", "criterion")
    if state:
        if state == "open":
            qs = qs.filter(state__in=OPEN_STATES)
        elif state in State.values:
            qs = qs.filter(state=state)
        else:
            raise InvalidInput(f"Unknown state {state[:20]!r}", field="state")
    if grade:
        if grade not in Grade.values:
            raise InvalidInput(f"Unknown grade {grade[:20]!r}", field="grade")
        qs = qs.filter(grade=grade)
    if source:
        qs = qs.filter(source=source[:20])
    if region:
        try:
            low, high = codes.subtree_bounds(codes.short(region))
        except codes.CodeError as exc:
            raise InvalidInput(f"region {region[:20]!r}: {exc}", field="region") from exc
        qs = qs.filter(region_path__gte=low, region_path__lt=high)
    if overdue_only:
        qs = overdue(qs)
    if supervised:
        qs = qs.filter(supervision__isnull=False, supervision__lifted_at__isnull=True)
    if text:
        words = text.strip()[:60]
        qs = qs.filter(
            Q(title__icontains=words)
            | Q(code__icontains=words)
            | Q(enterprise__name__icontains=words)
        )
    today = timezone.localdate()
    late = Q(state__in=OPEN_STATES, deadline__lt=today)
    flag = Case(When(late, then=Value(1)), default=Value(0), output_field=IntegerField())
    return qs.annotate(late=flag).order_by(
        F("late").desc(), F("deadline").asc(nulls_last=True), "-reported_at"
    )


# What a queue row shows (forms.queue_items), read as plain values: 30 rows as model
# instances with their enterprise, place and supervision cost three times the CPU.
LIST_FIELDS = (
    "pk", "code", "title", "address", "grade", "state", "deadline", "enterprise_id",
    "enterprise__name", "region__name", "supervision__id", "supervision__level",
    "supervision__office", "supervision__lifted_at",
)  # fmt: skip


def state_counts(actor: Actor, today: dt.date | None = None) -> tuple[dict[str, int], int]:
    """The actor's hazards counted by state, and how many open ones are past their deadline:
    one grouped query, kept by :mod:`yingji.core.tablecache` while the table is unchanged
    (the date is in the query, so the overdue figure is recomputed each day)."""
    today = today or timezone.localdate()
    late = Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=today))
    grouped = visible(actor).order_by().values_list("state").annotate(n=Count("pk"), late=late)
    found = tablecache.aggregate(
        "hazard-states-late", grouped,
        lambda: {state: (n, overdue) for state, n, overdue in grouped},
        rows=lambda found: sum(n for n, _ in found.values()),
    )  # fmt: skip
    return {state: n for state, (n, _) in found.items()}, sum(o for _, o in found.values())


def by_ids(ids: list[int]) -> list[dict[str, Any]]:
    """The :data:`LIST_FIELDS` of the hazards ``ids`` (already chosen within the jurisdiction
    and sorted), in that order: the joins run on one page's rows, not on every hazard the
    sort looked at."""
    if not ids:
        return []
    found = {v["pk"]: v for v in HiddenHazard.objects.filter(pk__in=ids).values(*LIST_FIELDS)}
    return [found[pk] for pk in ids if pk in found]

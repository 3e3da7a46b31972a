"""Reads of the core app, always jurisdiction-scoped."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet

from yingji.core.errors import NotFound
from yingji.core.models import AuditEntry, Job, User, UserRole
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped, scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def users_for(
    actor: User | AnonymousUser,
    *,
    q: str = "",
    role: str = "",
    region_path: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    """Accounts whose home region lies within the actor's jurisdiction."""
    require(actor, Cap.MANAGE_USERS)
    queryset = scope(User.objects.select_related("region"), actor).prefetch_related(
        Prefetch("role_rows", queryset=UserRole.objects.order_by("role"))
    )
    if q:
        queryset = queryset.filter(
            Q(username__icontains=q) | Q(display_name__icontains=q) | Q(phone__startswith=q)
        )
    if role:
        queryset = queryset.filter(role_rows__role=role)
    if region_path:
        queryset = queryset.filter(region__path__startswith=region_path)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.order_by("username").distinct()


def user_for(actor: User | AnonymousUser, user_id: int) -> User:
    return get_scoped(users_for(actor), actor, label="user", pk=user_id)


def audit_for(
    actor: User | AnonymousUser,
    *,
    object_type: str = "",
    object_id: str = "",
    actor_label: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    q: str = "",
) -> QuerySet[AuditEntry]:
    """Audit entries about objects within the actor's jurisdiction, newest first."""
    require(actor, Cap.VIEW_AUDIT)
    exact = {"object_type": object_type, "object_id": object_id, "actor_label": actor_label,
             "action": action, "at__gte": since, "at__lt": until}  # fmt: skip
    queryset = scope(AuditEntry.objects.all(), actor).filter(
        **{lookup: value for lookup, value in exact.items() if value}
    )
    if q:
        queryset = queryset.filter(Q(object_repr__icontains=q) | Q(message__icontains=q))
    return queryset.order_by("-at", "-id")


def jobs_for(actor: User | AnonymousUser) -> QuerySet[Job]:
    """Jobs about the actor's jurisdiction, and the jobs the actor started."""
    if not actor.is_authenticated:
        return Job.objects.none()
    return (scope(Job.objects.all(), actor) | Job.objects.filter(created_by=actor)).distinct()


def job_for(actor: User | AnonymousUser, job_id: str) -> Job:
    try:
        return jobs_for(actor).get(pk=job_id)
    except (Job.DoesNotExist, ValidationError) as exc:
        raise NotFound(f"No job {job_id[:40]}") from exc

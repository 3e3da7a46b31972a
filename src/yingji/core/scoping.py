"""Jurisdiction scoping: the security model of Yingji.

Every user has a home region; a user sees region-owned rows of that region's subtree only.
A model opts in by naming, in ``scope_path_field``, the lookup that reaches a region short
code (``"region__path"`` for a model with a ``region`` foreign key, ``"path"`` for Region
itself). Because short codes nest as string prefixes, the subtree filter is a single indexed
range condition (``path >= '330106' AND path < '330107'``) — no recursive query, no per-row
check.

Every selector and API endpoint that reads region-owned data goes through :func:`scope`;
objects outside the jurisdiction are reported as *not found* (404), never *forbidden*, so a
user cannot learn that they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from yingji.core.errors import InvalidInput, NotFound
from yingji.kernels import codes
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Jurisdiction:
    """What a user may see: everything (superuser), a subtree, or nothing."""

    path: str | None  # short code of the home region; None with everything=False means nothing
    everything: bool = False

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.path

    def covers(self, path: str | None) -> bool:
        if self.everything:
            return True
        return bool(self.path and path and path.startswith(self.path))


def jurisdiction_of(user: User | AnonymousUser) -> Jurisdiction:
    if not user.is_authenticated or not user.is_active:
        return Jurisdiction(path=None)
    if user.is_superuser:
        return Jurisdiction(path=None, everything=True)
    region = user.region  # type: ignore[union-attr]
    return Jurisdiction(path=region.path if region is not None else None)


def scope_field(model: type[models.Model]) -> str:
    field = getattr(model, "scope_path_field", None)
    if not field:
        raise TypeError(f"{model.__name__} is not region-scoped: give it scope_path_field")
    return str(field)


def scope(queryset: models.QuerySet[M], user: User | AnonymousUser) -> models.QuerySet[M]:
    """Restrict ``queryset`` to the rows within ``user``'s jurisdiction."""
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.everything:
        return queryset
    if jurisdiction.nothing:
        return queryset.none()
    field = scope_field(queryset.model)
    low, high = codes.subtree_bounds(jurisdiction.path or "")
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lt": high})


def get_scoped(
    queryset: models.QuerySet[M],
    user: User | AnonymousUser,
    *,
    label: str = "object",
    **lookup: Any,
) -> M:
    """One object within the jurisdiction, or :class:`NotFound` (also when it exists elsewhere)."""
    try:
        return scope(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise NotFound(f"No {label} matches {_describe(lookup)}") from exc


def _describe(lookup: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in lookup.items()) or "the request"


def home_region(user: User | AnonymousUser) -> Region:
    """The user's home region (the province for a superuser without one)."""
    return Region.objects.get(path=jurisdiction_of(user).path or "33")


def region_for(user: User | AnonymousUser, code: str = "") -> Region:
    """The region of ``code`` (default: home) that a page or report is about; InvalidInput for
    a malformed code, NotFound outside the user's jurisdiction (both naming field "region")."""
    code = (code or "").strip()[:20]
    if not code:
        return home_region(user)
    try:
        full = codes.to_12(code)
    except codes.CodeError as exc:
        raise InvalidInput(f"region {code!r}: {exc}", field="region") from exc
    region = Region.objects.filter(code=full).first()
    if region is None or not jurisdiction_of(user).covers(region.path):
        raise NotFound(f"No region {code!r} in your jurisdiction", field="region")
    return region

"""The audit trail: services call :func:`record` for every write and state transition.

``snapshot`` captures an object's field values as JSON-safe data before and after a change;
``record`` stores who (actor), when, from where (request context), which object and what
changed. Entries are never updated or deleted by the application.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core import context
from yingji.core.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

# How actions read on pages; apps add theirs (state transitions) next to their state machine.
ACTION_LABELS: dict[str, Any] = {
    "create": _("created"),
    "update": _("changed"),
    "revoke": _("revoked"),
    "start": _("started"),
    "load": _("loaded"),
    "login": _("signed in"),
    "logout": _("signed out"),
    "login_failed": _("failed sign-in"),
    "lockout": _("account locked"),
}

# Never copied into the audit trail, whatever model they sit on.
SECRET_FIELDS = frozenset({"password", "token_hash"})


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Concrete field values of ``obj`` (foreign keys as their raw id), secrets left out."""
    names = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS or (names is not None and field.name not in names):
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    before, after = before or {}, after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    region_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
    actor_label: str | None = None,
) -> AuditEntry:
    """Store one audit entry. Call inside the service's transaction so both commit together."""
    meta = context.current()
    authenticated = actor is not None and actor.is_authenticated
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,  # type: ignore[misc]
        actor_label=(
            actor_label
            or (actor.get_username() if authenticated and actor else f"({meta.channel})")
        )[:150],
        ip=meta.ip,
        user_agent=meta.user_agent[:256],
        action=action[:32],
        object_type=(object_type or "")[:64],
        object_id=(object_id or "")[:64],
        object_repr=(object_repr or "")[:200],
        region_path=region_path[:12],
        changes=diff(before, after),
        before=before,
        after=after,
        message=message[:500],
    )

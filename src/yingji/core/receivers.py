"""Audit receivers for authentication events (signals are for audit only, never rules)."""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from yingji.core import audit
from yingji.core.models import User

logger = logging.getLogger("yingji.security")


def _region_path(username: str) -> str:
    user = User.objects.filter(username=username).select_related("region").first()
    return user.region.path if user and user.region else ""


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit.record(
        actor=user, action="login", obj=user, region_path=user.region.path if user.region else ""
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(
            actor=user,
            action="logout",
            obj=user,
            region_path=user.region.path if user.region else "",
        )


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        actor=None,
        actor_label=username,
        action="login_failed",
        object_type="core.user",
        object_id=username,
        object_repr=username,
        region_path=_region_path(username),
        message="wrong username or password",
    )


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    logger.warning(
        "account %r locked out after repeated failed logins (last from %s)", username, ip_address
    )
    audit.record(
        actor=None,
        actor_label=str(username)[:150],
        action="lockout",
        object_type="core.user",
        object_id=str(username)[:64],
        object_repr=str(username)[:200],
        region_path=_region_path(str(username)),
        message=f"account locked after repeated failed logins from {ip_address}",
    )

"""The notifier interface: tell people something, through every configured channel.

A channel is a :class:`Notifier`. The in-app inbox is always on; other channels (SMS, voice,
WeChat — the warnings issue adds them) register through the ``yingji.notifiers`` entry-point
group, so a province can plug in its carrier's gateway without forking. :func:`notify` writes
the in-app messages in the caller's transaction and hands the same message to the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Protocol

from django.db.models import Model, QuerySet
from django.utils import timezone

from yingji.core.models import Notification, User, UserRole
from yingji.core.permissions import ROLE_CAPABILITIES, Cap

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    body: str = ""
    link: str = ""
    object_type: str = ""
    object_id: str = ""


class Notifier(Protocol):
    name: str

    def send(self, recipients: Sequence[User], message: Message) -> None: ...


class InApp:
    """Notification rows, read in the page header's inbox."""

    name = "in_app"

    def send(self, recipients: Sequence[User], message: Message) -> None:
        Notification.objects.bulk_create(
            Notification(
                recipient=user,
                kind=message.kind[:40],
                title=message.title[:200],
                body=message.body,
                link=message.link[:300],
                object_type=message.object_type[:60],
                object_id=message.object_id[:64],
            )
            for user in recipients
        )


@cache
def channels() -> tuple[Notifier, ...]:
    """The in-app channel and every plug-in registered under ``yingji.notifiers``."""
    found: list[Notifier] = [InApp()]
    for point in entry_points(group="yingji.notifiers"):
        try:
            found.append(point.load()())
        except Exception:  # a broken plug-in must not stop notifications
            logger.exception("notifier plug-in %s could not be loaded", point.name)
    return tuple(found)


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    obj: Model | None = None,
) -> int:
    """Send one message to each distinct active recipient; returns how many were told."""
    users = list({u.pk: u for u in recipients if u.is_active}.values())
    if not users:
        return 0
    message = Message(
        kind, title, body, link, obj._meta.label_lower if obj else "", str(obj.pk) if obj else ""
    )
    for channel in channels():
        channel.send(users, message)
    return len(users)


def office(path: str, cap: Cap) -> list[User]:
    """The staff of one office: active users whose home region is ``path`` with ``cap``."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if cap in caps]
    ids = UserRole.objects.filter(role__in=roles, user__region__path=path).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def inbox(user: User) -> QuerySet[Notification]:
    """A user's in-app messages (their own only)."""
    return Notification.objects.filter(recipient=user)


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread messages read (all, or those ``ids``); how many changed."""
    unread = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())

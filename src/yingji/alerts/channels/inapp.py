"""In-app (APP推送): the warning appears in the Yingji inbox of the person's account.

A responsible person registered with the ``app`` channel is reached through the active Yingji
account that has their mobile phone. The message becomes a notification in that account's
inbox (the bell on every page and the mobile pages), linked to the 叫应 reply page, so the
person acknowledges in the app with one tap. Delivery is immediate and confirmed, so the row
becomes ``delivered`` at once. A person with no account for that phone cannot be reached
this way: the row is dead-lettered with that reason, visible on the warning's page, and the
person's other channels still carry the warning.

Exactly once: the notification records the outbox row id (``object_type`` =
``alerts.delivery``), and a row sent again after a worker crash finds its notification
instead of creating a second one.

No settings are needed; ``CHANNELS["app"]`` may set ``rate_per_second`` (2000) and
``batch_size`` (500).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Final

from yingji.alerts.channels import _support
from yingji.alerts.channels.base import Outgoing, Receipt

KIND: Final = "warning"
OBJECT_TYPE: Final = "alerts.delivery"
_LINK = re.compile(r"/alerts/(?:ack|unsubscribe)/[\w-]+/")


class InApp:
    name = "app"
    needs_settings = False  # always available: it writes to Yingji's own database

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        conf = _support.channel_settings(self.name, config)
        self.rate_per_second = _support.number(conf, "rate_per_second", 2000)
        self.batch_size = _support.whole(conf, "batch_size", 500)

    def send(self, batch: Sequence[Outgoing]) -> list[Receipt]:
        from yingji.core.models import Notification, User  # noqa: PLC0415 - app registry

        if not batch:
            return []
        ids = [str(item.id) for item in batch]
        known = dict(
            Notification.objects.filter(object_type=OBJECT_TYPE, object_id__in=ids).values_list(
                "object_id", "pk"
            )
        )
        accounts: dict[str, list[int]] = defaultdict(list)
        for pk, phone in User.objects.filter(
            is_active=True, phone__in={item.address for item in batch}
        ).values_list("pk", "phone"):
            accounts[phone].append(pk)
        receipts: dict[int, Receipt] = {}
        fresh: list[tuple[Outgoing, Notification]] = []
        for item in batch:
            if str(item.id) in known:  # sent before a crash: already in the inbox
                receipts[item.id] = _delivered(item.id, known[str(item.id)])
                continue
            users = accounts.get(item.address)
            if not users:
                receipts[item.id] = Receipt(
                    item.id, ok=False, retry=False,
                    error=f"no active Yingji account has the phone {item.address}",
                )  # fmt: skip
                continue
            fresh.append((item, Notification(
                recipient_id=min(users), kind=KIND, title=item.subject[:200], body=item.text,
                link=_link(item.text), object_type=OBJECT_TYPE, object_id=str(item.id),
            )))  # fmt: skip
        created = Notification.objects.bulk_create([n for _, n in fresh])
        for (item, _), notification in zip(fresh, created, strict=True):
            receipts[item.id] = _delivered(item.id, notification.pk)
        return [receipts[item.id] for item in batch]


def _delivered(row: int, notification: int | None) -> Receipt:
    return Receipt(row, ok=True, delivered=True, provider_id=f"notification:{notification}")


def _link(text: str) -> str:
    """The message's reply (or unsubscribe) link as a site path, for the notification."""
    found = _LINK.search(text)
    return found.group(0) if found else ""

"""What the public does through the links in their messages: stop a subscription (退订)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.alerts.audience import Subscriber
from yingji.alerts.outbox import read_unsubscribe_token
from yingji.core import audit
from yingji.core.errors import NotFound

UNSUBSCRIBED = "退订：订阅者通过预警信息中的退订链接取消订阅"


def subscriber_by_token(token: str) -> Subscriber:
    """The subscription a 退订 link names (voided or not); NotFound for a forged link."""
    pk = read_unsubscribe_token(token)
    found = Subscriber.objects.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(_("This unsubscribe link is not valid"))
    return found


def unsubscribe(token: str) -> Subscriber:
    """Void the subscription; a second click changes nothing. Audited without a user."""
    with transaction.atomic():
        subscriber = subscriber_by_token(token)
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.voided_at is None:
            before = audit.snapshot(subscriber)
            subscriber.voided_at = timezone.now()
            subscriber.void_reason = UNSUBSCRIBED
            subscriber.save(update_fields=["voided_at", "void_reason"])
            audit.record(
                actor=None, action="void", obj=subscriber, region_path=subscriber.region_path,
                before=before, after=audit.snapshot(subscriber), message=UNSUBSCRIBED,
            )  # fmt: skip
    return subscriber

"""叫应: responsible persons answer a warning, and an unanswered one goes up the chain.

- Answering: the reply link sent with the message (:func:`by_token`, no sign-in: the token
  is the credential, 128 random bits), an SMS reply with the keyword through the gateway's
  inbound path (:func:`by_sms`: the sender's latest unanswered warning), or a staff member
  recording a phone call (:func:`by_staff`, audited). The first answer counts; later ones
  change nothing.
- Escalation (:func:`escalate`, from the sweep): a person who has not answered by the level's
  time limit (:data:`yingji.alerts.outbox.ACK_MINUTES`) is reported to the duty contacts one
  level up (村 → 乡镇值班 → 县级值班), by SMS through the outbox, and again after each further
  period, up to the county.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.alerts.models import Ack, Delivery, DeliveryState, State, Warning
from yingji.alerts.outbox import ACK_MINUTES, SMS_KEYWORD, read_token
from yingji.core import audit, jobs
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import Jurisdiction, jurisdiction_of
from yingji.kernels import codes
from yingji.registry.models.people import Contact, validate_roles

if TYPE_CHECKING:
    from yingji.core.models import User

ESCALATE_KIND: Final = "alerts.escalate"
UP_THE_CHAIN: Final = {12: ("乡镇值班", 9), 9: ("县级值班", 6), 6: ("县级值班", 6)}
"""Who hears of an unanswered person at each path length: a village's person goes to the
township duty, a township's to the county duty (a county's stays with the county)."""
ACTIVE: Final = (State.ISSUED,)


def by_token(token: str, *, now: dt.datetime | None = None) -> Ack:
    """The reply link: answer with the token sent to this person."""
    found = read_token(token)
    if found is None:
        raise NotFound(_("This reply link is not valid"))
    with transaction.atomic():
        ack = (
            Ack.objects.select_for_update(of=("self",))
            .select_related("warning")
            .filter(warning_id=found[0], contact_id=found[1])
            .first()
        )
        if ack is None:
            raise NotFound(_("This reply link is not valid"))
        return _answer(ack, "link", now)


def by_sms(
    phone: str, text: str, *, now: dt.datetime | None = None, within: Jurisdiction | None = None
) -> Ack | None:
    """An inbound SMS: the keyword answers the sender's latest unanswered active warning."""
    if not isinstance(phone, str) or not isinstance(text, str):
        raise InvalidInput(_("phone and text must be text"))
    number = re.sub(r"\D", "", phone)[-11:]
    if text.strip() != SMS_KEYWORD:
        return None  # not an answer (people reply all sorts of things): nothing to do
    people = list(Contact.objects.filter(phone=number).values_list("pk", flat=True))
    active = list(Warning.objects.filter(state__in=ACTIVE).values_list("pk", flat=True))
    with transaction.atomic():
        ack = (
            Ack.objects.select_for_update(of=("self",))
            .select_related("warning")
            .filter(warning_id__in=active, contact_id__in=people, acked_at__isnull=True)
            .order_by("-warning__issued_at", "-pk")
            .first()
        )
        if ack is None or (within is not None and not within.covers(ack.region_path)):
            return None
        return _answer(ack, "sms", now)


def by_staff(actor: User, ack_id: int, *, note: str = "") -> Ack:
    """A duty officer records an answer received another way (a phone call)."""
    require(actor, Cap.DRAFT_WARNINGS)
    with transaction.atomic():
        ack = (
            Ack.objects.select_for_update(of=("self",))
            .select_related("warning")
            .filter(pk=ack_id)
            .first()
        )
        if ack is None or not jurisdiction_of(actor).covers(ack.region_path):
            raise NotFound(_("No such acknowledgement in your jurisdiction"))
        done = _answer(ack, "staff", None)
        audit.record(
            actor=actor, action="warning_ack_recorded", obj=ack.warning,
            region_path=ack.region_path, after={"contact": ack.contact_id}, message=note[:200],
        )  # fmt: skip
    return done


def _answer(ack: Ack, via: str, now: dt.datetime | None) -> Ack:
    if ack.acked_at is None:
        ack.acked_at, ack.via = now or timezone.now(), via
        ack.save(update_fields=["acked_at", "via"])
    return ack


# ---------------------------------------------------------------- escalation


@jobs.job_kind(ESCALATE_KIND, "叫应超时升级 unanswered warning escalation")
def escalate_job(ctx: jobs.JobContext) -> dict[str, int]:
    return {"escalated": escalate()}


def escalate(now: dt.datetime | None = None) -> int:
    """Report every person overdue by another full period to the duty one level up."""
    now = now or timezone.now()
    done = 0
    with transaction.atomic():
        overdue = (
            Ack.objects.select_for_update(of=("self",))
            .select_related("warning", "warning__sender", "contact")
            .filter(acked_at__isnull=True, due_at__lte=now, warning__state__in=ACTIVE)
        )
        rows: list[Delivery] = []
        for ack in overdue:
            period = dt.timedelta(minutes=ACK_MINUTES[ack.warning.level])
            if ack.due_at + period * ack.escalations > now:
                continue
            for boss in _duty_above(ack.region_path, ack.escalations):
                rows.append(_escalation_message(ack, boss, now))
            ack.escalations += 1
            ack.escalated_at = now
            ack.save(update_fields=["escalations", "escalated_at"])
            done += 1
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return done


def _duty_above(path: str, step: int) -> list[Contact]:
    """The duty contacts ``step + 1`` levels above ``path`` (capped at the county)."""
    length = len(path)
    for _step in range(step + 1):
        role, length = UP_THE_CHAIN.get(length, ("县级值班", 6))
    office = path[:length]
    found = Contact.objects.filter(region_path=office, voided_at__isnull=True)
    return [c for c in found if role in validate_roles.values(c.roles)]


def _escalation_message(ack: Ack, boss: Contact, now: dt.datetime) -> Delivery:
    person = ack.contact
    text = _(
        "[Acknowledgement reminder] %(name)s (%(phone)s, %(place)s) has not acknowledged the "
        "warning “%(headline)s”; please follow up."
    ) % {
        "name": person.name, "phone": person.phone,
        "place": codes.display(codes.to_12(ack.region_path)), "headline": ack.warning.headline,
    }  # fmt: skip
    return Delivery(
        warning=ack.warning, contact=boss, region_path=boss.region_path, channel="sms",
        address=boss.phone, purpose=f"escalation:{ack.pk}:{ack.escalations + 1}", text=text,
        state=DeliveryState.QUEUED, next_at=now, created_at=now,
    )  # fmt: skip


def rates(warning_id: int) -> dict[str, Any]:
    """叫应 per county and township: people, answered, rate."""
    rows = Ack.objects.filter(warning_id=warning_id).values_list("region_path", "acked_at")
    return rates_of(rows)


def rates_of(rows: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """:func:`rates` of a warning's ``(region_path, acked_at)`` rows already read."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, acked in rows:
        for key in {path[:6], path[:9]}:  # a county's own contact counts once
            counts[key][0] += 1
            counts[key][1] += acked is not None
    return {
        key: {"people": n, "answered": a, "rate": round(a / n, 3) if n else None}
        for key, (n, a) in sorted(counts.items())
    }

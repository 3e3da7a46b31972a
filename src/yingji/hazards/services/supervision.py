"""挂牌督办: a level of government lists a major hazard for supervision, and lifts it on acceptance.

The level is the lister's own (a county bureau lists at 县级, a city at 市级, the province at
省级), within their jurisdiction. Lifting needs the acceptance evidence: the hazard accepted
(or closed) with an acceptance opinion and at least one rectification or acceptance photo,
and it is done by the supervising office or a level above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from yingji.core import audit, notify
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import User
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of
from yingji.hazards.models import (
    EvidenceKind,
    Grade,
    HiddenHazard,
    State,
    Supervision,
    SupervisionLevel,
)
from yingji.hazards.selectors import get_hazard
from yingji.hazards.services.workflow import after_change, record_event
from yingji.registry.models.enterprise import EnterpriseAccount

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def responsible_users(hazard: HiddenHazard) -> list[Any]:
    """The enterprise's own accounts (its safety managers), if the hazard is an enterprise's."""
    if hazard.enterprise_id is None:
        return []
    return [
        a.user
        for a in EnterpriseAccount.objects.filter(
            enterprise_id=hazard.enterprise_id
        ).select_related("user")
    ]


def supervise(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> Supervision:
    require(actor, Cap.SUPERVISE_HAZARDS)
    region = getattr(actor, "region", None)
    if region is None or region.level not in SupervisionLevel.values:
        raise Forbidden("挂牌督办 is by a province, city or county office")
    deadline = data.get("deadline")
    try:
        deadline = (
            dt.date.fromisoformat(str(deadline)) if not isinstance(deadline, dt.date) else deadline
        )
    except ValueError as exc:
        raise InvalidInput("deadline: a date (YYYY-MM-DD) is required", field="deadline") from exc
    if deadline < timezone.localdate():
        raise InvalidInput("deadline: lies in the past", field="deadline")
    office = str(data.get("office") or f"{region.name}安全生产委员会办公室").strip()[:100]
    with transaction.atomic():
        hazard = get_hazard(actor, pk, for_update=True)
        if hazard.grade != Grade.MAJOR:
            raise Conflict(
                f"{hazard.code} is not a major hazard: only majors are listed", code="not_major"
            )
        if not hazard.is_open:
            raise Conflict(f"{hazard.code} is {hazard.get_state_display()}", code="not_open")
        if Supervision.objects.filter(hazard=hazard, lifted_at__isnull=True).exists():
            raise Conflict(f"{hazard.code} is already under supervision", code="supervised")
        Supervision.objects.filter(hazard=hazard).delete()  # a lifted earlier listing
        supervision = Supervision.objects.create(
            hazard=hazard,
            level=region.level,
            office=office,
            office_path=region.path,
            deadline=deadline,
            published=bool(data.get("published")),
            started_by=_user(actor),
        )
        record_event(
            hazard,
            "supervise",
            hazard.state,
            hazard.state,
            actor=actor,
            note=f"{supervision.get_level_display()}挂牌督办 · {office} · 期限 {deadline}",
        )
        audit.record(
            actor=actor,
            action="hazard_supervise",
            obj=hazard,
            region_path=hazard.region_path,
            after={"level": region.level, "office": office, "deadline": str(deadline)},
        )
        notify.notify(
            [
                *responsible_users(hazard),
                *notify.office(hazard.region_path[:6], Cap.MANAGE_HAZARDS),
            ],
            kind="hazard_supervised",
            title=f"重大隐患挂牌督办 {hazard.code}: {hazard.title}",
            body=f"{office}，整改期限 {deadline}",
            link=f"/hazards/{hazard.pk}/",
            obj=hazard,
        )
        after_change(hazard)  # 挂牌督办 turns the enterprise's safety code red
    return supervision


def lift(*, actor: Actor, pk: Any, note: str) -> Supervision:
    require(actor, Cap.SUPERVISE_HAZARDS)
    if len(note.strip()) < 4:
        raise InvalidInput("note: give the opinion for lifting the supervision", field="note")
    with transaction.atomic():
        hazard = get_hazard(actor, pk, for_update=True)
        supervision = Supervision.objects.filter(hazard=hazard, lifted_at__isnull=True).first()
        if supervision is None:
            raise Conflict(f"{hazard.code} is not under supervision", code="not_supervised")
        if not jurisdiction_of(actor).covers(supervision.office_path):
            raise Forbidden(f"Only {supervision.office} or a level above may lift this listing")
        photos = hazard.evidence.filter(
            kind__in=(EvidenceKind.RECTIFICATION, EvidenceKind.ACCEPTANCE)
        )
        if hazard.state not in (State.ACCEPTED, State.CLOSED) or not photos.exists():
            raise Conflict(
                f"{hazard.code}: lifting needs the acceptance evidence — the hazard accepted, with"
                " rectification or acceptance photos",
                code="no_acceptance",
            )
        supervision.lifted_at, supervision.lifted_by = timezone.now(), _user(actor)
        supervision.lift_note = note.strip()[:2000]
        supervision.save()
        record_event(hazard, "lift", hazard.state, hazard.state, actor=actor, note=note)
        audit.record(
            actor=actor,
            action="hazard_lift",
            obj=hazard,
            region_path=hazard.region_path,
            after={"lifted": True},
        )
        after_change(hazard)
    return supervision

"""Enterprise credit (安全生产信用评价) and its repair (信用修复).

The rating is never typed: :func:`rate` turns the gathered facts of an enterprise into the
credit kernel's record (:mod:`yingji.kernels.credit` holds the points model and the repair
periods) and :mod:`.safety_code` stores the result with the code, on every change.

信用修复: an enterprise's own account applies with its reason and evidence of correction — only
when the kernel says every record that still counts is rectified and its minimum period is over
(otherwise the refusal says from which day it is possible and what stands in the way). Bureau
staff of the enterprise's jurisdiction approve or reject with a note; both are audited, and an
approval makes every record dated before it stop counting, so the rating and the code are
recomputed at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from yingji.core import audit, notify
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import User
from yingji.core.permissions import Cap, require
from yingji.core.scoping import scope
from yingji.enforcement.models import CreditRepair, RepairState
from yingji.enforcement.selectors import is_enterprise
from yingji.enforcement.services import facts as gathering
from yingji.hazards.selectors import enterprise_of
from yingji.kernels import credit as kernel
from yingji.registry.models.enterprise import EnterpriseAccount

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser

LIMITS: Final = {"reason": (10, 2000), "evidence": (10, 4000), "note": (2, 500)}
MAX_PK: Final = 2**63 - 1


def record_for(f: gathering.EnterpriseFacts) -> kernel.Record:
    """The credit kernel's input from the gathered facts of one enterprise."""
    penalties = tuple(
        kernel.Penalty(p.decided_on, p.amount_yuan, p.circumstance, p.repaired, p.rectified)
        for p in f.penalties
    )
    refusals = tuple(
        kernel.Refusal(p.decided_on, p.repaired, p.rectified) for p in f.penalties if p.refusal
    )
    accidents = tuple(
        kernel.Accident(a.occurred_on, a.grade, a.deaths, a.repaired, a.rectified)
        for a in f.accidents
    )
    h = f.hazards
    return kernel.Record(
        today=f.today,
        penalties=penalties,
        accidents=accidents,
        refusals=refusals,
        hazards=kernel.Hazards(h.closed_on_time, h.closed_late, h.open_major),
        risk_colour=f.risk_colour,
        inspections=tuple(kernel.Inspection(day, passed) for day, passed in f.inspections),
    )


def rate(f: gathering.EnterpriseFacts) -> kernel.Result:
    return kernel.rate(record_for(f))


def items_json(result: kernel.Result) -> list[dict[str, Any]]:
    """The items as stored on the rating (``CreditRating.items``) and shown on the pages."""
    return [
        {
            "key": i.key,
            "points": i.points,
            "reason": i.reason,
            "on": i.on.isoformat() if i.on else None,
            "counts_until": i.counts_until.isoformat() if i.counts_until else None,
            "serious": i.serious,
            "cap": i.cap,
        }
        for i in result.items
    ]


def rate_one(enterprise_id: int, today: dt.date | None = None) -> kernel.Result:
    """The rating of one enterprise from its facts now (the repair form's live check)."""
    found = gathering.gather([enterprise_id], today)
    if enterprise_id not in found:
        raise NotFound(f"No enterprise matches id={enterprise_id}")
    return rate(found[enterprise_id])


def refusal_text(repair: kernel.Repair) -> str:
    """Why an application is refused, naming the day from which it is possible."""
    blocking = "；".join(repair.blocking)
    if repair.possible_from is None:
        return f"Nothing to repair: {blocking}"
    return f"Credit repair is possible from {repair.possible_from.isoformat()}: {blocking}"


# ---------------------------------------------------------------- 信用修复


def _text(data: Mapping[str, Any], name: str) -> str:
    low, high = LIMITS[name]
    value = data.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        raise InvalidInput(f"{name}: contains a NUL character", field=name)
    if len(text) < low:
        raise InvalidInput(f"{name}: at least {low} characters are required", field=name)
    if len(text) > high:
        raise InvalidInput(f"{name}: at most {high} characters", field=name)
    return text


def apply(*, actor: Actor, data: Mapping[str, Any]) -> CreditRepair:
    """An enterprise asks for 信用修复 of its own records."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    own = enterprise_of(actor)
    if own is None:
        raise Forbidden("信用修复 is applied for by the enterprise's own account")
    reason, evidence = _text(data, "reason"), _text(data, "evidence")
    with transaction.atomic():
        if CreditRepair.objects.filter(enterprise=own, state=RepairState.APPLIED).exists():
            raise Conflict("An application is already waiting for a decision", code="pending")
        status = rate_one(own.pk).repair
        if not status.eligible:
            raise Conflict(refusal_text(status), code="not_eligible")
        repair = CreditRepair.objects.create(
            enterprise=own, region_path=own.region_path, reason=reason, evidence=evidence,
            applied_by=actor if isinstance(actor, User) else None,
        )  # fmt: skip
        audit.record(
            actor=actor, action="credit_repair_apply", obj=repair, region_path=own.region_path,
            after={"reason": reason[:200], "possible_from": str(status.possible_from)},
        )  # fmt: skip
        notify.notify(
            notify.office(own.region_path[:6], Cap.MANAGE_ENFORCEMENT),
            kind="credit_repair_applied",
            title=f"信用修复申请 {own.name}",
            body=reason[:200],
            link=f"/enforcement/codes/{own.pk}/",
            obj=repair,
        )
    return repair


def repairs(actor: Actor) -> Any:
    """The applications the actor may see: staff of the jurisdiction, an enterprise its own."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    qs = CreditRepair.objects.select_related("enterprise", "applied_by", "decided_by")
    if is_enterprise(actor):
        own = enterprise_of(actor)
        return qs.filter(enterprise=own) if own is not None else qs.none()
    return scope(qs, actor)


def decide(*, actor: Actor, pk: Any, approve: Any, note: Any) -> CreditRepair:
    """Bureau staff approve or reject an application; approval recomputes credit and code."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    if not isinstance(approve, bool):
        raise InvalidInput("decision: approve or reject", field="decision")
    text = _text({"note": note}, "note")
    key = str(pk)
    if not (key.isascii() and key.isdigit()) or not 0 < int(key) <= MAX_PK:
        raise NotFound(f"No credit repair matches id={key[:20]}")
    with transaction.atomic():
        try:
            repair = scope(CreditRepair.objects.select_for_update(), actor).get(pk=int(key))
        except CreditRepair.DoesNotExist:
            raise NotFound(f"No credit repair matches id={key[:20]}") from None
        if repair.state != RepairState.APPLIED:
            raise Conflict(f"This application is already {repair.get_state_display()}",
                           code="decided")  # fmt: skip
        if approve:
            status = rate_one(repair.enterprise_id).repair
            if not status.eligible:
                raise Conflict(refusal_text(status), code="not_eligible")
        before = audit.snapshot(repair, ["state", "decision_note"])
        repair.state = RepairState.APPROVED if approve else RepairState.REJECTED
        repair.decided_at = timezone.now()
        repair.decided_by = actor if isinstance(actor, User) else None
        repair.decision_note = text
        repair.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
        audit.record(
            actor=actor, action=f"credit_repair_{'approve' if approve else 'reject'}", obj=repair,
            region_path=repair.region_path, before=before,
            after=audit.snapshot(repair, ["state", "decision_note"]),
        )  # fmt: skip
        accounts = EnterpriseAccount.objects.filter(enterprise_id=repair.enterprise_id)
        notify.notify(
            [a.user for a in accounts.select_related("user")],
            kind="credit_repair_decided",
            title=f"信用修复申请{'已通过' if approve else '未通过'}",
            body=text,
            link=f"/enforcement/codes/{repair.enterprise_id}/",
            obj=repair,
        )
        if approve:
            from yingji.enforcement.services import safety_code  # noqa: PLC0415 - it imports us

            safety_code.refresh([repair.enterprise_id], cause="信用修复 credit repair approved")
    return repair

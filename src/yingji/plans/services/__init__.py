"""The plan library (电子预案库): drafts, versions, approval and retirement.

- :func:`create_draft` — a new plan (version 1) with its roles and actions.
- :func:`update_draft` — change a draft; ``roles`` and ``actions`` given replace the lists.
- :func:`new_version` — a draft copied from a version (fields, roles, actions).
- :func:`approve` — draft → current; the code's previous current version → retired, in one
  transaction (a database constraint keeps one current version per code).
- :func:`retire` — a current plan withdrawn, or a draft discarded (nothing is deleted).

Activation and drills are in :mod:`.activation`, the Word export in :mod:`.export`. Who:
``Cap.MANAGE_PLANS`` within the issuing office's jurisdiction; every write is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import User
from yingji.core.permissions import Cap, require
from yingji.plans import selectors
from yingji.plans.models import CONDITION_FIELDS, Action, Plan, PlanRole, Status
from yingji.plans.services import fields

PLAN_FIELDS: Final = ("title", "kind", "scope", "event_types", *CONDITION_FIELDS)
EDITABLE: Final = frozenset({*PLAN_FIELDS, "roles", "actions"})
COPIED: Final = (*PLAN_FIELDS, "region_id", "synthetic")

audit.ACTION_LABELS.update({
    "approve": gettext_lazy("approved"),
    "retire": gettext_lazy("retired"),
    "version": gettext_lazy("new version"),
    "activate": gettext_lazy("plan activated"),
    "end": gettext_lazy("response ended"),
    "evaluate": gettext_lazy("drill evaluated"),
})  # fmt: skip


def _managed(actor: User, pk: Any, *, lock: bool = False) -> Plan:
    """A plan the actor manages: visible (else 404) and issued within their jurisdiction."""
    require(actor, Cap.MANAGE_PLANS)
    plan = selectors.get_plan(actor, pk)
    if not selectors.manages(actor, plan):
        raise Forbidden(_("Only the issuing office or one above it manages 《%(title)s》") % {
            "title": plan.title})  # fmt: skip
    if lock:
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
    return plan


def _draft(actor: User, pk: Any) -> Plan:
    plan = _managed(actor, pk, lock=True)
    if plan.status != Status.DRAFT:
        raise Conflict(_("Only a draft is edited; start a new version to change a plan"),
                       code="not_draft")  # fmt: skip
    return plan


def _values(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    unknown = sorted(set(data) - EDITABLE - {"code", "region"})
    if unknown:
        raise InvalidInput(_("Unknown field %(field)s") % {"field": unknown[0][:40]},
                           field=unknown[0][:40])  # fmt: skip
    out: dict[str, Any] = {}
    for name in ("title", "scope", *CONDITION_FIELDS):
        if name in data or not partial:
            out[name] = fields.text(data, name, required=name in ("title", "scope"))
    if "kind" in data or not partial:
        out["kind"] = fields.kind(data.get("kind"))
    if "event_types" in data or not partial:
        out["event_types"] = fields.event_types(data.get("event_types"))
    return out


def _write_lists(plan: Plan, roles: list[dict[str, Any]] | None,
                 actions: list[dict[str, Any]] | None) -> None:  # fmt: skip
    if roles is not None:
        plan.roles.all().delete()  # a draft's rows: never activated, nothing refers to them
        PlanRole.objects.bulk_create(PlanRole(plan=plan, **row) for row in roles)
    if actions is not None:
        plan.actions.all().delete()
        Action.objects.bulk_create(Action(plan=plan, **row) for row in actions)


def _lists(plan: Plan | None, data: dict[str, Any]) -> tuple[list[Any] | None, list[Any] | None]:
    """The roles and actions given, checked against each other (and the plan's others)."""
    roles = fields.roles(data["roles"]) if "roles" in data else None
    if roles is not None:
        names = {row["name"] for row in roles}
    elif plan is not None:
        names = set(plan.roles.values_list("name", flat=True))
    else:
        names = set()
    actions = fields.actions(data["actions"], names) if "actions" in data else None
    if roles is not None and actions is None and plan is not None:
        used = set(plan.actions.values_list("role", flat=True)) - names
        if used:
            raise InvalidInput(_("%(role)s is used by actions; change them first") % {
                "role": sorted(used)[0]}, field="roles")  # fmt: skip
    return roles, actions


def create_draft(actor: User, data: dict[str, Any], *, now: dt.datetime | None = None) -> Plan:
    """A new plan, version 1, as a draft; ``data`` may carry its ``roles`` and ``actions``."""
    require(actor, Cap.MANAGE_PLANS)
    now = now or timezone.now()
    code = fields.code(data.get("code"))
    values = _values(data, partial=False)
    region = fields.region(actor, data.get("region"))
    roles, actions = _lists(None, data)
    with transaction.atomic():
        if Plan.objects.filter(code=code).exists():
            raise Conflict(_("Plan code %(code)s exists; start a new version of it instead") % {
                "code": code}, field="code", code="code_taken")  # fmt: skip
        plan = Plan(code=code, version=1, region=region, status=Status.DRAFT, created_by=actor,
                    created_at=now, **values)  # fmt: skip
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            raise Conflict(_("Plan code %(code)s exists") % {"code": code}, field="code",
                           code="code_taken") from None  # fmt: skip
        _write_lists(plan, roles, actions)
        audit.record(actor=actor, action="create", obj=plan, region_path=plan.region_path,
                     after=audit.snapshot(plan))  # fmt: skip
    return plan


def update_draft(actor: User, pk: Any, data: dict[str, Any]) -> Plan:
    """Change a draft: the fields given; ``roles`` / ``actions`` given replace the lists."""
    if "code" in data or "region" in data:
        field = "code" if "code" in data else "region"
        raise InvalidInput(_("The code and the issuing region of a plan do not change"),
                           field=field)  # fmt: skip
    with transaction.atomic():
        plan = _draft(actor, pk)
        values = _values(data, partial=True)
        roles, actions = _lists(plan, data)
        before = audit.snapshot(plan)
        for name, value in values.items():
            setattr(plan, name, value)
        plan.save()
        _write_lists(plan, roles, actions)
        message = ", ".join(name for name in ("roles", "actions") if name in data)
        audit.record(actor=actor, action="update", obj=plan, region_path=plan.region_path,
                     before=before, after=audit.snapshot(plan), message=message)  # fmt: skip
    return plan


def new_version(actor: User, pk: Any, *, now: dt.datetime | None = None) -> Plan:
    """A draft of the next version, copied from version ``pk`` with its roles and actions."""
    now = now or timezone.now()
    with transaction.atomic():
        source = _managed(actor, pk)
        # Serialise versioning of one code: lock every version of it.
        taken = list(Plan.objects.select_for_update().filter(code=source.code))
        draft = next((p for p in taken if p.status == Status.DRAFT), None)
        if draft is not None:
            raise Conflict(_("Version %(n)d of this plan is already a draft; edit it") % {
                "n": draft.version}, code="draft_exists")  # fmt: skip
        number = (Plan.objects.filter(code=source.code).aggregate(n=Max("version"))["n"] or 0) + 1
        copy = Plan(code=source.code, version=number, status=Status.DRAFT, supersedes=source,
                    created_by=actor, created_at=now,
                    **{name: getattr(source, name) for name in COPIED})  # fmt: skip
        copy.save()
        PlanRole.objects.bulk_create(
            PlanRole(plan=copy, name=r.name, duties=r.duties, order=r.order)
            for r in source.roles.all()
        )
        Action.objects.bulk_create(
            Action(plan=copy, from_level=a.from_level, title=a.title, role=a.role,
                   offset_minutes=a.offset_minutes, priority=a.priority, order=a.order)
            for a in source.actions.all()
        )  # fmt: skip
        audit.record(actor=actor, action="version", obj=copy, region_path=copy.region_path,
                     message=f"v{source.version} → v{number}")  # fmt: skip
    return copy


def _ready(plan: Plan) -> None:
    """A plan is approved complete: levels with conditions, roles, actions that can fire."""
    defined = plan.defined_levels
    if not defined:
        raise InvalidInput(_("Give the activation condition of at least one level"),
                           field="condition_iv")  # fmt: skip
    if not plan.roles.exists():
        raise InvalidInput(_("Give the plan's roles"), field="roles")
    action_levels = set(plan.actions.values_list("from_level", flat=True))
    if not action_levels:
        raise InvalidInput(_("Give the plan's actions"), field="actions")
    if max(action_levels) > max(defined):
        raise InvalidInput(_("Some actions start at a level the plan has no condition for"),
                           field="actions")  # fmt: skip


def approve(actor: User, pk: Any, *, now: dt.datetime | None = None) -> Plan:
    """Draft → current; the code's current version, if any, is retired in the same step."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _draft(actor, pk)
        _ready(plan)
        current = Plan.objects.select_for_update().filter(code=plan.code, status=Status.CURRENT)
        previous = current.first()
        if previous is not None:
            previous.status, previous.retired_at = Status.RETIRED, now
            previous.save(update_fields=["status", "retired_at"])
            audit.record(actor=actor, action="retire", obj=previous,
                         region_path=previous.region_path,
                         message=f"superseded by v{plan.version}")  # fmt: skip
        plan.status, plan.approved_by, plan.approved_at = Status.CURRENT, actor, now
        try:
            with transaction.atomic():
                plan.save(update_fields=["status", "approved_by", "approved_at"])
        except IntegrityError:
            raise Conflict(_("Another version of this plan was approved meanwhile"),
                           code="conflict") from None  # fmt: skip
        audit.record(actor=actor, action="approve", obj=plan, region_path=plan.region_path,
                     message=f"v{plan.version}")  # fmt: skip
    return plan


def retire(actor: User, pk: Any, *, now: dt.datetime | None = None) -> Plan:
    """Withdraw a current plan (no version replaces it) or discard a draft."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _managed(actor, pk, lock=True)
        if plan.status == Status.RETIRED:
            raise Conflict(_("This version is already retired"), code="retired")
        before = audit.snapshot(plan)
        plan.status, plan.retired_at = Status.RETIRED, now
        plan.save(update_fields=["status", "retired_at"])
        audit.record(actor=actor, action="retire", obj=plan, region_path=plan.region_path,
                     before=before, after=audit.snapshot(plan))  # fmt: skip
    return plan

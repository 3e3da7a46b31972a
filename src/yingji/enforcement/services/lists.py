"""一单两库 use cases: the inspection-item list (抽查事项清单), the inspector pool and 回避.

Why not the generic registry: items must be visible *down* the tree (a province item applies
in every county) while the registry scopes to the subtree only; they are written by
``MANAGE_ENFORCEMENT`` staff, not by every ``EDIT_REGISTRY`` holder; and their checklist is a
structured list the registry's one-value-per-cell columns cannot check. So the rules live
here once, and the pages, the API and the Excel import all call these functions.

Every write checks the actor's capability and jurisdiction, validates every field (the
error names it; nothing is written), and is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import Role, User
from yingji.core.permissions import Cap, has, require, roles_of
from yingji.core.scoping import jurisdiction_of, scope
from yingji.enforcement import selectors
from yingji.enforcement.models import Conflict as Declared
from yingji.enforcement.models import ConflictReason, InspectionItem, Inspector
from yingji.enforcement.services.draw_checks import (
    choice,
    clean_checklist,
    clean_key_colours,
    clean_prefixes,
    clean_region,
    clean_share,
    flag,
    text,
)
from yingji.kernels import codes
from yingji.registry.models.enterprise import Enterprise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser

CODE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
CERT_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{3,29}$")
ITEM_LEVELS: Final = ("province", "city", "county")  # organs that issue item lists
MAX_QUALIFICATIONS: Final = 10


# ---------------------------------------------------------------- items (抽查事项清单)


def items(actor: Actor) -> QuerySet[InspectionItem]:
    """Items issued by the actor's region, by its ancestors (they apply below) and its subtree."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    found = InspectionItem.objects.select_related("region")
    where = jurisdiction_of(actor)
    if where.everything:
        return found
    if where.nothing or not where.path:
        return found.none()
    path = where.path
    above = [path[:n] for n in (2, 4, 6, 9) if n < len(path)]
    low, high = codes.subtree_bounds(path)
    return found.filter(Q(region_path__in=above) | Q(region_path__gte=low, region_path__lt=high))


def search_items(
    actor: Actor, *, q: str = "", state: str = "live", region: str = ""
) -> QuerySet[InspectionItem]:
    """The list page and API: free text, live/inactive/voided, issuing region (exact)."""
    found = items(actor)
    q = text({"q": q}, "q", 100, required=False)
    if q:
        found = found.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(legal_basis__icontains=q)
        )
    state = choice({"state": state or "live"}, "state", ("live", "inactive", "voided", "all"))
    if state == "live":
        found = found.filter(voided_at__isnull=True, active=True)
    elif state == "inactive":
        found = found.filter(voided_at__isnull=True, active=False)
    elif state == "voided":
        found = found.filter(voided_at__isnull=False)
    if region:
        found = found.filter(region_path=clean_region(actor, region, "region", levels=None).path)
    return found.order_by("region_path", "code")


def get_item(actor: Actor, pk: Any, *, for_update: bool = False) -> InspectionItem:
    return selectors.get(items(actor), pk, "inspection item", for_update=for_update)


def clean_item(
    actor: Actor, data: Mapping[str, Any], *, current: InspectionItem | None = None
) -> dict[str, Any]:
    """Checked values of an item from a form, the API or an Excel row (``current``: an edit)."""
    merged = dict(data)
    if current is not None:
        for name in (
            "code",
            "name",
            "legal_basis",
            "share",
            "key_colours",
            "industries",
            "hazchem_only",
            "checklist",
            "active",
        ):
            merged.setdefault(name, getattr(current, name))
        merged.setdefault("region", current.region_id)
    code = text(merged, "code", 30)
    if not CODE_RE.match(code):
        raise InvalidInput(
            "code: letters, digits, '-' or '_', at most 30, e.g. ZJ-YJ-001", field="code"
        )
    if current is not None and code != current.code:
        raise InvalidInput(
            "code: an item's code cannot change; void it and add a new one", field="code"
        )
    region = clean_region(actor, merged.get("region") or _home(actor), "region", levels=ITEM_LEVELS)
    return {
        "code": code,
        "name": text(merged, "name", 200),
        "legal_basis": text(merged, "legal_basis", 2000),
        "region": region,
        "share": clean_share(merged.get("share", 0.05)),
        "key_colours": ",".join(clean_key_colours(merged.get("key_colours", ""))),
        "industries": ",".join(clean_prefixes(merged.get("industries", ""), "industries")),
        "hazchem_only": flag(merged, "hazchem_only"),
        "checklist": clean_checklist(merged.get("checklist")),
        "active": flag(merged, "active", True),
    }


def _home(actor: Actor) -> str:
    region = getattr(actor, "region", None)
    return str(region.code) if region is not None else ""


def may_change(actor: Actor, item: InspectionItem) -> None:
    """Staff of the issuing region or above may change an item; others only read it."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    if not jurisdiction_of(actor).covers(item.region_path):
        raise Forbidden(
            f"Item {item.code} was issued by {item.region.name}: only its staff or a higher "
            "office may change it",
            code="not_issuer",
        )


def create_item(
    *, actor: Actor, data: Mapping[str, Any], synthetic: bool = False
) -> InspectionItem:
    require(actor, Cap.MANAGE_ENFORCEMENT)
    values = clean_item(actor, data)
    with transaction.atomic():
        if InspectionItem.objects.filter(code=values["code"]).exists():
            raise InvalidInput(f"code: {values['code']} is already used", field="code")
        item = InspectionItem(**values, synthetic=synthetic)
        item.save()
        audit.record(
            actor=actor,
            action="create",
            obj=item,
            region_path=item.region_path,
            after=audit.snapshot(item),
        )
    return item


def update_item(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> InspectionItem:
    with transaction.atomic():
        item = get_item(actor, pk, for_update=True)
        may_change(actor, item)
        if item.voided_at is not None:
            raise Conflict(f"Item {item.code} is voided and can no longer change", code="voided")
        values = clean_item(actor, data, current=item)
        before = audit.snapshot(item)
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
        audit.record(
            actor=actor,
            action="update",
            obj=item,
            region_path=item.region_path,
            before=before,
            after=audit.snapshot(item),
        )
    return item


def void_item(*, actor: Actor, pk: Any, reason: str) -> InspectionItem:
    """Take an item out of use; plans already drawn keep it, new plans cannot use it."""
    reason = text({"reason": reason}, "reason", 200)
    with transaction.atomic():
        item = get_item(actor, pk, for_update=True)
        may_change(actor, item)
        if item.voided_at is not None:
            raise Conflict(f"Item {item.code} is already voided", code="voided")
        before = audit.snapshot(item)
        item.voided_at, item.void_reason, item.active = timezone.now(), reason, False
        item.save(update_fields=["voided_at", "void_reason", "active", "updated_at"])
        audit.record(
            actor=actor,
            action="void",
            obj=item,
            region_path=item.region_path,
            before=before,
            after=audit.snapshot(item),
            message=reason,
        )
    return item


# ---------------------------------------------------------------- the inspector pool


def inspectors(actor: Actor, *, q: str = "", state: str = "active") -> QuerySet[Inspector]:
    """The pool of the actor's jurisdiction (enterprise users see none)."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    if selectors.is_enterprise(actor):
        return Inspector.objects.none()
    found = scope(Inspector.objects.filter(voided_at__isnull=True), actor)
    q = text({"q": q}, "q", 100, required=False)
    if q:
        found = found.filter(
            Q(name__icontains=q)
            | Q(certificate_number__icontains=q)
            | Q(user__username__icontains=q)
            | Q(qualifications__icontains=q)
        )
    state = choice({"state": state or "active"}, "state", ("active", "inactive", "all"))
    if state != "all":
        found = found.filter(active=state == "active")
    return found.select_related("user", "region").order_by("region_path", "name", "pk")


def candidates(actor: Actor) -> QuerySet[User]:
    """Accounts that may join the pool: active, with the inspector role, in jurisdiction, new."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    accounts = User.objects.filter(
        is_active=True, role_rows__role=Role.INSPECTOR, inspector__isnull=True
    )
    return scope(accounts.select_related("region"), actor).order_by("username").distinct()


def add_inspector(*, actor: Actor, data: Mapping[str, Any], synthetic: bool = False) -> Inspector:
    """Put an inspector account in the pool with its 执法证 number, qualifications and unit."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    key = text(data, "user", 150)
    lookup = (
        {"pk": int(key)} if key.isascii() and key.isdigit() and len(key) < 12 else {"username": key}
    )
    account = candidates(actor).filter(**lookup).first()
    if account is None:
        raise InvalidInput(
            f"user: no active inspector account {key[:40]!r} in your jurisdiction that is not "
            "already in the pool",
            field="user",
        )
    certificate = text(data, "certificate_number", 30).upper()
    if not CERT_RE.match(certificate):
        raise InvalidInput(
            "certificate_number: 4–30 letters, digits or '-'", field="certificate_number"
        )
    region = clean_region(
        actor,
        data.get("region") or (account.region_id or ""),
        "region",
        levels=("province", "city", "county", "township"),
    )
    skills = [s for s in re.split(r"[,，、;；\s]+", str(data.get("qualifications") or "")) if s]
    if len(skills) > MAX_QUALIFICATIONS or any(len(s) > 20 for s in skills):
        raise InvalidInput(
            f"qualifications: at most {MAX_QUALIFICATIONS}, each at most 20 characters",
            field="qualifications",
        )
    name = text({"name": data.get("name") or str(account)}, "name", 50)
    with transaction.atomic():
        if Inspector.objects.filter(certificate_number=certificate).exists():
            raise InvalidInput(
                f"certificate_number: {certificate} is already in the pool",
                field="certificate_number",
            )
        person = Inspector(
            user=account,
            name=name,
            certificate_number=certificate,
            region=region,
            qualifications=",".join(dict.fromkeys(skills)),
            synthetic=synthetic,
        )
        person.save()
        audit.record(
            actor=actor,
            action="create",
            obj=person,
            region_path=person.region_path,
            after=audit.snapshot(person),
        )
    return person


def set_inspector_active(*, actor: Actor, pk: Any, active: bool, reason: str) -> Inspector:
    """Deactivate (or bring back) a pool member: future draws leave them out, open tasks stay."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    reason = text({"reason": reason}, "reason", 200, required=not active)
    with transaction.atomic():
        person = selectors.get(
            scope(Inspector.objects.all(), actor), pk, "inspector", for_update=True
        )
        if person.active == active:
            raise Conflict(
                f"{person.name} is already {'active' if active else 'inactive'}", code="unchanged"
            )
        before = audit.snapshot(person)
        person.active = active
        person.save(update_fields=["active", "updated_at"])
        audit.record(
            actor=actor,
            action="activate" if active else "deactivate",
            obj=person,
            region_path=person.region_path,
            before=before,
            after=audit.snapshot(person),
            message=reason,
        )
    return person


# ---------------------------------------------------------------- conflicts of interest (回避)


def conflicts(actor: Actor, *, live: bool = True) -> QuerySet[Declared]:
    """Staff see those of their jurisdiction's inspectors; an inspector sees their own."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    found = Declared.objects.select_related("inspector", "enterprise", "declared_by").order_by(
        "-declared_at", "-pk"
    )
    if live:
        found = found.filter(withdrawn_at__isnull=True)
    if selectors.is_enterprise(actor):
        return found.none()
    if selectors.is_field_inspector(actor):
        me = selectors.inspector_of(actor)
        return found.filter(inspector=me) if me is not None else found.none()
    return scope(found, actor)


def find_enterprise(actor: Actor, raw: Any, field: str = "enterprise") -> Enterprise:
    """An enterprise of the actor's jurisdiction by id, 统一社会信用代码 or "name (code)"."""
    key = text({field: raw}, field, 250)
    inner = re.search(r"[（(]\s*([0-9A-Za-z]{18})\s*[)）]\s*$", key)
    key = inner.group(1) if inner else key
    if key.isascii() and key.isdigit() and len(key) < 12:
        lookup: dict[str, Any] = {"pk": int(key)}
    elif len(key) == 18 and key.isascii() and key.isalnum():
        lookup = {"credit_code": key.upper()}
    else:
        raise InvalidInput(
            f"{field}: give the enterprise's 统一社会信用代码 or pick it from the list", field=field
        )
    found = scope(Enterprise.objects.filter(voided_at__isnull=True), actor).filter(**lookup).first()
    if found is None:
        raise InvalidInput(f"{field}: no enterprise {key[:40]!r} in your jurisdiction", field=field)
    return found


def declare_conflict(*, actor: Actor, data: Mapping[str, Any]) -> Declared:
    """Record a 回避: staff for any pool inspector of their jurisdiction, an inspector for self."""
    if has(actor, Cap.MANAGE_ENFORCEMENT):
        raw = text(data, "inspector", 20)
        person = (
            scope(Inspector.objects.filter(voided_at__isnull=True), actor)
            .filter(pk=int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else -1)
            .first()
        )
        if person is None:
            raise InvalidInput(f"inspector: no inspector {raw!r} in your pool", field="inspector")
    elif has(actor, Cap.INSPECT) and "inspector" in roles_of(actor):
        person = selectors.inspector_of(actor)
        if person is None:
            raise Forbidden("You are not in the inspector pool yet: ask your bureau to add you")
    else:
        raise Forbidden("Your roles do not allow declaring conflicts of interest")
    enterprise = find_enterprise(actor, data.get("enterprise"))
    reason = choice(data, "reason", ConflictReason.values)
    note = text(data, "note", 200, required=reason == ConflictReason.INTEREST)
    with transaction.atomic():
        if Declared.objects.filter(
            inspector=person, enterprise=enterprise, withdrawn_at__isnull=True
        ).exists():
            raise Conflict(
                f"{person.name} already has a conflict with {enterprise.name} on record",
                code="duplicate",
            )
        declared = Declared.objects.create(
            inspector=person,
            enterprise=enterprise,
            reason=reason,
            note=note,
            declared_by=actor if actor.is_authenticated else None,
        )
        audit.record(
            actor=actor,
            action="declare_conflict",
            obj=declared,
            region_path=person.region_path,
            after=audit.snapshot(declared),
        )
    return declared


def withdraw_conflict(*, actor: Actor, pk: Any, reason: str) -> Declared:
    """End a 回避 (the inspector left that enterprise long ago…); plans drawn keep theirs."""
    reason = text({"reason": reason}, "reason", 200)
    if not (has(actor, Cap.MANAGE_ENFORCEMENT) or has(actor, Cap.INSPECT)):
        raise Forbidden("Your roles do not allow withdrawing conflicts of interest")
    with transaction.atomic():
        declared = selectors.get(conflicts(actor, live=False), pk, "conflict", for_update=True)
        if declared.withdrawn_at is not None:
            raise Conflict("This conflict was already withdrawn", code="withdrawn")
        before = audit.snapshot(declared)
        declared.withdrawn_at = timezone.now()
        declared.save(update_fields=["withdrawn_at"])
        audit.record(
            actor=actor,
            action="withdraw_conflict",
            obj=declared,
            region_path=declared.inspector.region_path,
            before=before,
            after=audit.snapshot(declared),
            message=reason,
        )
    return declared

"""Stock operations: the only way a stock item's quantity changes.

Every change is a ledger line (:class:`StockMovement`) written in the same transaction as the
new quantity and its audit entry, with the item row locked, so the quantity always equals the
sum of its movements and can never go below zero. A transfer is two lines — out of the source
item, into the matching item of the target depot (created if the depot has none) — and both
depots must lie in the actor's jurisdiction.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core import audit, context
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped, scope
from yingji.kernels import gb18218
from yingji.registry.models.depot import (
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    Depot,
    MovementKind,
    StockCategory,
    StockItem,
    StockMovement,
)
from yingji.registry.models.hazard import HazardChemical, HazardSource, HazardUnit

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser | None

ACTIONS = {
    MovementKind.IN: "stock_in",
    MovementKind.OUT: "stock_out",
    MovementKind.TRANSFER: "stock_transfer",
    MovementKind.WRITE_OFF: "stock_write_off",
}
audit.ACTION_LABELS.update({
    "stock_in": _("received into stock"),
    "stock_out": _("issued from stock"),
    "stock_transfer": _("transferred"),
    "stock_write_off": _("written off"),
})  # fmt: skip
MAX_QUANTITY = Decimal(10) ** (QUANTITY_DIGITS - QUANTITY_PLACES) - Decimal("0.01")
_STEP = Decimal(1).scaleb(-QUANTITY_PLACES)


def parse_kind(raw: Any) -> MovementKind:
    """A movement type from its value (``out``) or its label (``出库``)."""
    text = str(raw or "").strip()
    for kind in MovementKind:
        if text in (kind.value, kind.label):
            return kind
    allowed = "、".join(f"{k.label} ({k.value})" for k in MovementKind)
    raise InvalidInput(f"Movement type {text[:20]!r} is not one of: {allowed}", field="kind")


def parse_quantity(raw: Any) -> Decimal:
    """A positive quantity with at most two decimals (no silent rounding of stock)."""
    if isinstance(raw, bool):
        raise InvalidInput("Quantity must be a number", field="quantity")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InvalidInput("Quantity must be a finite number", field="quantity")
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInput(f"Quantity {str(raw)[:20]!r} is not a number", field="quantity") from exc
    if not value.is_finite():
        raise InvalidInput("Quantity must be a finite number", field="quantity")
    if value <= 0:
        raise InvalidInput("Quantity must be greater than 0", field="quantity")
    if value > MAX_QUANTITY:  # before quantize, which cannot hold 1e30 at two decimals
        raise InvalidInput(f"Quantity must be at most {MAX_QUANTITY}", field="quantity")
    if value != value.quantize(_STEP):
        raise InvalidInput("Quantity has at most 2 decimal places", field="quantity")
    return value.quantize(_STEP)


def _reason(raw: Any) -> str:
    text = str(raw or "").strip()
    if not text:
        raise InvalidInput("Say why the stock changes (reason)", field="reason")
    if len(text) > 200:
        raise InvalidInput("Reason is at most 200 characters", field="reason")
    return text


def record_movement(
    *,
    actor: Actor,
    item_id: Any,
    kind: Any,
    quantity: Any,
    reason: Any,
    to_depot_code: str | None = None,
) -> list[StockMovement]:
    """Record one movement (two for a transfer) and return the ledger lines written.

    Refused, with nothing written: without ``registry.edit`` (Forbidden); for an item or a
    target depot outside the jurisdiction (NotFound, as if it did not exist); when stock would
    go negative or an item or depot is voided (Conflict); for bad input (InvalidInput naming
    the field). ``actor=None`` is the command line or the demo loader.
    """
    if actor is not None:
        require(actor, Cap.EDIT_REGISTRY)
    movement_kind = parse_kind(kind)
    amount = parse_quantity(quantity)
    why = _reason(reason)
    target_code = (to_depot_code or "").strip()
    if movement_kind != MovementKind.TRANSFER and target_code:
        raise InvalidInput("Only a transfer (调拨) has a target depot", field="to_depot")
    with transaction.atomic():
        item = _item(actor, item_id)
        if movement_kind != MovementKind.TRANSFER:
            locked = _lock_items([item.pk])[item.pk]
            delta = amount if movement_kind == MovementKind.IN else -amount
            return [_apply(actor, locked, kind=movement_kind, amount=amount, delta=delta, why=why)]
        return _transfer(actor, item, amount, why, target_code)


def register_item(
    *,
    actor: Actor,
    depot_id: Any,
    category: str,
    name: str,
    unit: str,
    quantity: Any,
    reason: Any,
    batch: str = "",
    expires_on: dt.date | None = None,
) -> StockItem:
    """Add a new kind of stock to a depot, received with an initial 入库 line."""
    if actor is not None:
        require(actor, Cap.EDIT_REGISTRY)
    if category not in StockCategory.values:
        by_label = {c.label: c.value for c in StockCategory}
        if category not in by_label:
            allowed = "、".join(StockCategory.labels)
            raise InvalidInput(f"Category must be one of: {allowed}", field="category")
        category = by_label[category]
    for field, value, limit in (("name", name, 100), ("unit", unit, 10), ("batch", batch, 50)):
        if field != "batch" and not value.strip():
            raise InvalidInput(f"{field} is required", field=field)
        if len(value.strip()) > limit:
            raise InvalidInput(f"{field} is at most {limit} characters", field=field)
    amount, why = parse_quantity(quantity), _reason(reason)
    with transaction.atomic():
        depot = _depot(actor, field="depot", label=str(depot_id)[:20], pk=depot_id)
        Depot.objects.select_for_update().filter(pk=depot.pk).first()  # serialise item codes
        item = StockItem.objects.create(
            depot=depot, code=_next_code(depot), category=category, name=name.strip(),
            unit=unit.strip(), batch=batch.strip(), expires_on=expires_on,
        )  # fmt: skip
        audit.record(actor=actor, action="create", obj=item, region_path=depot.region_path,
                     after=audit.snapshot(item))  # fmt: skip
        _apply(actor, item, kind=MovementKind.IN, amount=amount, delta=amount, why=why)
    item.refresh_from_db()
    return item


def _item(actor: Actor, item_id: Any) -> StockItem:
    queryset = StockItem.objects.select_related("depot")
    try:
        item = (
            queryset.get(pk=item_id)
            if actor is None
            else get_scoped(queryset, actor, label="stock item", pk=item_id)
        )
    except (StockItem.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No stock item {str(item_id)[:20]}") from exc
    if item.voided_at or item.depot.voided_at:
        raise Conflict(f"{item} or its depot is voided; its stock can no longer change")
    return item


def _depot(actor: Actor, *, field: str, label: str, **lookup: Any) -> Depot:
    queryset = Depot.objects.all() if actor is None else scope(Depot.objects.all(), actor)
    try:
        depot = queryset.get(**lookup)
    except (Depot.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No depot {label} in your jurisdiction", field=field) from exc
    if depot.voided_at:
        raise Conflict(f"Depot {depot.code} is voided", field=field)
    return depot


def _transfer(
    actor: Actor, item: StockItem, amount: Decimal, why: str, target_code: str
) -> list[StockMovement]:
    if not target_code:
        raise InvalidInput("A transfer (调拨) needs the target depot's code", field="to_depot")
    target = _depot(actor, field="to_depot", label=target_code[:32], code=target_code)
    if target.pk == item.depot_id:
        raise InvalidInput("The target depot is the item's own depot", field="to_depot")
    # Depots, then items, always locked in primary-key order: two opposite transfers wait
    # for each other instead of deadlocking.
    list(Depot.objects.select_for_update().filter(pk__in=[item.depot_id, target.pk])
         .order_by("pk"))  # fmt: skip
    twin = _matching_item(item, target) or _new_item_like(actor, item, target)
    locked = _lock_items([item.pk, twin.pk])
    sent, received = (
        _apply(actor, locked[pk], kind=MovementKind.TRANSFER, amount=amount, delta=delta,
               why=why, to_depot=target)
        for pk, delta in ((item.pk, -amount), (twin.pk, amount))
    )  # fmt: skip
    sent.counterpart, received.counterpart = received, sent
    StockMovement.objects.bulk_update([sent, received], ["counterpart"])
    return [sent, received]


def _lock_items(pks: list[Any]) -> dict[Any, StockItem]:
    rows = StockItem.objects.select_for_update().select_related("depot").filter(pk__in=pks)
    return {row.pk: row for row in rows.order_by("pk")}


def _matching_item(item: StockItem, depot: Depot) -> StockItem | None:
    """The target depot's live item of the same stock (category, name, unit and batch)."""
    return (
        StockItem.objects.filter(depot=depot, category=item.category, name=item.name,
                                 unit=item.unit, batch=item.batch, voided_at__isnull=True)
        .order_by("pk")
        .first()
    )  # fmt: skip


def _new_item_like(actor: Actor, item: StockItem, depot: Depot) -> StockItem:
    twin = StockItem.objects.create(
        depot=depot, code=_next_code(depot), category=item.category, name=item.name,
        unit=item.unit, batch=item.batch, expires_on=item.expires_on,
    )  # fmt: skip
    audit.record(actor=actor, action="create", obj=twin, region_path=depot.region_path,
                 after=audit.snapshot(twin), message=f"transfer from {item.code}")  # fmt: skip
    return twin


def _next_code(depot: Depot) -> str:
    """``<depot code>-NNNN``, one more than the highest number used in the depot."""
    prefix = f"{depot.code}-"
    used = StockItem.objects.filter(depot=depot, code__startswith=prefix).values_list(
        "code", flat=True
    )
    numbers = [int(tail) for code in used if (tail := code[len(prefix) :]).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _apply(
    actor: Actor,
    item: StockItem,
    *,
    kind: MovementKind,
    amount: Decimal,
    delta: Decimal,
    why: str,
    to_depot: Depot | None = None,
) -> StockMovement:
    if item.voided_at:  # re-checked on the locked row: a void may have just committed
        raise Conflict(f"{item} is voided; its stock can no longer change")
    before = item.quantity
    after = before + delta
    if after < 0:
        raise Conflict(
            f"Only {before.normalize():f} {item.unit} of {item.name} ({item.code}) in stock; "
            f"cannot take {amount.normalize():f}",
            field="quantity",
            code="insufficient_stock",
        )
    person = actor if actor is not None and actor.is_authenticated else None
    movement = StockMovement.objects.create(
        item=item, kind=kind, quantity=amount, delta=delta, balance_after=after,
        to_depot=to_depot, reason=why, occurred_at=timezone.now(), actor=person,
        actor_label=person.get_username() if person else f"({context.current().channel})",
    )  # fmt: skip
    item.quantity = after
    item.save(update_fields=["quantity", "updated_at"])
    audit.record(
        actor=actor, action=ACTIONS[kind], obj=item, region_path=item.depot.region_path,
        before={"quantity": str(before)}, after={"quantity": str(after)},
        message=f"{kind.label} {delta:+f} {item.unit}: {why}",
    )  # fmt: skip
    return movement


# ---------------------------------------------------------------- GB 18218 grading


def grade_sources(source_ids: Iterable[int]) -> int:
    """Identify and grade every unit of the given hazard sources by GB 18218-2018.

    Three queries whatever the number of sources; the kernel does the arithmetic. A unit whose
    inventory cannot be graded (a chemical outside Table 1 without a category) keeps no grade
    and says why in its note. The source takes its highest unit's R and grade.
    """
    ids = sorted(set(source_ids))
    if not ids:
        return 0
    sources = {s.pk: s for s in HazardSource.objects.filter(pk__in=ids)}
    units = list(HazardUnit.objects.filter(source_id__in=ids, voided_at__isnull=True))
    inventory: dict[int, list[gb18218.Chemical]] = defaultdict(list)
    rows = HazardChemical.objects.filter(unit__in=units, voided_at__isnull=True).values_list(
        "unit_id", "name", "cas", "hazard_category", "quantity"
    )
    for unit_id, name, cas, category, quantity in rows:
        inventory[unit_id].append(
            gb18218.Chemical(
                quantity_t=quantity, cas=cas or None, name=name or None, category=category or None
            )
        )
    best: dict[int, tuple[float, str, bool]] = {}
    for unit in units:
        _grade_unit(unit, inventory.get(unit.pk, []), sources[unit.source_id].people_within_500m)
        r, grade, major = best.get(unit.source_id, (-1.0, "", False))
        if unit.r_value is not None and unit.r_value > r:
            r, grade = unit.r_value, unit.grade
        best[unit.source_id] = (r, grade, major or unit.is_major)
    HazardUnit.objects.bulk_update(units, ["s_value", "is_major", "r_value", "grade",
                                           "grading_note"], batch_size=2000)  # fmt: skip
    now = timezone.now()
    for pk, source in sources.items():
        r, grade, major = best.get(pk, (-1.0, "", False))
        source.r_value, source.grade = (r, grade) if r >= 0 else (None, "")
        source.is_major, source.graded_at = major, now
    HazardSource.objects.bulk_update(list(sources.values()),
                                     ["r_value", "grade", "is_major", "graded_at"])  # fmt: skip
    return len(units)


def _grade_unit(unit: HazardUnit, chemicals: list[gb18218.Chemical], people: int) -> None:
    unit.s_value = unit.r_value = None
    unit.is_major, unit.grade, unit.grading_note = False, "", ""
    if not chemicals:
        unit.grading_note = "no chemicals recorded"
        return
    try:
        report = gb18218.assess_unit(chemicals, people)
    except gb18218.Gb18218Error as exc:
        unit.grading_note = str(exc)[:300]
        return
    unit.s_value = round(float(report.S), 4)
    unit.is_major = report.is_major
    unit.r_value = round(float(report.R), 4) if report.R is not None else None
    unit.grade = report.grade or ""

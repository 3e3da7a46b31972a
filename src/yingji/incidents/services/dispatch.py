"""Dispatch (调度): which rescue forces to send, sending them, and supplies from depots.

- :func:`suggest` ranks the forces on standby in the actor's jurisdiction by estimated travel
  time to the incident (:mod:`yingji.kernels.dispatch`: great-circle distance × a detour
  factor at a mode speed — an estimate a road-graph router can replace behind
  ``TravelModel``), keeping those with the specialty the incident needs (危化 for a chemical
  leak, 防汛/水域 for a flood …; :data:`SPECIALTY_FOR`).
- :func:`dispatch` sends one (it goes on mission: one active order per force); :func:`advance`
  records each step — dispatched → en route → on scene → released — with its time.
- :func:`request_supplies` and :func:`allocate`: a request is met by allocations from depot
  stock, each written as the registry's 出库 movement in the same transaction, so stock can
  never go below zero (the registry refuses, and nothing is written).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of, scope
from yingji.incidents.dispatch_models import (
    ACTIVE_ORDER,
    Allocation,
    DispatchOrder,
    OrderStatus,
    SupplyRequest,
)
from yingji.incidents.models import Incident, Status
from yingji.incidents.services import get_incident, room
from yingji.kernels import dispatch as kernel
from yingji.kernels import geo
from yingji.registry import services as stock
from yingji.registry.models.depot import MovementKind, StockCategory, StockItem
from yingji.registry.models.rescue import Readiness, RescueForce, validate_specialties

if TYPE_CHECKING:
    from yingji.core.models import User

SPECIALTY_FOR: Final = {
    "hazchem": ("危化",), "mining": ("矿山",), "forest_fire": ("森林灭火",),
    "flood": ("防汛", "水域"), "typhoon": ("防汛", "水域"), "rainstorm": ("防汛", "水域"),
    "geohazard": ("地震地质", "山岳"), "earthquake": ("地震地质",), "waterway": ("水域",),
}  # fmt: skip
"""The specialties suggested first for an incident type (the duty officer may pick any)."""
NEXT: Final[dict[str, tuple[str, ...]]] = {
    OrderStatus.DISPATCHED: (OrderStatus.EN_ROUTE, OrderStatus.CANCELLED),
    OrderStatus.EN_ROUTE: (OrderStatus.ON_SCENE, OrderStatus.RELEASED),
    OrderStatus.ON_SCENE: (OrderStatus.RELEASED,),
}
STAMP: Final[dict[str, str]] = {
    OrderStatus.EN_ROUTE: "en_route_at", OrderStatus.ON_SCENE: "on_scene_at",
    OrderStatus.RELEASED: "released_at", OrderStatus.CANCELLED: "released_at",
}  # fmt: skip
MAX_SUGGESTIONS: Final = 50


def _located(incident: Incident) -> tuple[float, float]:
    if incident.lat is None or incident.lon is None:
        region = incident.region
        if region.lat is None or region.lon is None:
            raise Conflict(_("The incident has no location; give its point first"))
        return float(region.lat), float(region.lon)
    return float(incident.lat), float(incident.lon)


FORCE_FIELDS: Final = ("id", "code", "name", "kind", "specialties", "members", "region_path",
                       "lat", "lon", "leader", "leader_phone")  # fmt: skip


def suggest(
    actor: User, pk: int, *, specialty: str | None = None, limit: int = 10,
    incident: Incident | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Forces on standby, fastest first: the specialty given, else those the incident's type
    needs (all, when none has it). ``incident``: the incident ``pk`` as
    :func:`get_incident` gave it to the actor, when the caller has it already."""
    require(actor, Cap.COMMAND_INCIDENTS)
    if incident is None or incident.pk != pk:
        incident = get_incident(actor, pk)
    if specialty and specialty not in validate_specialties.choices:
        raise InvalidInput(_("Unknown specialty %(s)s") % {"s": specialty}, field="specialty")
    wanted = (specialty,) if specialty else SPECIALTY_FOR.get(incident.event_type, ())
    lat, lon = _located(incident)
    standby = scope(RescueForce.objects.filter(
        voided_at__isnull=True, readiness=Readiness.STANDBY, lat__isnull=False, lon__isnull=False
    ), actor)  # fmt: skip
    where = ("id", "lat", "lon", "specialties")
    fits: list[tuple[Any, ...]] = []
    if wanted:
        # Only a text naming a wanted specialty can list it: SQL narrows, the validator decides.
        named = Q()
        for name in wanted:
            named |= Q(specialties__contains=name)
        fits = [f for f in standby.filter(named).values_list(*where)
                if set(wanted) & set(validate_specialties.values(f[3]))]  # fmt: skip
    chosen = fits if (fits or specialty) else list(standby.values_list(*where))
    if not chosen:
        return []
    lats = np.array([f[1] for f in chosen], dtype=float)
    lons = np.array([f[2] for f in chosen], dtype=float)
    order, minutes = kernel.rank(lats, lons, lat, lon, mode="ground")
    km = geo.haversine_km(lats[order], lons[order], lat, lon)
    top = order[: max(1, min(limit, MAX_SUGGESTIONS))].tolist()
    ids = [chosen[index][0] for index in top]
    forces = {f["id"]: f for f in RescueForce.objects.filter(pk__in=ids).values(*FORCE_FIELDS)}
    out = []
    for i, index in enumerate(top):
        force = forces.get(chosen[index][0])
        if force is None:  # gone since the ranking read (a force row is never deleted)
            continue
        out.append({**force, "km": round(float(km[i]), 1), "minutes": round(float(minutes[i]), 1),
                    "matches": sorted(set(wanted) & set(validate_specialties.values(
                        force["specialties"])))})  # fmt: skip
    return out


def dispatch(actor: User, pk: int, force_id: Any, *, note: str = "") -> DispatchOrder:
    """Send a force: it goes on mission, with its distance and estimated travel time."""
    require(actor, Cap.COMMAND_INCIDENTS)
    note = _note(note)
    now = timezone.now()
    with transaction.atomic():
        incident = get_incident(actor, pk)
        if incident.status == Status.CLOSED:
            raise Conflict(_("The 终报 has been filed; this incident is closed"))
        force = (
            scope(RescueForce.objects.select_for_update(), actor)
            .filter(pk=_int(force_id, "force"), voided_at__isnull=True)
            .first()
        )
        if force is None:
            raise NotFound(_("No such rescue force in your jurisdiction"), field="force")
        if force.readiness != Readiness.STANDBY:
            raise Conflict(_("%(name)s is not on standby (%(state)s)") % {
                "name": force.name, "state": force.get_readiness_display()})  # fmt: skip
        lat, lon = _located(incident)
        if force.lat is None or force.lon is None:
            raise Conflict(_("%(name)s has no location in the registry") % {"name": force.name})
        km = float(geo.haversine_km(force.lat, force.lon, lat, lon))
        minutes = float(kernel.DEFAULT_MODEL.minutes(np.array([km]), "ground")[0])
        try:
            with transaction.atomic():
                order = DispatchOrder.objects.create(
                    incident=incident, force=force, km=round(km, 2), eta_minutes=round(minutes, 1),
                    dispatched_at=now, dispatched_by=actor, note=note,
                )  # fmt: skip
        except IntegrityError:
            raise Conflict(_("%(name)s is already on a mission") % {"name": force.name}) from None
        RescueForce.objects.filter(pk=force.pk).update(readiness=Readiness.ON_MISSION,
                                                        updated_at=now)  # fmt: skip
        room.entry(incident, "dispatch", _("Dispatched %(name)s: %(km).1f km, about %(min).0f min")
                   % {"name": force.name, "km": km, "min": minutes}, actor=actor, at=now,
                   data={"order": order.pk, "force": force.pk})  # fmt: skip
        audit.record(actor=actor, action="dispatch", obj=incident,
                     region_path=incident.region_path, message=force.code)  # fmt: skip
    return order


def advance(actor: User, pk: int, order_id: Any, status: str) -> DispatchOrder:
    """The next step of a dispatch order, with its time; release puts the force on standby."""
    require(actor, Cap.COMMAND_INCIDENTS)
    if status not in OrderStatus.values:
        raise InvalidInput(_("Unknown order status %(s)s") % {"s": str(status)[:20]},
                           field="status")  # fmt: skip
    now = timezone.now()
    with transaction.atomic():
        incident = get_incident(actor, pk)
        order = (DispatchOrder.objects.select_for_update().select_related("force")
                 .filter(incident=incident, pk=_int(order_id, "order")).first())  # fmt: skip
        if order is None:
            raise NotFound(_("No such dispatch order"))
        if status not in NEXT.get(order.status, ()):
            raise Conflict(_("A %(state)s order cannot become %(next)s") % {
                "state": order.get_status_display(), "next": status})  # fmt: skip
        order.status = status
        setattr(order, STAMP[status], now)
        order.save(update_fields=["status", STAMP[status]])
        if status not in ACTIVE_ORDER:
            RescueForce.objects.filter(pk=order.force_id).update(readiness=Readiness.STANDBY,
                                                                 updated_at=now)  # fmt: skip
        room.entry(incident, "dispatch", f"{order.force.name}: {order.get_status_display()}",
                   actor=actor, at=now, data={"order": order.pk, "status": status})  # fmt: skip
    return order


# ---------------------------------------------------------------- supplies


def request_supplies(actor: User, pk: int, data: dict[str, Any]) -> SupplyRequest:
    require(actor, Cap.COMMAND_INCIDENTS)
    category = data.get("category")
    if category not in StockCategory.values:
        raise InvalidInput(_("Choose a supply category"), field="category")
    name = str(data.get("name") or "").strip()
    unit = str(data.get("unit") or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise InvalidInput(_("Name the item (at most 100 characters)"), field="name")
    if not unit or len(unit) > 10 or "\x00" in unit:
        raise InvalidInput(_("Give the unit (at most 10 characters)"), field="unit")
    quantity = stock.parse_quantity(data.get("quantity"))
    with transaction.atomic():
        incident = get_incident(actor, pk)
        request = SupplyRequest.objects.create(
            incident=incident, category=category, name=name, unit=unit, quantity=quantity,
            requested_at=timezone.now(), requested_by=actor,
            note=_note(data.get("note")),
        )  # fmt: skip
        room.entry(incident, "supply", _("Requested %(name)s %(q)s %(unit)s") % {
            "name": name, "q": _amount(quantity), "unit": unit}, actor=actor,
            data={"request": request.pk})  # fmt: skip
    return request


def sources(actor: User, request_id: Any) -> list[dict[str, Any]]:
    """Depot stock of the request's category in the actor's jurisdiction, nearest first."""
    require(actor, Cap.COMMAND_INCIDENTS)
    request = _request(actor, request_id)
    lat, lon = _located(request.incident)
    items = list(
        scope(StockItem.objects.filter(category=request.category, voided_at__isnull=True,
                                       quantity__gt=0, depot__voided_at__isnull=True), actor)
        .select_related("depot")
    )  # fmt: skip
    rows = []
    for item in items:
        depot = item.depot
        km = (float(geo.haversine_km(depot.lat, depot.lon, lat, lon))
              if depot.lat is not None and depot.lon is not None else float("inf"))  # fmt: skip
        rows.append({"item": item.pk, "name": item.name, "unit": item.unit,
                     "quantity": item.quantity, "depot": depot.name, "depot_code": depot.code,
                     "km": round(km, 1)})  # fmt: skip
    return sorted(rows, key=lambda r: (r["km"], -r["quantity"]))


def allocate(actor: User, request_id: Any, item_id: Any, quantity: Any) -> Allocation:
    """Send stock against a request: the 出库 movement and the allocation together, or
    neither (stock would go below zero: refused)."""
    require(actor, Cap.COMMAND_INCIDENTS)
    amount = stock.parse_quantity(quantity)
    now = timezone.now()
    with transaction.atomic():
        request = _request(actor, request_id)
        item = scope(StockItem.objects.select_related("depot"), actor).filter(
            pk=_int(item_id, "item")).first()  # fmt: skip
        if item is None:
            raise NotFound(_("No such stock item in your jurisdiction"), field="item")
        if item.category != request.category:
            raise InvalidInput(_("That item is not of the requested category"), field="item")
        if item.unit != request.unit:
            raise InvalidInput(_("That item is counted in %(item)s, the request in %(req)s") % {
                "item": item.unit, "req": request.unit}, field="item")  # fmt: skip
        sent = sum((a.quantity for a in request.allocations.all()), Decimal(0))
        if sent + amount > request.quantity:
            raise InvalidInput(_("More than the request still needs (%(left)s)") % {
                "left": _amount(request.quantity - sent)}, field="quantity")  # fmt: skip
        reason = _("Emergency allocation to %(code)s") % {"code": request.incident.code}
        (movement,) = stock.record_movement(actor=None, item_id=item.pk, kind=MovementKind.OUT,
                                            quantity=amount, reason=reason)  # fmt: skip
        allocation = Allocation.objects.create(request=request, item=item, quantity=amount,
                                               movement=movement, at=now, by=actor)  # fmt: skip
        room.entry(request.incident, "supply", _("Allocated %(q)s %(unit)s of %(name)s from "
                   "%(depot)s") % {"q": _amount(amount), "unit": item.unit, "name": item.name,
                                   "depot": item.depot.name}, actor=actor, at=now,
                   data={"allocation": allocation.pk})  # fmt: skip
        audit.record(actor=actor, action="allocate", obj=request.incident,
                     region_path=request.incident.region_path,
                     message=f"{item.code} −{amount}")  # fmt: skip
    return allocation


def _request(actor: User, request_id: Any) -> SupplyRequest:
    request = SupplyRequest.objects.select_related("incident").filter(
        pk=_int(request_id, "request")).first()  # fmt: skip
    if request is None or not jurisdiction_of(actor).covers(request.incident.region_path):
        raise NotFound(_("No such supply request"), field="request")
    return request


def _amount(value: Decimal) -> str:
    """80, 2.5 — never 8E+1."""
    return format(value.normalize(), "f")


def _note(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidInput(_("The note must be plain text"), field="note")
    return value.strip()[:300]


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(_("%(field)s must be an id") % {"field": field}, field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(_("%(field)s must be an id") % {"field": field}, field=field) from None
    if not 0 < number < 2**62:
        raise InvalidInput(_("%(field)s must be an id") % {"field": field}, field=field)
    return number


def travel_note() -> str:
    """How travel times are estimated, for the pages."""
    model = kernel.DEFAULT_MODEL
    return _("Estimated: great-circle distance × %(detour)s at %(speed)s km/h") % {
        "detour": model.ground_detour,
        "speed": model.ground_speed_kmh,
    }

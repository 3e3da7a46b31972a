"""Dispatch and coverage API (力量调度与救援覆盖), mounted with the incidents at
``/api/incidents/``: the rescue forces to send ranked by travel time, dispatch orders and
their steps, supply requests met from depot stock, and the rescue coverage per county and
as map layers.

Reads are limited to the caller's jurisdiction (an incident or a supply request elsewhere is
404) and every write goes through :mod:`yingji.incidents.services.dispatch`, which checks the
roles (403), the state (409: a force already on a mission, a step out of order, stock that
would go below zero) and the input (422 naming the field). JSON bodies are strict: an unknown
field or a value of the wrong type is 422. The payload builders here are shared with the
panel and the coverage page (:mod:`yingji.incidents.dispatch_views`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, StrictInt, StrictStr

from yingji.core.errors import InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.responses import compact_json
from yingji.core.scoping import jurisdiction_of
from yingji.incidents.dispatch_models import DispatchOrder, SupplyRequest
from yingji.incidents.models import Incident
from yingji.incidents.selectors import MAX_PK
from yingji.incidents.services import coverage, get_incident
from yingji.incidents.services import dispatch as services
from yingji.kernels import codes
from yingji.registry import services as stock
from yingji.registry.models.depot import StockCategory

router = Router(tags=["dispatch and coverage"])


NO_NUL: Final = r"^[^\x00]*$"
GEOJSON: Final = "application/geo+json; charset=utf-8"
TOO_LARGE: Final = Decimal(10) ** 15
LONGEST: Final = 40  # characters of a typed quantity


def guard_quantity(value: Any) -> Any:
    """Refuse a quantity the registry's decimal arithmetic cannot take (1e30 would fail there
    instead of being named); whether it is a valid quantity is the service's to judge."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(_("Quantity must be a number"), field="quantity")
    if isinstance(value, str) and len(value) > LONGEST:
        raise InvalidInput(_("Quantity must be a number"), field="quantity")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return value
    if number.is_finite() and abs(number) >= TOO_LARGE:
        raise InvalidInput(_("Quantity must be at most %(max)s") % {"max": stock.MAX_QUANTITY},
                           field="quantity")  # fmt: skip
    return value


def _quantity(value: Any) -> Any:
    try:
        return guard_quantity(value)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


Quantity = Annotated[Any, BeforeValidator(_quantity)]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class SuggestQuery(Schema):
    specialty: str = Field("", max_length=20, description="e.g. 危化; empty: the type's")
    limit: int = Field(10, ge=1, le=services.MAX_SUGGESTIONS)


class OrderIn(Strict):
    force: StrictInt = Field(..., ge=1, le=MAX_PK, description="rescue force id")
    note: StrictStr = Field("", max_length=300, pattern=NO_NUL)


class AdvanceIn(Strict):
    status: Literal["en_route", "on_scene", "released", "cancelled"]


class SupplyIn(Strict):
    category: StrictStr = Field(..., max_length=16, description=", ".join(StockCategory.values))
    name: StrictStr = Field(..., max_length=100, pattern=NO_NUL)
    unit: StrictStr = Field(..., max_length=10, pattern=NO_NUL)
    quantity: Quantity = Field(..., description="a number, at most 2 decimals")
    note: StrictStr = Field("", max_length=300, pattern=NO_NUL)


class AllocationIn(Strict):
    item: StrictInt = Field(..., ge=1, le=MAX_PK, description="depot stock item id")
    quantity: Quantity


class CoverageQuery(Schema):
    region: str = Field("", max_length=12, description="region code (2–12 digits): its subtree")


# ---------------------------------------------------------------- payloads


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def order_item(order: DispatchOrder) -> dict[str, Any]:
    force = order.force
    return {
        "id": order.pk, "status": order.status, "status_label": order.get_status_display(),
        "force": {"id": force.pk, "code": force.code, "name": force.name,
                  "specialties": force.specialties, "members": force.members},
        "km": order.km, "eta_minutes": order.eta_minutes, "note": order.note,
        "dispatched_at": order.dispatched_at, "en_route_at": order.en_route_at,
        "on_scene_at": order.on_scene_at, "released_at": order.released_at,
        "next": list(services.NEXT.get(order.status, ())),
    }  # fmt: skip


def request_item(row: SupplyRequest) -> dict[str, Any]:
    made = sorted(row.allocations.all(), key=lambda a: a.pk)
    allocations = [
        {"id": a.pk, "item": a.item_id, "name": a.item.name, "depot": a.item.depot.name,
         "depot_code": a.item.depot.code, "quantity": _number(a.quantity), "unit": a.item.unit,
         "at": a.at}
        for a in made
    ]  # fmt: skip
    sent = sum((a.quantity for a in made), Decimal(0))
    return {
        "id": row.pk, "category": row.category,
        "category_label": dict(StockCategory.choices).get(row.category, row.category),
        "name": row.name, "unit": row.unit, "quantity": _number(row.quantity),
        "allocated": _number(sent), "remaining": _number(max(row.quantity - sent, Decimal(0))),
        "requested_at": row.requested_at, "note": row.note, "allocations": allocations,
    }  # fmt: skip


def orders_of(incident: Incident) -> list[dict[str, Any]]:
    rows = DispatchOrder.objects.filter(incident=incident).select_related("force")
    return [order_item(o) for o in rows.order_by("-dispatched_at", "-pk")]


def requests_of(incident: Incident, pk: int | None = None) -> list[dict[str, Any]]:
    rows = incident.supply_requests.prefetch_related("allocations__item__depot")
    if pk is not None:
        rows = rows.filter(pk=pk)
    return [request_item(r) for r in rows.order_by("-requested_at", "-pk")]


def source_item(row: dict[str, Any]) -> dict[str, Any]:
    km = row["km"]
    return {**row, "quantity": _number(row["quantity"]), "km": km if km != float("inf") else None}


def within(actor: Any, region: str = "") -> str | None:
    """The path the actor's coverage is limited to (narrowed to ``region`` when given; a
    region outside the jurisdiction limits it to nothing, shown as an empty result)."""
    jurisdiction = jurisdiction_of(actor)
    path = None if jurisdiction.everything else (jurisdiction.path or "-")
    if region:
        try:
            wanted = codes.short(codes.to_12(region))
        except codes.CodeError as exc:
            raise InvalidInput(str(exc), field="region") from None
        if path is None or wanted.startswith(path):
            return wanted
        return path if path.startswith(wanted) else "-"
    return path


def rule() -> dict[str, Any]:
    """The coverage rule and the travel model, for the pages and API clients."""
    model = coverage.model()
    return {
        "ground_km": coverage.GROUND_KM, "ground_minutes": coverage.GROUND_MINUTES,
        "air_minutes": coverage.AIR_MINUTES, "ground_speed_kmh": model.ground_speed_kmh,
        "ground_detour": model.ground_detour, "air_speed_kmh": model.air_speed_kmh,
        "air_launch_minutes": model.air_launch_minutes,
    }  # fmt: skip


def coverage_table(path: str | None) -> dict[str, Any]:
    """Per county: villages, covered and uncovered by ground and by air, with the totals."""
    rows = coverage.by_county(path)
    totals = {key: sum(r[key] for r in rows) for key in
              ("villages", "ground", "air", "ground_uncovered", "air_uncovered")}  # fmt: skip
    n = totals["villages"] or 1
    totals.update(ground_share=round(totals["ground"] / n, 4),
                  air_share=round(totals["air"] / n, 4))  # fmt: skip
    return {"within": path, "rule": rule(), "counties": rows, "totals": totals}


# ---------------------------------------------------------------- dispatch routes


@router.get("/{int:pk}/suggestions", summary="Rescue forces on standby, fastest first")
def suggestions(
    request: HttpRequest, filters: Query[SuggestQuery], pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    rows = services.suggest(request.user, pk, specialty=filters.specialty or None,  # type: ignore[arg-type]
                            limit=filters.limit)  # fmt: skip
    return {"travel": services.travel_note(), "forces": rows}


@router.get("/{int:pk}/orders", summary="The incident's dispatch orders, newest first")
def order_list(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    return orders_of(get_incident(request.user, pk))  # type: ignore[arg-type]


@router.post("/{int:pk}/orders", summary="Dispatch a rescue force", response={201: dict[str, Any]})
def order_create(
    request: HttpRequest, payload: OrderIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    order = services.dispatch(request.user, pk, payload.force, note=payload.note)  # type: ignore[arg-type]
    return Status(201, order_item(order))


@router.post("/{int:pk}/orders/{int:order}/advance", summary="The order's next step")
def order_advance(
    request: HttpRequest,
    payload: AdvanceIn,
    pk: int = Path(..., ge=1, le=MAX_PK),
    order: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    return order_item(services.advance(request.user, pk, order, payload.status))  # type: ignore[arg-type]


@router.get("/{int:pk}/supplies", summary="The incident's supply requests with allocations")
def supply_list(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    return requests_of(get_incident(request.user, pk))  # type: ignore[arg-type]


@router.post("/{int:pk}/supplies", summary="Request supplies", response={201: dict[str, Any]})
def supply_create(
    request: HttpRequest, payload: SupplyIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    row = services.request_supplies(request.user, pk, payload.model_dump())  # type: ignore[arg-type]
    return Status(201, request_item(row))


@router.get("/supplies/{int:request_id}/sources", summary="Depot stock for it, nearest first")
def supply_sources(request: HttpRequest, request_id: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    return [source_item(r) for r in services.sources(request.user, request_id)]  # type: ignore[arg-type]


@router.post(
    "/supplies/{int:request_id}/allocations",
    summary="Send depot stock against a request (出库; never below zero)",
    response={201: dict[str, Any]},
)
def supply_allocate(
    request: HttpRequest, payload: AllocationIn, request_id: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    done = services.allocate(request.user, request_id, payload.item, payload.quantity)  # type: ignore[arg-type]
    return Status(201, requests_of(done.request.incident, done.request_id)[0])


# ---------------------------------------------------------------- coverage routes


@router.get("/coverage", summary="Rescue coverage per county in the caller's jurisdiction")
def coverage_counties(request: HttpRequest, filters: Query[CoverageQuery]) -> Any:
    require(request.user, Cap.VIEW_INCIDENTS)
    return coverage_table(within(request.user, filters.region))


@router.get(
    "/coverage/{mode}.geojson",
    summary="Villages outside the ground (50 km / 1 h) or air (30 min) coverage, as points",
)
def coverage_layer(
    request: HttpRequest, mode: Literal["ground", "air"], filters: Query[CoverageQuery]
) -> HttpResponse:
    require(request.user, Cap.VIEW_INCIDENTS)
    path = within(request.user, filters.region)
    return compact_json(request, coverage.geojson(mode, path), GEOJSON)

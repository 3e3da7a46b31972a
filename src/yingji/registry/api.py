"""Stock operations API (mounted under ``/api/registry-ops/``).

The generic ``/api/registry/stock_items/`` lists and reads stock but refuses to write it;
stock changes here, through the ledger service, so every change is a recorded movement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from yingji.core.schemas import IsoDate
from yingji.registry import services
from yingji.registry.models.depot import StockItem, StockMovement


class MovementIn(Schema):
    kind: str = Field(..., max_length=20, description="in, out, transfer, write_off (or 入库…)")
    quantity: Decimal = Field(..., description="Greater than 0, at most 2 decimals")
    reason: str = Field(..., max_length=200)
    to_depot: str | None = Field(None, max_length=32, description="Target depot code (调拨)")


class MovementOut(Schema):
    id: int
    item: str
    depot: str
    kind: str
    kind_label: str
    quantity: str
    delta: str
    balance_after: str
    to_depot: str | None
    reason: str
    occurred_at: dt.datetime
    actor: str


class ItemIn(Schema):
    category: str = Field(..., max_length=16)
    name: str = Field(..., max_length=100)
    unit: str = Field(..., max_length=10)
    quantity: Decimal = Field(..., description="Received now, with an initial 入库 line")
    reason: str = Field(..., max_length=200)
    batch: str = Field("", max_length=50)
    expires_on: IsoDate | None = None


class ItemOut(Schema):
    id: int
    code: str
    depot: str
    category: str
    name: str
    unit: str
    quantity: str
    batch: str
    expires_on: dt.date | None


def movement_out(movement: StockMovement) -> dict[str, Any]:
    return {
        "id": movement.pk,
        "item": movement.item.code,
        "depot": movement.item.depot.code,
        "kind": movement.kind,
        "kind_label": movement.get_kind_display(),
        "quantity": str(movement.quantity),
        "delta": str(movement.delta),
        "balance_after": str(movement.balance_after),
        "to_depot": movement.to_depot.code if movement.to_depot else None,
        "reason": movement.reason,
        "occurred_at": movement.occurred_at,
        "actor": movement.actor_label,
    }


def item_out(item: StockItem) -> dict[str, Any]:
    return {
        "id": item.pk, "code": item.code, "depot": item.depot.code, "category": item.category,
        "name": item.name, "unit": item.unit, "quantity": str(item.quantity),
        "batch": item.batch, "expires_on": item.expires_on,
    }  # fmt: skip


def record_movement(request: HttpRequest, item_id: int, payload: MovementIn) -> Any:
    """入库/出库/调拨/报废. A transfer returns two lines: out at the source, in at the target.

    409 ``insufficient_stock`` when stock would go negative (nothing is written); 404 for an
    item or target depot outside your jurisdiction.
    """
    written = services.record_movement(
        actor=request.user,
        item_id=item_id,
        kind=payload.kind,
        quantity=payload.quantity,
        reason=payload.reason,
        to_depot_code=payload.to_depot,
    )
    return Status(201, [movement_out(m) for m in written])


def register_item(request: HttpRequest, depot_id: int, payload: ItemIn) -> Any:
    """A new kind of stock in a depot, received with its first 入库 line."""
    item = services.register_item(
        actor=request.user,
        depot_id=depot_id,
        category=payload.category,
        name=payload.name,
        unit=payload.unit,
        quantity=payload.quantity,
        reason=payload.reason,
        batch=payload.batch,
        expires_on=payload.expires_on,
    )
    return Status(201, item_out(item))


def build_router() -> Router:
    """A fresh router (a ninja router attaches to one API; tests mount their own)."""
    ops = Router(tags=["registry operations"])
    ops.add_api_operation(
        "/stock-items/{item_id}/movements",
        ["POST"],
        record_movement,
        response={201: list[MovementOut]},
        summary="Record a stock movement (入库/出库/调拨/报废)",
    )
    ops.add_api_operation(
        "/depots/{depot_id}/stock-items",
        ["POST"],
        register_item,
        response={201: ItemOut},
        summary="Add a new stock item to a depot, with its initial 入库",
    )
    return ops


router = build_router()

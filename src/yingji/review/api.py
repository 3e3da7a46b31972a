"""Review API (``/api/review/``): the plan targets with their live value and status, one
target with its drill-down and trend, and manual values (enter, void).

Reads are scoped to the caller's jurisdiction (a region outside it is 404); writes go through
:mod:`yingji.review.services` (403 without ``review.manage``, 422 naming the field). Bodies
are strict: an unknown field is 422.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from yingji.core.errors import InvalidInput
from yingji.review import selectors, services
from yingji.review.indicators import STATUSES, Indicator
from yingji.review.models import ManualValue
from yingji.review.selectors import Figure

router = Router(tags=["review"])
MAX_PK: Final = 2**63 - 1


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ListQuery(Schema):
    region: str = Field("", max_length=12, description="region code (default: your region)")
    status: str = Field("", max_length=16, description="met, not_met, no_data, manual_pending")


class DetailQuery(Schema):
    region: str = Field("", max_length=12, description="region code (default: your region)")


class ManualIn(Strict):
    indicator: str = Field(..., max_length=64, description="a manual indicator's id")
    region: str = Field(..., max_length=12, description="region code within your jurisdiction")
    period: str = Field(..., max_length=7, description="YYYY or YYYY-MM")
    value: float = Field(..., description="in the indicator's unit (% 0–100, ‰ 0–1000)")
    source: str = Field(..., max_length=300, description="where the figure comes from")
    note: str = Field("", max_length=1000)


class VoidIn(Strict):
    reason: str = Field(..., max_length=300)


def _indicator(ind: Indicator) -> dict[str, Any]:
    return {
        "id": ind.id, "name_zh": ind.name_zh, "name_en": ind.name_en, "area": ind.area,
        "kind": ind.kind, "section": ind.section,
        "target": {"value": ind.target.value, "comparator": ind.target.comparator,
                   "unit": ind.target.unit, "text": ind.target.text},
    }  # fmt: skip


def _figure(figure: Figure) -> dict[str, Any]:
    return {
        **_indicator(figure.indicator), "value": figure.value, "numerator": figure.num,
        "denominator": figure.den, "status": figure.status, "period": figure.period or None,
        "note": figure.note,
        "trend": [{"date": day.isoformat(), "value": value} for day, value in figure.trend],
    }  # fmt: skip


def manual_body(row: ManualValue) -> dict[str, Any]:
    return {
        "id": row.pk, "indicator": row.indicator, "region": row.region_path,
        "period": row.period, "value": row.value, "source": row.source, "note": row.note,
        "entered_by": row.entered_by.get_username(), "entered_at": row.entered_at,
        "voided_at": row.voided_at, "void_reason": row.void_reason,
    }  # fmt: skip


@router.get("/indicators", summary="Every plan target for a region: value, status, trend")
def indicator_list(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    data = selectors.cockpit(request.user, query.region)  # type: ignore[arg-type]
    if query.status and query.status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    items = [_figure(f) for f in data["figures"] if not query.status or f.status == query.status]
    region = data["region"]
    return {"region": {"code": region.code, "path": region.path, "name": region.name},
            "as_of": data["as_of"], "met": data["met"], "total": data["total"],
            "items": items}  # fmt: skip


@router.get("/indicators/{indicator_id}", summary="One target: formula, value, drill-down")
def indicator_detail(
    request: HttpRequest, query: Query[DetailQuery],
    indicator_id: str = Path(..., max_length=64, pattern=r"^[a-z0-9-]+$"),
) -> dict[str, Any]:  # fmt: skip
    data = selectors.indicator(request.user, indicator_id, query.region)  # type: ignore[arg-type]
    figure: Figure = data["figure"]
    ind = figure.indicator
    region = data["region"]
    return {
        **_figure(figure), "quote": ind.quote, "formula": ind.formula, "source": ind.source,
        "owner": ind.owner,
        "region": {"code": region.code, "path": region.path, "name": region.name},
        "as_of": data["as_of"],
        "by_region": [{"path": d.row.path, "name": d.row.name, "own": d.row.own,
                       "value": d.row.value, "numerator": d.row.num, "denominator": d.row.den,
                       "status": None if d.row.own else d.status,
                       "units_url": d.units_url or None} for d in data["rows"]],
        "manual_values": [manual_body(m) for m in data["history"]],
    }  # fmt: skip


@router.post("/manual-values", summary="Enter a manual target's value for a region and period",
             response={201: dict[str, Any]})  # fmt: skip
def manual_create(request: HttpRequest, payload: ManualIn) -> Any:
    row = services.enter_manual(request.user, **payload.dict())  # type: ignore[arg-type]
    return Status(201, manual_body(row))


@router.post("/manual-values/{int:pk}/void", summary="Void a manual value (kept on record)")
def manual_void(request: HttpRequest, payload: VoidIn,
                pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    return manual_body(services.void_manual(request.user, pk, reason=payload.reason))  # type: ignore[arg-type]

"""Alarm API (``/api/monitoring/``): the alarm list, one alarm, acknowledging and disposing of
it, the alarm statistics, the station map's latest values and a sensor's time series.

Every read is limited to the caller's jurisdiction (:func:`yingji.core.scoping.scope`; an
alarm or sensor elsewhere is 404, as if it did not exist) and needs ``Cap.VIEW_ALARMS``;
handling goes through :mod:`yingji.monitoring.services`, which checks ``Cap.HANDLE_ALARMS``
(403) and refuses a second acknowledgement (409) or a bad disposition (422). Query
parameters are checked here first: unknown values of a choice, malformed codes and oversized
strings are 422 naming the parameter.

The reads (:mod:`yingji.monitoring.selectors`) are shared with the pages
(:mod:`yingji.monitoring.views`) and the live stream (:mod:`yingji.monitoring.stream`), so an
alarm has one shape everywhere.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from pydantic import ConfigDict, field_validator

from yingji.core.schemas import IsoDateTime
from yingji.monitoring import services
from yingji.monitoring.models import Disposition, Rule
from yingji.monitoring.selectors import (
    MAX_LIMIT,
    MAX_PK,
    STATES,
    alarms_for,
    detail,
    items,
    with_related,
)

router = Router(tags=["monitoring"])


class Strict(Schema):
    """A JSON body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class AlarmQuery(Schema):
    state: str = Field("all", max_length=16, description=" | ".join(STATES))
    rule: str = Field("", max_length=12, description=", ".join(Rule.values))
    level: int | None = Field(None, ge=0, le=3, description="lowest peak level: 0 蓝 … 3 红")
    sensor: str = Field("", max_length=48, description="sensor code")
    station: str = Field("", max_length=40, description="station code")
    region: str = Field("", max_length=12, description="region code (2–12 digits)")
    since: IsoDateTime | None = Field(None, description="started at or after (ISO 8601)")
    until: IsoDateTime | None = Field(None, description="started before (ISO 8601)")
    q: str = Field("", max_length=60, description="words of the sensor, station or detail")
    order: str = Field("newest", max_length=10, description="newest, or priority (the queue)")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)

    @field_validator("state", "rule", "sensor", "station", "region", "q", "order", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class AcknowledgeIn(Strict):
    note: str = Field("", max_length=services.MAX_NOTE)


class DisposeIn(Strict):
    disposition: str = Field(..., max_length=12, description=", ".join(Disposition.values))
    note: str = Field("", max_length=services.MAX_NOTE)


class StatsQuery(Schema):
    days: int = Field(30, ge=1, le=366)


# ---------------------------------------------------------------- endpoints


@router.get(
    "/alarms",
    summary="Sensor alarms in the caller's jurisdiction, newest first",
    description="Filters combine; `total` counts every match, `items` is one page. "
    "`level` is the lowest peak level (0 蓝 … 3 红); `order=priority` puts the open, "
    "unacknowledged alarms first (the queue's order).",
)
def alarm_list(request: HttpRequest, filters: Query[AlarmQuery]) -> dict[str, Any]:
    qs = alarms_for(request.user, filters)
    total = qs.count()
    page = with_related(qs)[filters.offset : filters.offset + filters.limit]
    return {
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": items(page),
    }


@router.get("/alarms/stats", summary="Alarms per day and rule, dispositions and noisy sensors")
def alarm_stats(request: HttpRequest, filters: Query[StatsQuery]) -> dict[str, Any]:
    stats = services.alarm_stats(request.user, days=filters.days)
    stats["rules"] = dict(Rule.choices)
    stats["dispositions"] = dict(Disposition.choices)
    return stats


@router.get("/alarms/{int:pk}", summary="One alarm: levels, values, handling record")
def alarm_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return detail(request.user, pk)


@router.post(
    "/alarms/{int:pk}/acknowledge",
    summary="Acknowledge (确认) an alarm: once; a second time is 409 naming who did",
)
def alarm_acknowledge(
    request: HttpRequest, payload: AcknowledgeIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    services.acknowledge(request.user, pk, note=payload.note)  # type: ignore[arg-type]
    return detail(request.user, pk)


@router.post(
    "/alarms/{int:pk}/dispose",
    summary="Dispose of (处置) an alarm: a verdict with a note; acknowledges it if nobody had",
    description="误报 (false), 测试 (test) and 设备维护 (maintenance) need a note saying why.",
)
def alarm_dispose(
    request: HttpRequest, payload: DisposeIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    services.dispose(
        request.user,  # type: ignore[arg-type]
        pk,
        disposition=payload.disposition,
        note=payload.note,
    )
    return detail(request.user, pk)

"""Warning API (``/api/alerts/``): the list, a warning's file, drafting and editing, the
lifecycle (submit, return, review, issue, withdraw; update and cancel start a replacement),
a draft from a monitoring alarm, CAP 1.2 import and each warning's CAP XML.

Reads are limited to the caller's jurisdiction (a warning elsewhere is 404, as if it did not
exist) and every write goes through :mod:`yingji.alerts.services`, which checks the roles
(403), the separation of duties (403, code ``separation``), the state (409 with ``allowed``)
and the input (422 naming the field). The payload builders here are shared with the pages
(:mod:`yingji.alerts.views`), so a warning has one shape everywhere.
"""

from __future__ import annotations

from typing import Any, Final

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from yingji.alerts import capio, catalogue, measures, services
from yingji.alerts.models import Certainty, Event, MsgType, State, Urgency, Warning
from yingji.alerts.services import fields
from yingji.core.errors import Conflict, InvalidInput
from yingji.core.openapi import file_response
from yingji.core.permissions import Cap, require
from yingji.core.scoping import scope
from yingji.kernels import cap, codes

router = Router(tags=["alerts"])

MAX_PK: Final = 2**63 - 1
MAX_LIMIT: Final = 200
MAX_CAP_BYTES: Final = 1_000_000
ACTIONS: Final = (*services.TRANSITIONS, "update", "cancel")


class Strict(Schema):
    """A JSON body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ListQuery(Schema):
    state: str = Field("", max_length=10, description=", ".join(State.values))
    type: str = Field("", max_length=16, description="warning type code, e.g. rainstorm")
    level: int | None = Field(None, ge=0, le=3, description="0 蓝 … 3 红")
    region: str = Field("", max_length=12, description="sender region code (2–12 digits)")
    q: str = Field("", max_length=60, description="words of the headline or identifier")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class AreaIn(Strict):
    description: str = Field("", max_length=200)
    region: str | None = Field(None, max_length=12, description="region code (6/9/12 digits)")
    polygon: list[Any] | None = Field(None, description="[[lat, lon], …], first point repeated")
    circle: list[Any] | None = Field(None, description="[lat, lon, radius km]")


class DraftIn(Strict):
    event_type: str = Field(..., max_length=16, description=", ".join(catalogue.BY_CODE))
    level: int = Field(..., description="0 蓝 … 3 红, one the type has")
    urgency: str = Field("Expected", max_length=9)
    certainty: str = Field("Likely", max_length=9)
    headline: str = Field(..., max_length=200)
    description: str = Field(..., max_length=4000)
    instruction: str = Field("", max_length=4000, description="default: the 防御指南 template")
    headline_en: str = Field("", max_length=200)
    description_en: str = Field("", max_length=4000)
    instruction_en: str = Field("", max_length=4000)
    onset: str | None = Field(None, max_length=40, description="ISO 8601 with offset")
    expires: str = Field(..., max_length=40, description="ISO 8601 with offset")
    sender: str = Field("", max_length=12, description="issuing office; default: your region")
    areas: list[AreaIn] = Field(..., max_length=fields.MAX_AREAS)


class DraftPatch(Strict):
    event_type: str | None = Field(None, max_length=16)
    level: int | None = None
    urgency: str | None = Field(None, max_length=9)
    certainty: str | None = Field(None, max_length=9)
    headline: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    instruction: str | None = Field(None, max_length=4000)
    headline_en: str | None = Field(None, max_length=200)
    description_en: str | None = Field(None, max_length=4000)
    instruction_en: str | None = Field(None, max_length=4000)
    onset: str | None = Field(None, max_length=40)
    expires: str | None = Field(None, max_length=40)
    areas: list[AreaIn] | None = Field(None, max_length=fields.MAX_AREAS)


class ActIn(Strict):
    note: str = Field("", max_length=2000)


class FromAlarmIn(Strict):
    alarm: int = Field(..., ge=1, le=MAX_PK)


# ---------------------------------------------------------------- payloads


def visible(actor: Any) -> QuerySet[Warning]:
    """The warnings the actor may see: their jurisdiction's, with ``Cap.VIEW_WARNINGS``."""
    require(actor, Cap.VIEW_WARNINGS)
    return scope(Warning.objects.all(), actor)


def filtered(actor: Any, filters: ListQuery) -> QuerySet[Warning]:
    """The list's warnings, filters checked (422 naming a bad one)."""
    qs = visible(actor)
    if filters.state:
        if filters.state not in State.values:
            raise InvalidInput(
                f"state: {filters.state!r} is not one of {', '.join(State.values)}", field="state"
            )
        qs = qs.filter(state=filters.state)
    if filters.type:
        if filters.type not in catalogue.BY_CODE:
            raise InvalidInput(f"type: unknown warning type {filters.type!r}", field="type")
        qs = qs.filter(event_type=filters.type)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    if filters.region:
        try:
            path = codes.short(filters.region)
        except codes.CodeError as exc:
            raise InvalidInput(f"region: {exc}", field="region") from None
        low, high = codes.subtree_bounds(path)
        qs = qs.filter(region_path__gte=low, region_path__lt=high)
    words = filters.q.strip()
    if words:
        qs = qs.filter(Q(headline__icontains=words) | Q(identifier__icontains=words))
    return qs


def item(actor: Any, warning: Warning) -> dict[str, Any]:
    """A list row: what a list shows and what the caller may do next."""
    return {
        "id": warning.pk,
        "identifier": warning.identifier,
        "title": warning.title,
        "headline": warning.headline,
        "state": warning.state,
        "state_label": State(warning.state).label,
        "msg_type": warning.msg_type,
        "msg_type_label": MsgType(warning.msg_type).label,
        "event_type": warning.event_type,
        "event_label": catalogue.BY_CODE[warning.event_type].name,
        "level": warning.level,
        "level_label": catalogue.LEVEL_NAMES[warning.level],
        "urgency": warning.urgency,
        "urgency_label": Urgency(warning.urgency).label,
        "certainty": warning.certainty,
        "certainty_label": Certainty(warning.certainty).label,
        "onset": warning.onset,
        "expires": warning.expires,
        "sender": {"code": codes.display(warning.sender.code), "name": warning.sender.name},
        "source": warning.source,
        "references": warning.references_id,
        "created_at": warning.created_at,
        "issued_at": warning.issued_at,
        "allowed_actions": services.allowed_actions(actor, warning),
    }


def _person(user: Any) -> str | None:
    return None if user is None else (getattr(user, "display_name", "") or user.username)


def areas(warning: Warning) -> list[dict[str, Any]]:
    rows = []
    for area in warning.areas.select_related("region").order_by("pk"):
        region = area.region
        rows.append(
            {
                "id": area.pk,
                "description": area.description,
                "region": None
                if region is None
                else {
                    "code": codes.display(region.code),
                    "name": region.name,
                    "path": region.path,
                    "lat": region.lat,
                    "lon": region.lon,
                },
                "polygon": area.polygon,
                "circle": area.circle,
            }
        )
    return rows


def events(warning: Warning) -> list[dict[str, Any]]:
    return [
        {
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor": _person(e.actor),
            "note": e.note,
            "at": e.at,
        }
        for e in Event.objects.filter(warning=warning).select_related("actor").order_by("at", "pk")
    ]


def detail(actor: Any, pk: int) -> dict[str, Any]:
    """A warning's whole file as the caller sees it (404 outside their jurisdiction)."""
    return file_of(actor, services.get_warning(actor, pk))


def file_of(actor: Any, warning: Warning) -> dict[str, Any]:
    """:func:`detail` of a warning already read through the scoped selector (the page reads
    it once, with its people joined)."""
    body = item(actor, warning)
    body.update(
        description=warning.description,
        instruction=warning.instruction,
        headline_en=warning.headline_en,
        description_en=warning.description_en,
        instruction_en=warning.instruction_en,
        source_alarm=warning.source_alarm_id,
        drafted_by=_person(warning.drafted_by),
        reviewed_by=_person(warning.reviewed_by),
        issued_by=_person(warning.issued_by),
        submitted_at=warning.submitted_at,
        reviewed_at=warning.reviewed_at,
        ended_at=warning.ended_at,
        updated_at=warning.updated_at,
        replaced_by=list(warning.replaced_by.values_list("pk", flat=True)),
        areas=areas(warning),
        events=events(warning),
        cap_url=f"/api/alerts/{warning.pk}/cap.xml",
    )
    return body


def cap_response(warning: Warning) -> HttpResponse:
    try:
        xml = capio.to_xml(warning)
    except cap.CapError as exc:
        raise Conflict(f"The warning cannot be rendered as CAP: {exc}", code="cap") from None
    response = HttpResponse(xml, content_type=f"{capio.CONTENT_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="warning-{warning.pk}.xml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _conflict(request: HttpRequest, exc: services.IllegalTransition) -> HttpResponse:
    from yingji.api import error  # noqa: PLC0415 - yingji.api imports this module

    return error(request, exc.status, exc.code, exc.message, exc.field, allowed=exc.allowed)


def _areas_data(raw: list[AreaIn]) -> list[dict[str, Any]]:
    return [area.model_dump(exclude_none=True) for area in raw]


# ---------------------------------------------------------------- endpoints


@router.get("/", summary="Warnings in the caller's jurisdiction, newest first")
def warning_list(request: HttpRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    qs = filtered(request.user, filters)
    total = qs.count()
    page = qs.select_related("sender")[filters.offset : filters.offset + filters.limit]
    return {
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [item(request.user, w) for w in page],
    }


@router.post("/", summary="Draft a warning (msgType Alert)", response={201: dict[str, Any]})
def warning_create(request: HttpRequest, payload: DraftIn) -> Any:
    data = payload.model_dump()
    data["areas"] = _areas_data(payload.areas)
    warning = services.create_draft(request.user, data)  # type: ignore[arg-type]
    return Status(201, detail(request.user, warning.pk))


@router.post(
    "/from-alarm",
    summary="Draft a warning from a monitoring alarm (type, level, area and figures filled)",
    response={201: dict[str, Any]},
)
def warning_from_alarm(request: HttpRequest, payload: FromAlarmIn) -> Any:
    warning = services.draft_from_alarm(request.user, payload.alarm)  # type: ignore[arg-type]
    return Status(201, detail(request.user, warning.pk))


@router.post(
    "/import-cap",
    summary="Draft a warning from an upstream CAP 1.2 document (the request body, ≤ 1 MB)",
    description="Only the areas in your jurisdiction are kept; an invalid document is 422 "
    "with the reason and nothing is created.",
    response={201: dict[str, Any]},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {capio.CONTENT_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def warning_import(request: HttpRequest) -> Any:
    body = request.body
    if len(body) > MAX_CAP_BYTES:
        raise InvalidInput(f"cap: larger than {MAX_CAP_BYTES} bytes", field="cap")
    warning = capio.from_cap(request.user, body)  # type: ignore[arg-type]
    return Status(201, detail(request.user, warning.pk))


@router.get("/{int:pk}", summary="A warning: areas, history and the caller's next actions")
def warning_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return detail(request.user, pk)


@router.patch("/{int:pk}", summary="Edit a draft (only the fields given; areas replace all)")
def warning_edit(
    request: HttpRequest, payload: DraftPatch, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    data = payload.model_dump(exclude_unset=True)
    if payload.areas is not None:
        data["areas"] = _areas_data(payload.areas)
    elif "areas" in data:
        raise InvalidInput("areas: give at least one area", field="areas")
    try:
        services.edit_draft(request.user, pk, data)  # type: ignore[arg-type]
    except services.IllegalTransition as exc:
        return _conflict(request, exc)
    return detail(request.user, pk)


@router.get(
    "/{int:pk}/cap.xml",
    summary="The warning as CAP 1.2 XML (status Draft until issued)",
    openapi_extra=file_response("CAP 1.2 XML", capio.CONTENT_TYPE),
)
def warning_cap(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> HttpResponse:
    warning = services.get_warning(request.user, pk)  # type: ignore[arg-type]
    return cap_response(warning)


@router.get(
    "/{int:pk}/measures",
    summary="How the warning did: reach, delivery per channel, speed, 叫应, lead time",
)
def warning_measures(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    warning = services.get_warning(request.user, pk)  # type: ignore[arg-type]
    return measures.measures(warning)


@router.post(
    "/{int:pk}/{action}",
    summary="A lifecycle step: submit, return, review, issue, withdraw; update or cancel",
    description="update and cancel start a new draft replacing this issued warning (201). "
    "A step not possible now is 409 with `allowed`; `return` needs a note.",
    response={200: dict[str, Any], 201: dict[str, Any]},
)
def warning_act(
    request: HttpRequest,
    action: str,
    payload: ActIn | None = None,
    pk: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    note = payload.note if payload is not None else ""
    if action not in ACTIONS:
        raise InvalidInput(
            f"action: {action[:20]!r} is not one of {', '.join(ACTIONS)}", field="action"
        )
    try:
        if action in ("update", "cancel"):
            copy = services.start_replacement(request.user, pk, action.capitalize())  # type: ignore[arg-type]
            return Status(201, detail(request.user, copy.pk))
        services.act(request.user, pk, action, note=note)  # type: ignore[arg-type]
    except services.IllegalTransition as exc:
        return _conflict(request, exc)
    return detail(request.user, pk)

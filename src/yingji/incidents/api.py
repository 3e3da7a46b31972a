"""Incident API (``/api/incidents/``): the list, 信息报送 (the 首报, then 续报 / 补报 / 终报),
上报 to the next level, grading, the command room's roles and tasks, and the timeline.

Reads are limited to the caller's jurisdiction (an incident elsewhere is 404, as if it did not
exist) and every write goes through :mod:`yingji.incidents.services`, which checks the roles
(403), the state (409: a closed incident, a report already forwarded, a work-safety accident
graded by hand) and the input (422 naming the field). JSON bodies are strict: an unknown field
or a value of the wrong type is 422 naming it. The shapes come from
:mod:`yingji.incidents.selectors`, shared with the pages and the live stream.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, StrictInt, StrictStr

from yingji.core.permissions import Cap, require
from yingji.incidents import selectors, services
from yingji.incidents.models import Source, Task
from yingji.incidents.selectors import MAX_PK
from yingji.incidents.services import get_incident, room

router = Router(tags=["incidents"])

MAX_LIMIT: Final = 200
TEXT_MAX: Final = 20_000  # the services hold the real limits and name them; this only bounds work
NO_NUL: Final = r"^[^\x00]*$"


class Strict(Schema):
    """A JSON body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ListQuery(Schema):
    status: str = Field("", max_length=10, description="open (处置中) or closed (已终报)")
    category: str = Field("", max_length=10, description="natural, accident, health, social")
    event_type: str = Field("", max_length=20, description="type code, e.g. hazchem")
    grade: int | None = Field(None, ge=0, le=3, description="0 一般 … 3 特别重大")
    region: str = Field("", max_length=12, description="region code (2–12 digits): its subtree")
    q: str = Field("", max_length=60, description="words of the title or the code")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


def _scalar(*kinds: type) -> Any:
    """A value of one of ``kinds`` (never a bool), checked before the services read it, so a
    refusal names the field itself rather than a member of a union."""
    names = " or ".join("text" if k is str else "a number" for k in kinds)

    def check(value: Any) -> Any:
        if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
            return value
        raise ValueError(f"must be {names}")

    return BeforeValidator(check)


Count = StrictInt | None
Loss = Annotated[Any, _scalar(int, float, str)]
Code = Annotated[Any, _scalar(str, int)]
Coordinate = Annotated[Any, _scalar(int, float)]


class ReportBody(Strict):
    description: StrictStr = Field(..., max_length=TEXT_MAX)
    unit: StrictStr = Field("", max_length=TEXT_MAX, description="单位概况")
    measures: StrictStr = Field("", max_length=TEXT_MAX, description="measures taken")
    other: StrictStr = Field("", max_length=TEXT_MAX)
    dead: Count = None
    missing: Count = None
    seriously_injured: Count = None
    direct_loss_yuan: Loss = Field(None, description="yuan; a number or a decimal string")


class IncidentIn(ReportBody):
    event_type: StrictStr = Field(..., max_length=40, description="type code, e.g. hazchem")
    region: Code = Field(..., description="region code, county or below")
    occurred_at: StrictStr = Field(..., max_length=40, description="ISO 8601 (Beijing time)")
    title: StrictStr = Field("", max_length=TEXT_MAX, description="default: place and type")
    address: StrictStr = Field("", max_length=TEXT_MAX)
    lon: Coordinate = None
    lat: Coordinate = None


class FollowUpIn(ReportBody):
    kind: Literal["update", "supplement", "final"] = Field(
        "update", description="update 续报, supplement 补报, final 终报 (closes the incident)"
    )


class GradeIn(Strict):
    grade: StrictInt = Field(..., description="0 一般, 1 较大, 2 重大, 3 特别重大")
    note: StrictStr = Field("", max_length=200, pattern=NO_NUL)


class RoleIn(Strict):
    role: StrictStr = Field(..., max_length=200, description="e.g. 指挥长")
    user: StrictInt = Field(..., ge=1, le=MAX_PK, description="the person's account id")


class TaskIn(Strict):
    title: StrictStr = Field(..., max_length=TEXT_MAX)
    role: StrictStr = Field("", max_length=40, pattern=NO_NUL)
    owner: StrictInt | None = Field(None, ge=1, le=MAX_PK)
    due_at: StrictStr | None = Field(None, max_length=40, description="ISO 8601")


class FinishIn(Strict):
    status: Literal["done", "cancelled"] = "done"
    note: StrictStr = Field("", max_length=500, pattern=NO_NUL)


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return selectors.detail(request.user, get_incident(request.user, pk))  # type: ignore[arg-type]


def _data(payload: Schema, *, exclude_none: bool = True) -> dict[str, Any]:
    return payload.model_dump(exclude_none=exclude_none)


# ---------------------------------------------------------------- reads


@router.get("/", summary="Incidents in the caller's jurisdiction, newest first")
def incident_list(request: HttpRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    qs = selectors.filtered(
        request.user, **filters.model_dump(exclude={"limit", "offset"})
    ).select_related("region")
    total = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit])
    late = selectors.overdue_ids(page)
    return {
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [selectors.item(i, overdue=i.pk in late) for i in page],
    }


@router.get(
    "/{int:pk}",
    summary="An incident: reports, receipts, time limits, roles, tasks, the latest timeline",
)
def incident_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return _detail(request, pk)


@router.get("/{int:pk}/timeline", summary="The timeline, newest first, a page at a time")
def incident_timeline(
    request: HttpRequest,
    pk: int = Path(..., ge=1, le=MAX_PK),
    before: int | None = Query(None, ge=1, le=MAX_PK, description="id of the last entry seen"),
    limit: int = Query(selectors.TIMELINE_PAGE, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    incident = get_incident(request.user, pk)  # type: ignore[arg-type]
    entries = selectors.timeline(incident, before=before, limit=limit)
    return {
        "items": [selectors.entry_item(e) for e in entries],
        "next_before": entries[-1].pk if len(entries) == limit else None,
    }


# ---------------------------------------------------------------- 信息报送


class FromAlarmIn(ReportBody):
    alarm: StrictInt = Field(..., ge=1, le=MAX_PK, description="the monitoring alarm's id")
    event_type: StrictStr = Field("", max_length=40, description="default: by the alarm's rule")
    occurred_at: StrictStr = Field("", max_length=40, description="default: the alarm's start")


@router.post(
    "/from-alarm", summary="File the 首报 from a monitoring alarm", response={201: dict[str, Any]}
)
def incident_from_alarm(request: HttpRequest, payload: FromAlarmIn) -> Any:
    """The alarm gives the place, point, start and figures; the body adds the rest."""
    data = _data(payload)
    alarm = data.pop("alarm")
    incident = services.report_from_alarm(request.user, alarm, data)  # type: ignore[arg-type]
    return Status(201, selectors.detail(request.user, incident))  # type: ignore[arg-type]


@router.post("/", summary="File the 首报 of a new incident", response={201: dict[str, Any]})
def incident_create(request: HttpRequest, payload: IncidentIn) -> Any:
    incident = services.report_incident(request.user, _data(payload), source=Source.API)  # type: ignore[arg-type]
    return Status(201, selectors.detail(request.user, incident))  # type: ignore[arg-type]


@router.post(
    "/{int:pk}/reports",
    summary="File a 续报, 补报 or 终报 (a work-safety accident is re-graded by its figures)",
    response={201: dict[str, Any]},
)
def incident_report(
    request: HttpRequest, payload: FollowUpIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    report = services.add_report(request.user, pk, _data(payload))  # type: ignore[arg-type]
    return Status(201, {"report": selectors.report_item(report), "incident": _detail(request, pk)})


@router.post("/{int:pk}/forward", summary="上报: the caller's office sends the report one level up")
def incident_forward(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    receipt = services.forward(request.user, pk)  # type: ignore[arg-type]
    return {"receipt": selectors.receipt_item(receipt), "incident": _detail(request, pk)}


@router.post("/{int:pk}/grade", summary="Grade an incident Decree 493 does not grade")
def incident_grade(
    request: HttpRequest, payload: GradeIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    services.set_grade(request.user, pk, payload.grade, payload.note)  # type: ignore[arg-type]
    return _detail(request, pk)


@router.post(
    "/{int:pk}/roles",
    summary="Give a role of the command room to a person (hands it off from the holder)",
    response={201: dict[str, Any]},
)
def incident_role(
    request: HttpRequest, payload: RoleIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    held = room.assign_role(request.user, pk, payload.role, payload.user)  # type: ignore[arg-type]
    role = {"role": held.role, "user": {"id": held.user_id}, "since": held.since}
    return Status(201, {"role": role, "incident": _detail(request, pk)})


@router.post("/{int:pk}/tasks", summary="Add a task", response={201: dict[str, Any]})
def incident_task(
    request: HttpRequest, payload: TaskIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    task = room.add_task(request.user, pk, _data(payload))  # type: ignore[arg-type]
    task = Task.objects.select_related("owner").get(pk=task.pk)
    return Status(
        201, {"task": selectors.task_item(task, task.created_at), "incident": _detail(request, pk)}
    )


@router.post("/{int:pk}/tasks/{int:task}/finish", summary="Mark a task done or cancelled")
def incident_task_finish(
    request: HttpRequest,
    payload: FinishIn | None = None,
    pk: int = Path(..., ge=1, le=MAX_PK),
    task: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    body = payload or FinishIn(status="done", note="")
    require(request.user, Cap.VIEW_INCIDENTS)
    done = room.finish_task(request.user, pk, task, status=body.status, note=body.note)  # type: ignore[arg-type]
    done = Task.objects.select_related("owner").get(pk=done.pk)
    return {"task": selectors.task_item(done, done.done_at), "incident": _detail(request, pk)}  # type: ignore[arg-type]

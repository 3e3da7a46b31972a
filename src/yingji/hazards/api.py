"""Hidden-hazard API (``/api/hazards/``): the queue, a hazard's file, reporting, the workflow,
evidence photos, 挂牌督办 and the criteria list for pickers.

Every read goes through :mod:`yingji.hazards.selectors` and every write through
:mod:`yingji.hazards.services`, so jurisdiction (a county user sees their county, an
enterprise user their own enterprise only) and the role checks live in one place; a hazard
outside the caller's reach is 404, as if it did not exist. Input is checked here first:
strings are capped, unknown fields are refused (422 naming the field), and an illegal
transition is a 409 that lists the actions allowed now.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Path, Query, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.photos import open_photo
from yingji.core.schemas import IsoDate
from yingji.hazards import selectors
from yingji.hazards.models import (
    OPEN_STATES,
    Category,
    Criterion,
    Evidence,
    Grade,
    HazardEvent,
    HiddenHazard,
    Source,
    Standard,
    State,
    Supervision,
)
from yingji.hazards.services import report, supervision, workflow
from yingji.kernels import codes
from yingji.kernels.identifiers import mobile_problem

router = Router(tags=["hazards"])

MAX_PK: Final = 2**63 - 1  # the largest id a database column holds
MAX_LIMIT: Final = 200
PHOTO_FIELD: Final = "photo"
TEXT_MAX: Final = 2000
# Actions recorded on a hazard besides the workflow's own transitions.
EVENT_LABELS: Final = {
    **workflow.LABELS,
    "report": "上报",
    "supervise": "挂牌督办",
    "lift": "解除督办",
    "overdue": "逾期",
    "escalate": "逾期升级",
}


class Strict(Schema):
    """A JSON body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class QueueQuery(Schema):
    state: str = Field("", max_length=12, description="a state, or 'open' for every open one")
    grade: str = Field("", max_length=8, description="general or major")
    source: str = Field("", max_length=12, description="self, inspection, patrol or public")
    region: str = Field("", max_length=12, description="region code (2–12 digits)")
    overdue: bool = Field(False, description="open hazards past their deadline only")
    supervised: bool = Field(False, description="under 挂牌督办 only")
    q: str = Field("", max_length=60, description="words of the title, number or enterprise")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class CriteriaQuery(Schema):
    standard: str = Field("", max_length=10, description="gongmao or chemical; default: both")
    q: str = Field("", max_length=50, description="words of the item, group or sector")


class ReportForm(Strict):
    """The multipart fields of a report (photos go in the ``photo`` file field, 0–6)."""

    enterprise: str = Field(
        "", max_length=18, pattern=r"^[0-9A-Za-z]*$", description="enterprise id or credit code"
    )
    region: str = Field("", max_length=12, description="region code, when no enterprise")
    lon: str = Field("", max_length=32)
    lat: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    category: str = Field("", max_length=12)
    grade: str = Field("", max_length=8, description="general (default) or major")
    criterion: str = Field("", max_length=19, pattern=r"^[0-9]*$", description="id (majors)")
    title: str = Field("", max_length=100)
    description: str = Field("", max_length=TEXT_MAX)
    source: str = Field("", max_length=12, description="staff: inspection or public")
    keep_location: bool = Field(False, description="keep the photos' GPS position")


class EvidenceForm(Strict):
    kind: str = Field(..., max_length=16, description="rectification, acceptance or report")
    keep_location: bool = False


class TransitionIn(Strict):
    action: str = Field(..., max_length=20, description=", ".join(workflow.BY_ACTION))
    note: str = Field("", max_length=TEXT_MAX)
    grade: Grade | None = None
    category: Category | None = None
    criterion: int | None = Field(None, ge=1, le=MAX_PK)
    deadline: IsoDate | None = None
    responsible_unit: str | None = Field(None, max_length=100)
    responsible_person: str | None = Field(None, max_length=50)
    responsible_phone: str | None = Field(None, max_length=11)
    plan_goal: str | None = Field(None, max_length=TEXT_MAX)
    plan_measures: str | None = Field(None, max_length=TEXT_MAX)
    plan_funding: str | None = Field(None, max_length=TEXT_MAX)
    plan_organisation: str | None = Field(None, max_length=TEXT_MAX)
    plan_deadline: IsoDate | None = None
    plan_safety: str | None = Field(None, max_length=TEXT_MAX)
    rectification_note: str | None = Field(None, max_length=TEXT_MAX)


class SuperviseIn(Strict):
    deadline: IsoDate
    office: str = Field("", max_length=100, description="default: the level's 安委办")
    published: bool = False


class LiftIn(Strict):
    note: str = Field(..., max_length=TEXT_MAX)


# ---------------------------------------------------------------- payloads


def _supervision(hazard: HiddenHazard) -> Supervision | None:
    try:
        return hazard.supervision
    except Supervision.DoesNotExist:
        return None


def _overdue(hazard: HiddenHazard, today: dt.date) -> bool:
    return hazard.state in OPEN_STATES and hazard.deadline is not None and hazard.deadline < today


def item(actor: Any, hazard: HiddenHazard, today: dt.date) -> dict[str, Any]:
    """A queue row: what a list shows and what may be done next."""
    listing = _supervision(hazard)
    enterprise = hazard.enterprise
    return {
        "id": hazard.pk,
        "code": hazard.code,
        "title": hazard.title,
        "state": hazard.state,
        "state_label": State(hazard.state).label,
        "grade": hazard.grade,
        "grade_label": hazard.get_grade_display(),
        "source": hazard.source,
        "source_label": hazard.get_source_display(),
        "category": hazard.category,
        "category_label": hazard.get_category_display(),
        "enterprise": {"id": enterprise.pk, "name": enterprise.name} if enterprise else None,
        "region": {"code": codes.display(hazard.region_id), "name": hazard.region.name},
        "deadline": hazard.deadline,
        "days_left": report.days_left(hazard, today) if hazard.is_open else None,
        "overdue": _overdue(hazard, today),
        "supervised": listing is not None and listing.lifted_at is None,
        "reported_at": hazard.reported_at,
        "allowed_actions": workflow.allowed(actor, hazard),
    }


def _criterion(criterion: Criterion | None) -> dict[str, Any] | None:
    if criterion is None:
        return None
    return {
        "id": criterion.pk,
        "standard": criterion.standard,
        "standard_label": criterion.get_standard_display(),
        "group": criterion.group,
        "sector": criterion.sector,
        "number": criterion.number,
        "text": criterion.text,
        "basis": criterion.basis,
        "active": criterion.active,
    }


def _supervision_out(listing: Supervision | None) -> dict[str, Any] | None:
    if listing is None:
        return None
    return {
        "level": listing.level,
        "level_label": listing.get_level_display(),
        "office": listing.office,
        "deadline": listing.deadline,
        "published": listing.published,
        "started_at": listing.started_at,
        "active": listing.lifted_at is None,
        "lifted_at": listing.lifted_at,
        "lift_note": listing.lift_note,
    }


def _evidence(hazard: HiddenHazard) -> list[dict[str, Any]]:
    rows = []
    for evidence in Evidence.objects.filter(hazard=hazard).select_related("photo").order_by("id"):
        photo = evidence.photo
        row: dict[str, Any] = {
            "id": evidence.pk,
            "kind": evidence.kind,
            "kind_label": evidence.get_kind_display(),
            "caption": evidence.caption,
            "photo": str(photo.pk),
            "url": f"/api/hazards/{hazard.pk}/photos/{photo.pk}",
            "content_type": photo.content_type,
            "width": photo.width,
            "height": photo.height,
            "uploaded_at": photo.uploaded_at,
        }
        if photo.lon is not None and photo.lat is not None:  # kept only when the uploader allowed
            row["lon"], row["lat"] = photo.lon, photo.lat
        rows.append(row)
    return rows


def _events(hazard: HiddenHazard) -> list[dict[str, Any]]:
    return [
        {
            "action": event.action,
            "label": EVENT_LABELS.get(event.action, event.action),
            "from_state": event.from_state,
            "to_state": event.to_state,
            "note": event.note,
            "actor": event.actor_label,
            "at": event.at,
        }
        for event in HazardEvent.objects.filter(hazard=hazard).order_by("at", "id")
    ]


def detail(actor: Any, pk: int) -> dict[str, Any]:
    """A hazard's whole file, read again through the selector (the caller's view of it)."""
    hazard = selectors.get_hazard(actor, pk)
    today = timezone.localdate()
    body = item(actor, hazard, today)
    body.update(
        description=hazard.description,
        address=hazard.address,
        lon=hazard.lon,
        lat=hazard.lat,
        responsible_unit=hazard.responsible_unit,
        responsible_person=hazard.responsible_person,
        responsible_phone=hazard.responsible_phone,
        **{name: getattr(hazard, name) for name in workflow.PLAN_FIELDS},
        rectification_note=hazard.rectification_note,
        acceptance_note=hazard.acceptance_note,
        void_reason=hazard.void_reason,
        criterion=_criterion(hazard.criterion),
        supervision=_supervision_out(_supervision(hazard)),
        escalated_to=codes.display(codes.to_12(hazard.escalated_to))
        if hazard.escalated_to
        else None,
        updated_at=hazard.updated_at,
        closed_at=hazard.closed_at,
        evidence=_evidence(hazard),
        events=_events(hazard),
    )
    return body


# ---------------------------------------------------------------- input helpers


def _photos(request: HttpRequest, form: type[Schema]) -> list[Any]:
    """The uploaded photos (file field ``photo``), once no unknown field came with them.

    Ninja hands a form schema only the fields it declares, so a misspelt field (or photos
    sent under another name) would be dropped without a word: refuse it instead.
    """
    unknown = sorted({*request.POST} - set(form.model_fields))
    if unknown:
        name = unknown[0][:30]
        raise InvalidInput(f"{name}: unknown field", field=name)
    unknown = sorted(name for name in request.FILES if name != PHOTO_FIELD)
    if unknown:
        name = unknown[0][:30]
        raise InvalidInput(
            f"{name}: unknown file field; send photos as '{PHOTO_FIELD}'", field=name
        )
    return request.FILES.getlist(PHOTO_FIELD)


def _transition_data(payload: TransitionIn) -> dict[str, Any]:
    """The fields the action writes, checked: a field the action does not take is refused."""
    data = payload.model_dump(exclude_none=True, exclude={"action"})
    takes = workflow.WRITABLE.get(payload.action)
    if takes is None:
        return data  # an unknown action: the service names the ones it knows
    stray = sorted(payload.model_fields_set - {*takes, "action", "note"})
    if stray:
        raise InvalidInput(
            f"{stray[0]}: not used by '{payload.action}' (it takes: {', '.join((*takes, 'note'))})",
            field=stray[0],
        )
    phone = data.get("responsible_phone")
    if phone and (problem := mobile_problem(phone)):
        raise InvalidInput(f"responsible_phone: {problem}", field="responsible_phone")
    criterion = data.get("criterion")
    if criterion is not None and not Criterion.objects.filter(pk=criterion, active=True).exists():
        raise InvalidInput(f"criterion: no criterion {criterion} in force", field="criterion")
    return data


# ---------------------------------------------------------------- endpoints


@router.get(
    "/",
    summary="The hidden-hazard queue: overdue first, then the nearest deadline",
    description="Filters combine; `total` counts every match, `items` is one page.",
)
def hazard_list(request: HttpRequest, filters: Query[QueueQuery]) -> dict[str, Any]:
    if filters.source and filters.source not in Source.values:
        raise InvalidInput(
            f"source: {filters.source!r} is not one of {', '.join(Source.values)}", field="source"
        )
    qs = selectors.queue(
        request.user,
        state=filters.state,
        grade=filters.grade,
        source=filters.source,
        region=filters.region,
        overdue_only=filters.overdue,
        supervised=filters.supervised,
        text=filters.q,
    )
    total = qs.count()
    page = qs.select_related("region", "supervision")[
        filters.offset : filters.offset + filters.limit
    ]
    today = timezone.localdate()
    return {
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [item(request.user, hazard, today) for hazard in page],
    }


@router.get("/criteria", summary="Major-hazard criteria in force (判定标准条目), for pickers")
def criteria(request: HttpRequest, filters: Query[CriteriaQuery]) -> dict[str, Any]:
    require(request.user, Cap.VIEW_HAZARDS)
    qs = Criterion.objects.filter(active=True)
    if filters.standard:
        if filters.standard not in Standard.values:
            raise InvalidInput(
                f"standard: {filters.standard!r} is not one of {', '.join(Standard.values)}",
                field="standard",
            )
        qs = qs.filter(standard=filters.standard)
    words = filters.q.strip()
    if words:
        qs = qs.filter(
            Q(text__icontains=words)
            | Q(group__icontains=words)
            | Q(sector__icontains=words)
            | Q(number=words)
        )
    rows = [_criterion(c) for c in qs.order_by("standard", "id")]
    return {"total": len(rows), "items": rows}


@router.post(
    "/",
    summary="Report a hidden hazard (multipart: fields and 0–6 `photo` files)",
    response={201: dict[str, Any]},
)
def report_hazard(
    request: HttpRequest,
    form: Form[ReportForm],
    photo: File[list[UploadedFile] | None] = None,  # read in _photos; declared for the docs
) -> Any:
    data = form.model_dump()
    data["keep_location"] = "1" if form.keep_location else ""
    hazard = report.report(actor=request.user, data=data, photos=_photos(request, ReportForm))
    return Status(201, detail(request.user, hazard.pk))


@router.get("/{int:pk}", summary="A hidden hazard's file: plan, evidence, history, next actions")
def hazard_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return detail(request.user, pk)


@router.post(
    "/{int:pk}/transitions",
    summary="Move a hazard along the workflow (register, start, submit, accept, close …)",
    description="An action not possible from the current state is 409 with `allowed`.",
)
def hazard_transition(
    request: HttpRequest, payload: TransitionIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    data = _transition_data(payload)
    try:
        workflow.transition(actor=request.user, pk=pk, action=payload.action, data=data)
    except workflow.IllegalTransition as exc:
        from yingji.api import error  # noqa: PLC0415 - yingji.api imports this module

        return error(request, exc.status, exc.code, exc.message, exc.field, allowed=exc.allowed)
    return detail(request.user, pk)


@router.post(
    "/{int:pk}/evidence",
    summary="Add evidence photos (multipart: `kind` and 1–6 `photo` files)",
    response={201: dict[str, Any]},
)
def hazard_evidence(
    request: HttpRequest,
    form: Form[EvidenceForm],
    photo: File[list[UploadedFile] | None] = None,  # read in _photos; declared for the docs
    pk: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    report.add_evidence(
        actor=request.user,
        pk=pk,
        kind=form.kind,
        photos=_photos(request, EvidenceForm),
        keep_location=form.keep_location,
    )
    return Status(201, detail(request.user, pk))


@router.get(
    "/{int:pk}/photos/{uuid:photo_id}",
    summary="One evidence photo of a hazard the caller may see",
)
def hazard_photo(
    request: HttpRequest, photo_id: uuid.UUID, pk: int = Path(..., ge=1, le=MAX_PK)
) -> HttpResponse:
    hazard = selectors.get_hazard(request.user, pk)
    evidence = (
        Evidence.objects.filter(hazard=hazard, photo_id=photo_id).select_related("photo").first()
    )
    if evidence is None:
        raise NotFound(f"No photo {photo_id} on hazard {hazard.code}", field="photo")
    photo = evidence.photo
    response = FileResponse(open_photo(photo).open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@router.post(
    "/{int:pk}/supervision",
    summary="List a major hazard for 挂牌督办 at the caller's level",
    response={201: dict[str, Any]},
)
def hazard_supervise(
    request: HttpRequest, payload: SuperviseIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    data = payload.model_dump()
    if not data["office"].strip():
        data.pop("office")
    supervision.supervise(actor=request.user, pk=pk, data=data)
    return Status(201, detail(request.user, pk))


@router.delete("/{int:pk}/supervision", summary="Lift the 挂牌督办 (needs the acceptance)")
def hazard_lift(
    request: HttpRequest, payload: LiftIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    supervision.lift(actor=request.user, pk=pk, note=payload.note)
    return detail(request.user, pk)


@router.post("/{int:pk}/supervision/lift", summary="Lift the 挂牌督办 (same as DELETE)")
def hazard_lift_post(
    request: HttpRequest, payload: LiftIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    return hazard_lift(request, payload, pk)

"""Enforcement API, inspections (掌上执法) under ``/api/enforcement/``: my tasks, a task with
its checklist, start, findings with photos (multipart), a hidden hazard from a finding,
completion, cancel, ad-hoc tasks, document preview and issue (signatures as PNG data URLs),
and the issued documents as PDF and Word.

Reads are limited to what the caller may see (404 otherwise); every write goes through
:mod:`yingji.enforcement.services.inspections` / ``documents``, which check the person (403),
the state (409 with a code) and the input (422 naming the field). JSON bodies are strict: an
unknown field is 422, as is an unknown multipart field.
"""

from __future__ import annotations

import uuid
from typing import Any, Final
from urllib.parse import quote

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Path, Query, Router, Schema, Status, UploadedFile

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.openapi import file_response
from yingji.core.photos import open_photo
from yingji.core.schemas import Id, IsoDate, Strict
from yingji.enforcement.models import EnforcementDocument, InspectionTask
from yingji.enforcement.services import documents, inspections
from yingji.enforcement.services.inspections.tasks import MAX_CREW

router = Router(tags=["enforcement"])

MAX_PK: Final = 2**63 - 1
MAX_LIMIT: Final = 200
TEXT_MAX: Final = 2000
SIGNATURE_MAX: Final = 700_000  # characters of a data URL: a 500 KB PNG in base64, and some
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PHOTO_FIELD: Final = "photo"


class TaskQuery(Schema):
    state: str = Field("", max_length=12, description="a task state, or 'open'")
    plan: str = Field("", max_length=19, pattern=r"^[0-9]*$")
    item: str = Field("", max_length=19, pattern=r"^[0-9]*$")
    inspector: str = Field("", max_length=19, pattern=r"^[0-9]*$")
    overdue: bool = False
    q: str = Field("", max_length=60, description="words of the code or enterprise name")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class TaskIn(Strict):
    kind: str = Field(..., max_length=12, description="complaint or follow_up")
    enterprise: int = Field(..., ge=1, le=MAX_PK)
    item: int = Field(..., ge=1, le=MAX_PK)
    inspectors: list[Id] = Field(..., min_length=2, max_length=MAX_CREW)
    due_on: IsoDate


class StartIn(Strict):
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)


class FindingForm(Strict):
    """The multipart fields of a finding (photos go in the ``photo`` file field, 0–6)."""

    point_id: str = Field(..., max_length=20)
    compliant: str = Field(..., max_length=5, description="1 (compliant) or 0")
    description: str = Field("", max_length=TEXT_MAX)
    lon: str = Field("", max_length=32)
    lat: str = Field("", max_length=32)


class HazardIn(Strict):
    title: str = Field("", max_length=100, description="default: the check point")
    description: str = Field("", max_length=TEXT_MAX, description="default: the finding's")
    category: str = Field("", max_length=12, description="a hazard category; default other")
    grade: str = Field("", max_length=8, description="general (default) or major")
    criterion: int | None = Field(None, ge=1, le=MAX_PK, description="majors: the criterion")


class CompleteIn(Strict):
    outcome: str = Field(..., max_length=12)
    summary: str = Field("", max_length=TEXT_MAX)
    present_person: str = Field("", max_length=50)


class CancelIn(Strict):
    reason: str = Field(..., max_length=200)


class SignatureIn(Strict):
    role: str = Field(..., max_length=12, description="inspector or enterprise")
    name: str = Field(..., max_length=50)
    image: str = Field(..., max_length=SIGNATURE_MAX, description="data:image/png;base64,…")


class DocumentIn(Strict):
    kind: str = Field(..., max_length=14, description="site_record, rectify_order or review")
    rectify_by: IsoDate | None = None
    instruction: str = Field("", max_length=TEXT_MAX)
    place: str = Field("", max_length=200)
    present_person: str = Field("", max_length=50)
    note: str = Field("", max_length=TEXT_MAX)
    opinion: str = Field("", max_length=TEXT_MAX)
    signatures: list[SignatureIn] = Field(default_factory=list, max_length=10)


# ---------------------------------------------------------------- payloads


def task_item(task: InspectionTask) -> dict[str, Any]:
    return {
        "id": task.pk,
        "code": task.code,
        "kind": task.kind,
        "state": task.state,
        "state_label": task.get_state_display(),
        "due_on": task.due_on,
        "overdue": inspections.is_overdue(task),
        "enterprise": {"id": task.enterprise_id, "name": task.enterprise.name},
        "item": {"id": task.item_id, "code": task.item.code, "name": task.item.name},
        "plan": task.plan.code if task.plan_id else None,
        "outcome": task.outcome or None,
    }


def task_detail(actor: Any, task: InspectionTask) -> dict[str, Any]:
    findings = {f.point_id: f for f in task.findings.prefetch_related("photos")}
    base = f"/api/enforcement/tasks/{task.pk}"
    points = []
    for point in inspections.checklist(task):
        f = findings.get(point["id"])
        points.append({
            **point,
            "finding": None if f is None else {
                "id": f.pk, "compliant": f.compliant, "description": f.description,
                "lon": f.lon, "lat": f.lat, "hazard": f.hazard_id,
                "photos": [f"{base}/photos/{p.pk}" for p in f.photos.order_by("uploaded_at")],
            },
        })  # fmt: skip
    e = task.enterprise
    return task_item(task) | {
        "enterprise": {"id": e.pk, "name": e.name, "address": e.address,
                       "credit_code": e.credit_code},
        "legal_basis": task.item.legal_basis,
        "crew": [
            {"id": c.inspector_id, "name": c.inspector.name,
             "certificate": c.inspector.certificate_number, "lead": c.lead}
            for c in inspections.crew(task)
        ],
        "started_at": task.started_at, "start_lon": task.start_lon, "start_lat": task.start_lat,
        "completed_at": task.completed_at, "summary": task.summary,
        "present_person": task.present_person, "cancel_reason": task.cancel_reason,
        "checklist": points,
        "actions": inspections.allowed_actions(actor, task),
        "can_act": inspections.may_act(actor, task),
        "documents": [document_item(d) for d in task.documents.order_by("issued_at")],
    }  # fmt: skip


def document_item(document: EnforcementDocument) -> dict[str, Any]:
    base = f"/api/enforcement/documents/{document.pk}"
    return {
        "id": document.pk,
        "kind": document.kind,
        "title": documents.TITLES.get(document.kind, document.get_kind_display()),
        "number": document.number,
        "task": document.task_id,
        "enterprise": document.enterprise_id,
        "rectify_by": document.rectify_by,
        "issued_at": document.issued_at,
        "pdf_url": f"{base}.pdf",
        "docx_url": f"{base}.docx",
    }


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return task_detail(request.user, inspections.get_task(request.user, pk))


# ---------------------------------------------------------------- tasks


@router.get("/tasks", summary="My inspection tasks (inspector: own; enterprise: own; staff: area)")
def list_tasks(request: HttpRequest, filters: Query[TaskQuery]) -> dict[str, Any]:
    args = filters.model_dump(exclude={"limit", "offset"})
    args["overdue"] = "1" if filters.overdue else ""
    found = inspections.task_list(request.user, args)
    window = found[filters.offset : filters.offset + filters.limit]
    return {"total": found.count(), "items": [task_item(t) for t in window]}


@router.post("/tasks", summary="Open an ad-hoc task (complaint, follow-up)", response={201: dict})
def open_task(request: HttpRequest, payload: TaskIn) -> Any:
    task = inspections.open_task(actor=request.user, data=payload.model_dump())
    return Status(201, _detail(request, task.pk))


@router.get("/tasks/{int:pk}", summary="A task: enterprise, basis, crew, checklist, actions")
def get_task(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return _detail(request, pk)


@router.post("/tasks/{int:pk}/start", summary="开始检查 (with the phone's position if given)")
def start(request: HttpRequest, payload: StartIn, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    data = {"lon": payload.lon, "lat": payload.lat}
    inspections.start(actor=request.user, pk=pk, data=data)
    return _detail(request, pk)


@router.post(
    "/tasks/{int:pk}/findings",
    summary="Record a check point's finding (multipart: fields and 0–6 `photo` files)",
    response={201: dict},
)
def record_finding(
    request: HttpRequest,
    form: Form[FindingForm],
    photo: File[list[UploadedFile] | None] = None,  # read in _photos; declared for the docs
    pk: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    photos = _photos(request)
    finding = inspections.record_finding(
        actor=request.user, pk=pk, data=form.model_dump(), photos=photos
    )
    return Status(201, {"finding": finding.pk} | _detail(request, pk))


def _photos(request: HttpRequest) -> list[Any]:
    """The photos, once no unknown field came with them (ninja would drop it silently)."""
    unknown = sorted({*request.POST} - set(FindingForm.model_fields))
    unknown += sorted(name for name in request.FILES if name != PHOTO_FIELD)
    if unknown:
        name = unknown[0][:30]
        raise InvalidInput(f"{name}: unknown field; send photos as '{PHOTO_FIELD}'", field=name)
    return request.FILES.getlist(PHOTO_FIELD)


@router.post(
    "/tasks/{int:pk}/findings/{int:finding_id}/hazard",
    summary="生成隐患: a hidden hazard from a non-compliant finding",
    response={201: dict},
)
def create_hazard(
    request: HttpRequest,
    payload: HazardIn,
    pk: int = Path(..., ge=1, le=MAX_PK),
    finding_id: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    data = payload.model_dump()
    data["criterion"] = str(payload.criterion or "")
    hazard = inspections.create_hazard(actor=request.user, pk=pk, finding_id=finding_id, data=data)
    return Status(
        201,
        {"hazard": {"id": hazard.pk, "code": hazard.code, "url": f"/api/hazards/{hazard.pk}"}},
    )


@router.post("/tasks/{int:pk}/complete", summary="Complete: outcome and summary")
def complete(
    request: HttpRequest, payload: CompleteIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    inspections.complete(actor=request.user, pk=pk, data=payload.model_dump())
    return _detail(request, pk)


@router.post("/tasks/{int:pk}/cancel", summary="Cancel (bureau staff, with a reason)")
def cancel(request: HttpRequest, payload: CancelIn, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    inspections.cancel(actor=request.user, pk=pk, data=payload.model_dump())
    return _detail(request, pk)


@router.get("/tasks/{int:pk}/photos/{uuid:photo_id}", summary="A finding's photo")
def photo(
    request: HttpRequest, photo_id: uuid.UUID, pk: int = Path(..., ge=1, le=MAX_PK)
) -> FileResponse:
    task = inspections.get_task(request.user, pk)
    found = task.findings.filter(photos=photo_id).first()
    stored = found.photos.filter(pk=photo_id).first() if found else None
    if stored is None:
        raise NotFound(f"No photo {photo_id} on task {task.code}", field="photo")
    response = FileResponse(open_photo(stored).open("rb"), content_type=stored.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- documents


def _document_data(payload: DocumentIn) -> dict[str, Any]:
    return payload.model_dump(exclude={"kind", "signatures"})


@router.post(
    "/tasks/{int:pk}/documents/preview",
    summary="The content a document would be issued with now (no number, no signatures)",
)
def preview_document(
    request: HttpRequest, payload: DocumentIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    return documents.draft(
        actor=request.user, pk=pk, kind=payload.kind, data=_document_data(payload)
    )


@router.post(
    "/tasks/{int:pk}/documents",
    summary="签发: issue a document with its signatures (PNG data URLs from the pads)",
    response={201: dict},
)
def issue_document(
    request: HttpRequest, payload: DocumentIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    document = documents.issue(
        actor=request.user,
        pk=pk,
        kind=payload.kind,
        data=_document_data(payload),
        signatures=[s.model_dump() for s in payload.signatures],
    )
    return Status(201, document_item(document))


@router.get("/documents/{int:pk}", summary="An issued document: number, content, signers")
def get_document(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    document = documents.get_document(request.user, pk)
    signers = [{"role": s.role, "name": s.name} for s in document.signatures.order_by("pk")]
    return document_item(document) | {"content": document.content, "signers": signers}


@router.get(
    "/documents/{int:pk}.pdf",
    summary="The document as issued (PDF)",
    openapi_extra=file_response("The signed document (PDF)", "application/pdf"),
)
def document_pdf(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> HttpResponse:
    document = documents.get_document(request.user, pk)
    return _file(
        documents.pdf_bytes(document), documents.filename(document, "pdf"), "application/pdf"
    )


@router.get(
    "/documents/{int:pk}.docx",
    summary="The document as Word, from the stored content",
    openapi_extra=file_response("The document (.docx)", DOCX),
)
def document_docx(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> HttpResponse:
    document = documents.get_document(request.user, pk)
    return _file(documents.docx_bytes(document), documents.filename(document, "docx"), DOCX)


def _file(data: bytes, name: str, content_type: str) -> HttpResponse:
    """An attachment with a UTF-8 file name (RFC 6266) and an ASCII fallback."""
    response = HttpResponse(data, content_type=content_type)
    fallback = f"document-{timezone.localdate().isoformat()}.{name.rsplit('.', 1)[-1]}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""掌上执法 pages, phone first (375 px): the task list, a task with its checklist, the document
preview with signature pads, and the issued documents as PDF and Word.

Reads go through the scoped selectors (a task or document the user may not see is 404, like
one that does not exist) and writes through :mod:`yingji.enforcement.services.inspections`
and ``documents``; a refusal is shown in the form it came from with the service's message:
422 bad input, 409 a step the state does not allow, 403 a role or person who may not act.
"""

from __future__ import annotations

import io
from typing import Any, Final
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.errors import DomainError, Forbidden, NotFound
from yingji.core.pages import deny as _deny
from yingji.core.pages import status_of
from yingji.core.permissions import Cap, has
from yingji.core.photos import open_photo
from yingji.enforcement import inspection_exports as _registers_the_export  # noqa: F401
from yingji.enforcement import inspection_forms as forms
from yingji.enforcement import selectors
from yingji.enforcement.models import DocumentKind, InspectionTask, Outcome, TaskKind
from yingji.enforcement.services import documents, inspections
from yingji.hazards.models import OPEN_STATES, Category, Grade, HiddenHazard

PAGE_SIZE: Final = 30
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _task(request: HttpRequest, pk: Any) -> InspectionTask:
    try:
        return inspections.get_task(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# ---------------------------------------------------------------- the list


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT):
        return _deny(request, _("Your roles do not include enforcement."))
    filters = forms.task_filters(request.GET)
    try:
        found = inspections.task_list(user, filters.args())
    except DomainError as exc:
        messages.error(request, exc.message)
        filters = forms.TaskFilters()
        found = inspections.task_list(user)
    context: dict[str, Any] = {"filters": filters, "mode": "staff"}
    if selectors.is_field_inspector(user):
        context.update(mode="inspector", groups=forms.groups(found))
    elif selectors.is_enterprise(user):
        context.update(mode="enterprise", rows=forms.rows(found[:200]))
    else:
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            page=page,
            rows=forms.rows(page),
            can_manage=has(user, Cap.MANAGE_ENFORCEMENT),
            **forms.filter_choices(user),
        )
    return render(request, "enforcement/task_list.html", context)


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    """An ad-hoc task (举报/转办, 复查) staffed from the pool by bureau staff."""
    if not has(request.user, Cap.MANAGE_ENFORCEMENT):
        return _deny(request, _("Only bureau staff open inspection tasks."))
    values = forms.values(request.POST, forms.TASK_FIELDS) if request.method == "POST" else {}
    chosen = [str(x)[:19] for x in request.POST.getlist("inspectors")[:20]]
    failure, status = None, 200
    if request.method == "POST":
        try:
            task = inspections.open_task(actor=request.user, data={**values, "inspectors": chosen})
        except DomainError as exc:
            failure, status = forms.failure(exc), status_of(exc)
        else:
            messages.success(request, _("Task %(code)s opened.") % {"code": task.code})
            return redirect("enforcement-task", pk=task.pk)
    context = {
        "values": values,
        "chosen": chosen,
        "failure": failure,
        "kinds": [(k, TaskKind(k).label) for k in (TaskKind.COMPLAINT, TaskKind.FOLLOW_UP)],
        "enterprise_name": forms.enterprise_name(request.user, values.get("enterprise", "")),
        **forms.filter_choices(request.user),
    }
    return render(request, "enforcement/task_new.html", context, status=status)


# ---------------------------------------------------------------- one task


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _task(request, pk))


def _detail(
    request: HttpRequest,
    task: InspectionTask,
    *,
    failure: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_act = inspections.may_act(user, task)
    context = {
        "task": task,
        "late": inspections.is_overdue(task),
        "crew": inspections.crew(task),
        "colour": forms.colour(task),
        "open_hazards": HiddenHazard.objects.filter(
            enterprise=task.enterprise_id, state__in=OPEN_STATES
        ).count(),
        "points": forms.checklist(task),
        "can_act": can_act,
        "actions": inspections.allowed_actions(user, task),
        "working": task.state in inspections.WORK["finding"],
        "hazard_allowed": task.state in inspections.WORK["hazard"],
        "can_document": can_act and task.state in inspections.WORK["document"],
        "documents": task.documents.order_by("issued_at"),
        "document_kinds": _document_kinds(task),
        "failure": failure,
        "outcomes": Outcome.choices,
        "categories": Category.choices,
        "grades": Grade.choices,
        "max_photos": inspections.MAX_PHOTOS,
        "i18n": _js_strings(),
    }
    return render(request, "enforcement/task_detail.html", context, status=status)


def _document_kinds(task: InspectionTask) -> list[tuple[str, str]]:
    kinds = [DocumentKind.SITE_RECORD, DocumentKind.RECTIFICATION_ORDER]
    if task.kind == TaskKind.FOLLOW_UP:
        kinds.append(DocumentKind.REVIEW_OPINION)
    return [(k, documents.TITLES[k]) for k in kinds]


def _js_strings() -> dict[str, str]:
    return {
        "locating": _("Finding your position…"),
        "located": _("Position {lon}, {lat} (± {acc} m)"),
        "noLocation": _("No position: {error}"),
        "unsupported": _("This browser cannot give a position."),
        "tooMany": _("At most {n} photos; the first {n} are kept."),
        "sending": _("Sending…"),
    }


@login_required
@require_POST
def task_act(request: HttpRequest, pk: int) -> HttpResponse:
    """开始检查 / 完成检查 / 取消任务."""
    task = _task(request, pk)
    action = str(request.POST.get("action") or "")[:20]
    data = forms.values(request.POST, ("lon", "lat", "reason", *forms.COMPLETE_FIELDS))
    steps = {"start": inspections.start, "complete": inspections.complete,
             "cancel": inspections.cancel}  # fmt: skip
    if action not in steps:
        return _detail(
            request, task, status=422,
            failure={"where": "act", "message": _("Unknown action."), "field": "action"},
        )  # fmt: skip
    try:
        steps[action](actor=request.user, pk=task.pk, data=data)
    except DomainError as exc:
        return _failed(request, task, exc, action, values=data)
    labels = {"start": _("Inspection started."), "complete": _("Inspection completed."),
              "cancel": _("Task cancelled.")}  # fmt: skip
    messages.success(request, labels[action])
    return redirect("enforcement-task", pk=task.pk)


def _failed(
    request: HttpRequest, task: InspectionTask, exc: DomainError, where: str, **extra: Any
) -> HttpResponse:
    if isinstance(exc, Forbidden) and not inspections.may_act(request.user, task):
        return _deny(request, exc.message)
    task = _task(request, task.pk)  # as it is now: nothing changed
    return _detail(request, task, failure=forms.failure(exc, where, **extra), status=status_of(exc))


@login_required
@require_POST
def finding_save(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    data = forms.values(request.POST, forms.FINDING_FIELDS)
    photos = request.FILES.getlist("photo")
    try:
        inspections.record_finding(actor=request.user, pk=task.pk, data=data, photos=photos)
    except DomainError as exc:
        where = f"point-{data['point_id'][:20]}"
        return _failed(request, task, exc, where, values=data, photos=len(photos))
    messages.success(request, _("Check point %(id)s saved.") % {"id": data["point_id"]})
    return redirect(reverse("enforcement-task", args=[task.pk]) + f"#point-{data['point_id']}")


@login_required
@require_POST
def finding_hazard(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    task = _task(request, pk)
    data = forms.values(request.POST, forms.HAZARD_FIELDS)
    try:
        hazard = inspections.create_hazard(
            actor=request.user, pk=task.pk, finding_id=finding_id, data=data
        )
    except DomainError as exc:
        finding = task.findings.filter(pk=finding_id).values_list("point_id", flat=True).first()
        return _failed(request, task, exc, f"hazard-{finding}", values=data)
    messages.success(request, _("Hidden hazard %(code)s created.") % {"code": hazard.code})
    return redirect(reverse("enforcement-task", args=[task.pk]) + f"#finding-{finding_id}")


@login_required
def finding_photo(request: HttpRequest, pk: int, photo_id: UUID) -> FileResponse:
    """A finding's photo, to those who may see its task."""
    task = _task(request, pk)
    found = task.findings.filter(photos=photo_id).first()
    photo = found.photos.filter(pk=photo_id).first() if found else None
    if photo is None:
        raise Http404("No such photo on this task")
    try:
        path = open_photo(photo)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(path.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- documents


@login_required
def document_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The preview of a document; signatures on the pads; 签发 issues it."""
    task = _task(request, pk)
    if kind not in documents.KINDS:
        raise Http404("No such document kind")
    if not inspections.may_act(request.user, task):
        return _deny(request, _("Only the task's inspectors (or bureau staff) issue documents."))
    values = forms.values(request.POST or request.GET, forms.DOCUMENT_FIELDS)
    if not values["rectify_by"] and kind == DocumentKind.RECTIFICATION_ORDER:
        values["rectify_by"] = forms.default_rectify_by()
    content, failure, status = None, None, 200
    if request.method == "POST" and request.POST.get("action") == "issue":
        signatures = forms.signatures(request.POST, task)
        try:
            document = documents.issue(
                actor=request.user, pk=task.pk, kind=kind, data=values, signatures=signatures
            )
        except DomainError as exc:
            failure, status = forms.failure(exc, "issue"), status_of(exc)
        else:
            messages.success(request, _("%(number)s issued.") % {"number": document.number})
            return redirect("enforcement-document", pk=document.pk)
    try:
        content = documents.draft(actor=request.user, pk=task.pk, kind=kind, data=values)
    except DomainError as exc:
        if failure is None:
            failure, status = forms.failure(exc, "draft"), status_of(exc)
    if content is not None and not values["place"]:
        values["place"] = content["place"]
    context = {
        "task": task,
        "kind": kind,
        "title": documents.TITLES[kind],
        "values": values,
        "content": content,
        "dates": forms.paper_dates(content),
        "failure": failure,
        "pads": forms.pads(task, request.POST),
        "signed": request.POST if request.method == "POST" else {},
        "i18n": _js_strings(),
    }
    return render(request, "enforcement/document_new.html", context, status=status)


def _document(request: HttpRequest, pk: Any) -> Any:
    try:
        return documents.get_document(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    context = {
        "document": document,
        "content": document.content,
        "dates": forms.paper_dates(document.content),
        "signers": forms.signer_images(document),
        "task": document.task,
    }
    return render(request, "enforcement/document_detail.html", context)


@login_required
def document_pdf(request: HttpRequest, pk: int) -> FileResponse:
    document = _document(request, pk)
    return _download(documents.pdf_bytes(document), documents.filename(document, "pdf"),
                     "application/pdf")  # fmt: skip


@login_required
def document_docx(request: HttpRequest, pk: int) -> FileResponse:
    document = _document(request, pk)
    return _download(documents.docx_bytes(document), documents.filename(document, "docx"), DOCX)


def _download(data: bytes, name: str, content_type: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data), as_attachment=True, filename=name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

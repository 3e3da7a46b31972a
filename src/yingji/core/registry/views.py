"""Generic registry pages: list, detail with history, create/edit forms, void, import, template."""

from __future__ import annotations

import secrets
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import Context
from django.template.base import render_value_in_context
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core import jobs, tablecache
from yingji.core import selectors as core_selectors
from yingji.core.errors import DomainError, Forbidden
from yingji.core.permissions import Cap, has
from yingji.core.registry import excel, selectors, services
from yingji.core.registry import spec as specs
from yingji.core.registry.fields import Column
from yingji.core.registry.spec import RegistrySpec

PAGE_SIZE = 50
INLINE_IMPORT_ROWS = 5000  # bigger imports run as a job with progress
MAX_UPLOAD = excel.MAX_FILE_BYTES


def _spec(name: str) -> RegistrySpec:
    spec = specs.get(name)
    if spec is None:
        raise Http404(f"No registry {name}")
    return spec


def _deny(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return render(request, "web/forbidden.html", status=403)


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: v.strip()[:100] for k, v in request.GET.items() if k != "page" and v.strip()}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_REGISTRY):
        return _deny(request, _("Your roles do not include the registries."))
    rows = [(s, tablecache.count(selectors.records(request.user, s))) for s in specs.all_specs()]
    return render(request, "core/registry/index.html", {"rows": rows})


@login_required
def list_view(request: HttpRequest, name: str) -> HttpResponse:
    spec = _spec(name)
    if not has(request.user, Cap.VIEW_REGISTRY):
        return _deny(request, _("Your roles do not include the registries."))
    params = _params(request)
    try:
        queryset = selectors.records(request.user, spec, params)
    except DomainError as exc:
        messages.error(request, exc.message)
        params, queryset = {}, selectors.records(request.user, spec)
    page = tablecache.CountedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows_html(spec, selectors.display_rows(spec, page.object_list, spec.list_columns))
    context = {"spec": spec, "page": page, "rows": rows, "params": params,
               "filters": [(spec.by_name[f], _options(spec.by_name[f], params.get(f, "")))
                           for f in spec.filters],
               "sort_options": selectors.sort_options(spec),
               "can_edit": has(request.user, Cap.EDIT_REGISTRY) and spec.editable}  # fmt: skip
    return render(request, "core/registry/list.html", context)


def _options(column: Column, chosen: str) -> SafeString:
    """A filter's ``<option>``s after its "all" one (yes/no, or its choices), the one in
    the query selected: built here, not by a template loop with a lookup per option."""
    if column.kind == "bool":
        label = escape(column.label)
        items = [("1", f"{label}：是"), ("0", f"{label}：否")]
    else:
        items = [(value, escape(text)) for value, text in column.choices]
    html = "".join(f'<option value="{escape(value)}"{" selected" if chosen == value else ""}>'
                   f"{text}</option>" for value, text in items)  # fmt: skip
    return mark_safe(html + ("\n      " if column.kind == "bool" else ""))  # noqa: S308 - escaped


def _rows_html(spec: RegistrySpec, rows: list[tuple[Any, list[Any]]]) -> list[SafeString]:
    """The table rows of a list page, built once here rather than by a template loop per cell
    (50 rows × 7 cells): each cell rendered exactly as ``{{ cell }}`` renders it (localised,
    escaped), the first one linked to the record's detail page."""
    marker = "2305843009213693951"  # a pk no table reaches, replaced by each row's pk
    head, tail = conditional_escape(reverse("registry-detail", args=[spec.name, marker])).split(
        marker
    )
    context = Context(autoescape=True)
    html = []
    for pk, cells in rows:
        # Plain text: what conditional_escape does to it; anything else as a template would.
        shown = [
            escape(c) if type(c) is str else render_value_in_context(c, context) for c in cells
        ]
        if shown:
            shown[0] = f'<a href="{head}{pk}{tail}">{shown[0]}</a>'
        row = "<tr>" + "".join(f"<td>{cell}</td>" for cell in shown) + "</tr>"
        html.append(mark_safe(row))  # noqa: S308 - every cell is escaped above
    return html


@login_required
def detail(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    spec = _spec(name)
    try:
        obj = selectors.record(request.user, spec, pk, shown=True)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    fields = [(c, selectors.display_of_column(spec, c, obj)) for c in spec.display_columns]
    history = []
    if has(request.user, Cap.VIEW_AUDIT):
        history = list(
            core_selectors.audit_for(
                request.user, object_type=spec.model._meta.label_lower, object_id=str(obj.pk)
            )[:50]
        )
    context = {"spec": spec, "obj": obj, "fields": fields, "history": history,
               "can_edit": has(request.user, Cap.EDIT_REGISTRY) and spec.editable}  # fmt: skip
    return render(request, "core/registry/detail.html", context)


@login_required
def edit(request: HttpRequest, name: str, pk: int | None = None) -> HttpResponse:
    spec = _spec(name)
    if not has(request.user, Cap.EDIT_REGISTRY) or not spec.editable:
        return _deny(request, _("Your roles do not allow changing this registry."))
    obj = None
    if pk is not None:
        try:
            obj = selectors.record(request.user, spec, pk)
        except DomainError as exc:
            raise Http404(exc.message) from exc
    values: dict[str, Any] = selectors.values_of(spec, obj) if obj is not None else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {c.name: request.POST.get(c.name, "") for c in spec.columns}
        for column in spec.columns:
            if column.kind == "bool":
                values[column.name] = "1" if request.POST.get(column.name) else "0"
        try:
            if obj is None:
                obj = services.create(actor=request.user, spec=spec, data=values)
                messages.success(request, _("Created."))
            else:
                services.update(actor=request.user, spec=spec, pk=obj.pk, data=values)
                messages.success(request, _("Changes saved."))
            return redirect("registry-detail", name=spec.name, pk=obj.pk)
        except services.RowErrors as exc:
            errors = {e.field: e.message for e in exc.errors}
        except DomainError as exc:
            errors = {exc.field or "form": exc.message}
    fields = [(c, values.get(c.name, ""), errors.get(c.name)) for c in spec.columns]
    context = {"spec": spec, "obj": obj, "fields": fields, "errors": errors}
    return render(request, "core/registry/form.html", context, status=422 if errors else 200)


@login_required
@require_POST
def void(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    spec = _spec(name)
    try:
        services.void(actor=request.user, spec=spec, pk=pk, reason=request.POST.get("reason", ""))
        messages.success(request, _("Voided."))
    except Forbidden:
        return _deny(request, _("Your roles do not allow changing this registry."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("registry-detail", name=spec.name, pk=pk)


@login_required
def template(request: HttpRequest, name: str) -> HttpResponse:
    spec = _spec(name)
    response = HttpResponse(
        excel.template(spec),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{spec.name}-template.xlsx"'
    return response


@login_required
def import_view(request: HttpRequest, name: str) -> HttpResponse:
    spec = _spec(name)
    if not has(request.user, Cap.EDIT_REGISTRY) or not spec.editable:
        return _deny(request, _("Your roles do not allow changing this registry."))
    context: dict[str, Any] = {"spec": spec}
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload is None:
        return render(request, "core/registry/import.html", context)
    if upload.size and upload.size > MAX_UPLOAD:
        context["error"] = _("The file is too large.")
        return render(request, "core/registry/import.html", context, status=422)
    return _handle_upload(request, spec, upload.read(), context)


def _handle_upload(
    request: HttpRequest, spec: RegistrySpec, content: bytes, context: dict[str, Any]
) -> HttpResponse:
    dry_run = bool(request.POST.get("dry_run"))
    try:
        rows = excel.read(spec, content)
        if len(rows) > INLINE_IMPORT_ROWS and not dry_run:
            job = _start_import_job(request, spec, content)
            return redirect("job-detail", job_id=job.pk)
        context["result"] = services.import_rows(
            actor=request.user, spec=spec, rows=rows, dry_run=dry_run
        )
        context["dry_run"] = dry_run
        return render(request, "core/registry/import.html", context)
    except services.RowErrors as exc:
        context["errors"] = exc.errors[:200]
        context["error_count"] = len(exc.errors)
        context["annotated"] = excel.keep_annotated(spec, content, exc.errors)
    except DomainError as exc:
        context["error"] = exc.message
    return render(request, "core/registry/import.html", context, status=422)


def _start_import_job(request: HttpRequest, spec: RegistrySpec, content: bytes) -> Any:
    name = f"{spec.name}-{secrets.token_hex(16)}.xlsx"
    excel.save_upload(content, name)
    return jobs.start(
        actor=request.user,
        kind="registry.import",
        params={"registry": spec.name, "file": name},
        region=getattr(request.user, "region", None),
        title=f"导入 Excel import: {spec.title}",
    )


@login_required
def annotated(request: HttpRequest, name: str, file: str) -> HttpResponse:
    """The uploaded workbook with its errors marked (only its own error files)."""
    spec = _spec(name)
    if not file.startswith(f"{spec.name}-errors-") or "/" in file or ".." in file:
        raise Http404("No such file")
    path = excel.imports_dir() / file
    if not path.is_file():
        raise Http404("No such file")
    response = HttpResponse(
        path.read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{file}"'
    return response

"""Pages of the core app: accounts, the audit trail, jobs and exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core import exports, selectors, services
from yingji.core.errors import DomainError, Forbidden
from yingji.core.forms import UserCreateForm, UserEditForm, UserFilterForm
from yingji.core.models import JobStatus, User
from yingji.core.permissions import Cap, has
from yingji.kernels import codes

PAGE_SIZE = 50


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return render(request, "web/forbidden.html", status=403)


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# ---------------------------------------------------------------- audit


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_AUDIT):
        return _forbidden(request, _("Your roles do not include viewing the audit trail."))
    keys = ("object_type", "object_id", "actor", "action", "q", "since", "until")
    params = {k: request.GET.get(k, "").strip()[:100] for k in keys}
    entries = selectors.audit_for(
        request.user,
        object_type=params["object_type"],
        object_id=params["object_id"],
        actor_label=params["actor"],
        action=params["action"],
        q=params["q"],
        since=_day_start(parse_date(params["since"] or "")),
        until=_day_start(parse_date(params["until"] or ""), next_day=True),
    )
    return render(request, "core/audit.html", {"page": _page(request, entries), "params": params})


def _day_start(day: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
    if day is None:
        return None
    if next_day:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


# ---------------------------------------------------------------- jobs and exports


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.jobs_for(request.user).order_by("-created_at")
    return render(request, "core/jobs.html", {"page": _page(request, jobs)})


@login_required
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    try:
        job = selectors.job_for(request.user, str(job_id))
    except DomainError as exc:
        raise Http404(exc.message) from exc
    context = {
        "job": job,
        "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "downloadable": job.kind == exports.EXPORT_KIND and job.status == JobStatus.SUCCEEDED,
    }
    partial = request.headers.get("HX-Request")
    return render(request, "core/_job_card.html" if partial else "core/job_detail.html", context)


@login_required
def job_download(request: HttpRequest, job_id: str) -> FileResponse:
    try:
        job = selectors.job_for(request.user, str(job_id))
        path = exports.file_for(job)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@require_POST
def start_export(request: HttpRequest) -> HttpResponse:
    filters = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "name")}
    try:
        job = exports.start(
            actor=request.user,
            name=request.POST.get("name", ""),
            filters=filters,
            region=getattr(request.user, "region", None),
        )
    except Forbidden:
        return _forbidden(request, _("Your roles do not allow this export."))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(request.META.get("HTTP_REFERER") or "home")
    messages.success(request, _("The export is being prepared; it downloads from this page."))
    return redirect("job-detail", job_id=job.pk)


# ---------------------------------------------------------------- accounts


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.MANAGE_USERS):
        return _forbidden(request, _("Your roles do not include managing accounts."))
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    active = {"1": True, "0": False}.get(filters.get("active", ""))
    users = selectors.users_for(
        request.user, q=filters.get("q", ""), role=filters.get("role", ""), active=active
    )
    context = {"form": form, "page": _page(request, users), "filters": filters}
    return render(request, "core/users.html", context)


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.MANAGE_USERS):
        return _forbidden(request, _("Your roles do not include managing accounts."))
    home = getattr(request.user, "region", None)
    initial = {"region": codes.display(home.code) if home else ""}
    form = UserCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                actor=request.user, username=data["username"], password=data["password"],
                region_code=data["region"], roles=data["roles"],
                display_name=data["display_name"], phone=data["phone"],
            )  # fmt: skip
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("user-detail", user_id=user.pk)
    return render(request, "core/user_form.html", {"form": form, "creating": True})


@login_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    if not has(request.user, Cap.MANAGE_USERS):
        return _forbidden(request, _("Your roles do not include managing accounts."))
    try:
        target: User = selectors.user_for(request.user, user_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    initial = {
        "display_name": target.display_name,
        "phone": target.phone,
        "region": codes.display(target.region.code) if target.region else "",
        "roles": [r.role for r in target.role_rows.all()],
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                actor=request.user, user_id=target.pk, display_name=data["display_name"],
                phone=data["phone"], region_code=data["region"], roles=data["roles"],
                is_active=data["is_active"],
            )  # fmt: skip
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("user-detail", user_id=target.pk)
    context = {"form": form, "target": target, "creating": False}
    return render(request, "core/user_form.html", context)

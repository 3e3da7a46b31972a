"""Pages: sign-in, the one-map home page, region pages, the audit trail and jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from yingji.core import health, selectors
from yingji.core.errors import DomainError
from yingji.core.models import JobStatus
from yingji.core.permissions import Cap, has
from yingji.kernels import codes
from yingji.regions import selectors as region_selectors

PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown instead of the login result while an account is locked (django-axes)."""
    context = {
        "form": AuthenticationForm(request),
        "locked": True,
        "username": (credentials or {}).get("username", ""),
    }
    return render(request, "web/login.html", context, status=429)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health.check()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    home_region = getattr(user, "region", None)
    context = {
        "home_region": home_region,
        "home_code": codes.display(home_region.code) if home_region else "",
        "home_path": home_region.path if home_region else "",
        "counts": region_selectors.level_counts(),
    }
    return render(request, "web/home.html", context)


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        region = region_selectors.get_region(code)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    ancestors = region_selectors.ancestors(region)
    children = region_selectors.children(region.code)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        children = children.filter(name__contains=q)
    page = Paginator(children, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "region": region,
        "display_code": codes.display(region.code),
        "ancestors": ancestors,
        "page": page,
        "q": q,
        "can_audit": has(request.user, Cap.VIEW_AUDIT),
    }
    return render(request, "web/region_detail.html", context)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_AUDIT):
        messages.error(request, _("Your roles do not include viewing the audit trail."))
        return render(request, "web/forbidden.html", status=403)
    params = {
        k: request.GET.get(k, "").strip()[:100]
        for k in ("object_type", "object_id", "actor", "action", "q", "since", "until")
    }
    since, until = parse_date(params["since"] or ""), parse_date(params["until"] or "")
    entries = selectors.audit_for(
        request.user,
        object_type=params["object_type"],
        object_id=params["object_id"],
        actor_label=params["actor"],
        action=params["action"],
        q=params["q"],
        since=_day_start(since),
        until=_day_start(until, next_day=True),
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {"page": page, "params": params})


def _day_start(day: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
    if day is None:
        return None
    if next_day:
        day = day + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.jobs_for(request.user).order_by("-created_at")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/jobs.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    try:
        job = selectors.job_for(request.user, str(job_id))
    except DomainError as exc:
        raise Http404(exc.message) from exc
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    template = "web/_job_card.html" if request.headers.get("HX-Request") else "web/job_detail.html"
    return render(request, template, {"job": job, "running": running})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "not_found",
                "message": f"No API endpoint at {request.path[:200]}",
                "field": None,
            },
            status=404,
        )
    return render(request, "web/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "server_error",
                "message": "Internal error; it has been logged",
                "field": None,
            },
            status=500,
        )
    return render(request, "web/500.html", status=500)

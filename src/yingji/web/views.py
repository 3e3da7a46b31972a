"""Pages of the shell: sign-in, the one-map home page, health and error pages."""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from yingji.core import faults, health
from yingji.kernels import codes
from yingji.regions import selectors as region_selectors
from yingji.web.forms import SignInForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown instead of the login result while an account is locked (django-axes)."""
    context = {
        "form": SignInForm(request),
        "locked": True,
        "username": (credentials or {}).get("username", ""),
    }
    return render(request, "web/login.html", context, status=429)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health.check()
    return JsonResponse(report, status=200 if healthy else 503)


@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers (no database, no session). The load benchmark's baseline:
    the whole middleware stack and nothing else."""
    return JsonResponse({"status": "ok"})


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
    # a database outage or a full disk met outside a view (e.g. saving the session after the
    # response): the same 503/507 as inside one
    exc = sys.exc_info()[1]
    fault = faults.response_for(request, exc) if exc is not None else None
    if fault is not None:
        return fault
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

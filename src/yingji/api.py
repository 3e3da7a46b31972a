"""The REST API (django-ninja): one NinjaAPI, one error shape, two ways to authenticate.

Errors are always JSON ``{"code": ..., "message": ..., "field": ...}`` with the right status:
422 for invalid input (naming the field), 401/403 for authentication and permission,
404 for unknown objects *and* objects outside the caller's jurisdiction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import PathView
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from yingji.core import faults
from yingji.core.errors import DomainError
from yingji.core.services import authenticate_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer yj_…`` for machine clients (sensor gateways, scripts)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The browser's Django session; unsafe methods also need the CSRF token.

    The CSRF check guards a signed-in session only: a caller with no session (no or a wrong
    token) is told 401 "sign in", not 403 "CSRF check failed", on every method alike.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


# A token, or the browser's Django session.
AUTH = [TokenAuth(), SessionAuth()]


class Utf8Renderer(JSONRenderer):
    """JSON with Chinese as characters, not \\u escapes (readable with curl, smaller)."""

    json_dumps_params: ClassVar[dict[str, Any]] = {"ensure_ascii": False}


class YingjiAPI(NinjaAPI):
    """The API whose OpenAPI schema also documents the error responses (core.openapi)."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        from yingji.core.openapi import add_error_responses

        return add_error_responses(super().get_openapi_schema(**kwargs))


def not_allowed(methods: Iterable[str]) -> HttpResponse:
    """405 in the API's error shape, naming the methods the address answers."""
    allowed = sorted(methods)
    body = {
        "code": "method_not_allowed",
        "message": f"This address answers {', '.join(allowed)} only",
        "field": None,
    }
    return HttpResponseNotAllowed(
        allowed, content=json.dumps(body), content_type="application/json; charset=utf-8"
    )


def read_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and the docs pages answer GET and HEAD only (django-ninja's answer any)."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return not_allowed(["GET", "HEAD"])
        return view(request, *args, **kwargs)

    return guarded


api = YingjiAPI(
    title="Yingji (应急) API",
    version="1",
    description="Emergency-management platform API. Errors: {code, message, field}.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
    renderer=Utf8Renderer(),
    docs_decorator=read_only,
)


def error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message, "field": field, **extra}
    return api.create_response(request, body, status=status)


def method_not_allowed(view: PathView) -> HttpResponse:
    """django-ninja's 405 (the plain text "Method not allowed") in the API's error shape."""
    return not_allowed({method for operation in view.operations for method in operation.methods})


PathView._not_allowed = method_not_allowed  # type: ignore[assignment,method-assign]


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    rows = getattr(exc, "errors", None)  # a registry write lists every field at fault
    extra = {"errors": [row.as_dict() for row in rows]} if rows else {}
    return error(request, exc.status, exc.code, exc.message, exc.field, **extra)


_SOURCES = ("body", "query", "path", "header", "cookie", "form", "file")
# what pydantic adds to a location after a field of several types: the type tried
_TYPE_TAGS = frozenset({"int", "float", "str", "bool", "none", "list", "dict", "date", "datetime"})


def field_path(location: Sequence[Any]) -> str | None:
    """The field at fault as a client names it: ``areas[1].polygon``, not just ``polygon``
    (which of ten areas?); None for the request as a whole."""
    parts = list(location)
    if parts and parts[0] in _SOURCES:
        parts.pop(0)
    if parts and parts[0] == "payload":  # the views' name of the request body
        parts.pop(0)
    while parts and isinstance(parts[-1], str) and (parts[-1] in _TYPE_TAGS or "[" in parts[-1]):
        parts.pop()
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        {"field": field_path(item.get("loc", ())), "message": item.get("msg", "invalid")}
        for item in exc.errors
    ]
    first = problems[0] if problems else {"field": None, "message": "invalid input"}
    message = f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
    return error(request, 422, "invalid", message, first["field"], errors=problems)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(
        request, 401, "unauthenticated", "Sign in, or send 'Authorization: Bearer <API token>'"
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", str(exc) or "Not found")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, "error", str(exc))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
@api.exception_handler(OSError)
def on_fault(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Database unavailable → 503 with Retry-After, disk full → 507 (core/faults.py)."""
    response = faults.response_for(request, exc)
    if response is None:
        raise exc  # any other error: a 500, as without this handler
    return response


def _register_routers() -> None:
    from yingji.alerts.api import router as alerts_router
    from yingji.alerts.gateway_api import router as alerts_gateway_router
    from yingji.core.api import router as core_router
    from yingji.core.registry.api import router as registry_router
    from yingji.core.registry.maplayers import router as maplayers_router
    from yingji.hazards.api import router as hazards_router
    from yingji.hazards.stats_api import router as hazard_stats_router
    from yingji.incidents.api import router as incidents_router
    from yingji.monitoring.alarms_api import router as alarms_router
    from yingji.monitoring.api import router as ingest_router
    from yingji.monitoring.stations_api import router as stations_router
    from yingji.plans.api import router as plans_router
    from yingji.regions.api import router as regions_router
    from yingji.registry.api import router as registry_ops_router
    from yingji.risk.api import router as risk_router

    api.add_router("/regions/", regions_router)
    api.add_router("/registry/", registry_router)
    api.add_router("/registry-ops/", registry_ops_router)
    api.add_router("/map/", maplayers_router)
    api.add_router("/hazards/stats/", hazard_stats_router)
    api.add_router("/hazards/", hazards_router)
    api.add_router("/risk/", risk_router)
    api.add_router("/ingest/", ingest_router)
    api.add_router("/monitoring/", alarms_router)
    api.add_router("/monitoring/", stations_router)
    api.add_router("/alerts/", alerts_router)
    api.add_router("/alerts/gateway/", alerts_gateway_router)
    api.add_router("/plans/", plans_router)
    api.add_router("/incidents/", incidents_router)
    api.add_router("/incidents/", "yingji.incidents.relief_api.router")  # shelters and relief
    api.add_router("/incidents/", "yingji.incidents.dispatch_api.router")  # dispatch, coverage
    for part in ("draw", "inspection", "penalty", "credit"):  # 双随机一公开, 掌上执法, 信用
        api.add_router("/enforcement/", f"yingji.enforcement.{part}_api.router")
    api.add_router("/accidents/", "yingji.accidents.api.router")
    api.add_router("/review/", "yingji.review.api.router")
    api.add_router("/", core_router)


_register_routers()

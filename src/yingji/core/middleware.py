"""Request middleware: audit context, language choice, NUL-byte guard."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from yingji.core import context


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (behind a trusted proxy, set by :mod:`yingji.proxyheaders`)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        meta = context.RequestMeta(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:256],
            channel=channel,
        )
        token = context.set_current(meta)
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class LanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user picked another language with the switch (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a duty room's
    shared browsers are often set to English, and the platform must still open in Chinese.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = (
            chosen
            if translation.check_for_language(chosen)
            and any(chosen == code for code, _name in settings.LANGUAGES)
            else settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NulByteGuardMiddleware:
    """Refuse NUL characters in the path, query or a JSON/form body with a clear 400/422.

    No field of Yingji may hold one, PostgreSQL text cannot store one, and letting one reach
    a query would turn bad input into a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = self._offending_field(request)
        if field is None:
            return self.get_response(request)
        message = "NUL characters are not allowed" + (f" in {field}" if field != "-" else "")
        if request.path.startswith("/api/"):
            body = {"code": "invalid", "message": message, "field": None if field == "-" else field}
            return JsonResponse(body, status=422)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _offending_field(request: HttpRequest) -> str | None:
        if "\x00" in request.path:
            return "-"
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return key.replace("\x00", "")[:40] or "-"
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(("application/json", "application/x-www-form-urlencoded")):
            try:
                raw = request.body
            except RequestDataTooBig:
                return None  # the view's own size check answers this one
            form = content_type.startswith("application/x-www-form-urlencoded")
            escaped = b"%00" if form else b"\\u0000"
            if b"\x00" in raw or escaped in raw:
                return "-"
        return None

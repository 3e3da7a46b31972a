"""Request middleware: records the client's address and agent for the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from yingji.core import context


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. Behind a proxy, deploy with uvicorn --proxy-headers."""
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

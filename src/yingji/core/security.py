"""Security headers on every response: Content-Security-Policy, Permissions-Policy and
Cross-Origin-Resource-Policy. (Django's SecurityMiddleware sets nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy and, with ``YINGJI_HTTPS``, HSTS; X-Frame-Options comes from its
clickjacking middleware.)

The pages load only the site's own files (htmx, ECharts, Leaflet under ``static/vendor``; the
API docs use django-ninja's local Swagger UI), so the policy is ``'self'`` for everything,
plus:

- **inline scripts** carry a per-request nonce: ``<script nonce="{{ request.csp_nonce }}">``.
  The nonce is made only when a template uses it, and only then named in the header, so a
  page without inline script allows none. Scripts htmx swaps into a page are not run (their
  nonce is another request's), which is intended: swapped fragments carry no script;
- **inline event handlers**: only the exact ones listed in :data:`INLINE_HANDLERS`, allowed
  by hash (``'unsafe-hashes'``); any other ``onclick=`` is refused by the browser, and a test
  walks the templates so a new one is noticed;
- **styles**: ``'unsafe-inline'`` (``style=`` attributes, ``<style>`` blocks, and the styles
  htmx, Leaflet and ECharts set); style injection cannot run script;
- **images**: ``data:`` and ``blob:`` (Leaflet markers, chart images) and the map tile server
  of ``YINGJI_TILE_URL``.

No ``'unsafe-eval'``: htmx's ``hx-on``, ``js:`` values and ``[…]`` trigger filters need it, so
templates use none of them.

Permissions-Policy lets the site itself ask for the position (inspectors and grid workers
attach it to photos and reports) and turns camera, microphone, payment and USB off: a photo
comes through a file input, which needs no permission.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from typing import Final
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Inline event handlers the templates use, allowed by their hash (nothing else inline runs).
INLINE_HANDLERS: Final = ("this.form.submit()", "window.print()")
PERMISSIONS_POLICY: Final = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


def source_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def tile_source(url: str | None) -> str | None:
    """The CSP source of a tile URL template: ``https://{s}.tile.example.org/{z}/{x}/{y}.png``
    → ``https://*.tile.example.org``. A placeholder elsewhere in the host than its first label
    cannot be written as a CSP host, so the whole scheme is allowed then."""
    if not url:
        return None
    parts = urlsplit(url)
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    host = ".".join(labels)
    if "{" in host or "}" in host:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


class Nonce:
    """The request's CSP nonce, made the first time a template renders it."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: str | None = None

    def __str__(self) -> str:
        if self.value is None:
            self.value = secrets.token_urlsafe(18)
        return self.value


def content_security_policy(nonce: str | None) -> str:
    head, tail = _policy()
    return head + (f" 'nonce-{nonce}'" if nonce else "") + tail


_cached: dict[tuple[str | None, bool], tuple[str, str]] = {}


def _policy() -> tuple[str, str]:
    """The policy before and after the nonce, built once per setting (tests change them)."""
    key = (settings.TILE_URL, bool(settings.SECURE_SSL_REDIRECT))
    if key not in _cached:
        tile_url, https = key
        images = ["'self'", "data:", "blob:", tile_source(tile_url)]
        directives = [
            f"style-src 'self' 'unsafe-inline'; img-src {' '.join(s for s in images if s)}",
            "font-src 'self' data:; connect-src 'self'; object-src 'none'",
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ]
        if https:
            directives.append("upgrade-insecure-requests")
        hashes = " ".join(source_hash(handler) for handler in INLINE_HANDLERS)
        _cached[key] = (
            "default-src 'self'; script-src 'self'",
            f" 'unsafe-hashes' {hashes}; " + "; ".join(directives),
        )
    return _cached[key]


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = Nonce()
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(nonce.value)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

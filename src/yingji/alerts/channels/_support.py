"""What the adapters share: their settings and a bounded HTTP POST.

Adapters meet providers that misbehave: slow answers, refused connections, endless or
malformed bodies. :func:`post` turns each of these into a :class:`Reply` with a clear error
and never reads more than a cap, so a hostile provider cannot exhaust a worker's memory.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

DEFAULT_MAX_RESPONSE = 1 << 20  # 1 MiB: a thousand per-message results fit with room to spare


def channel_settings(name: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``settings.CHANNELS[name]`` with ``overrides`` on top (tests, or a province's wrapper)."""
    configured = getattr(settings, "CHANNELS", {}) or {}
    merged = dict(configured.get(name, {}) or {})
    merged.update(overrides or {})
    return merged


def number(conf: Mapping[str, Any], key: str, default: float) -> float:
    try:
        value = float(conf.get(key, default))
    except (TypeError, ValueError):
        raise ValueError(f"CHANNELS setting {key!r} must be a number") from None
    if value <= 0:
        raise ValueError(f"CHANNELS setting {key!r} must be positive")
    return value


def whole(conf: Mapping[str, Any], key: str, default: int) -> int:
    value = number(conf, key, default)
    if value != int(value):
        raise ValueError(f"CHANNELS setting {key!r} must be a whole number")
    return int(value)


def flag(conf: Mapping[str, Any], key: str, default: bool) -> bool:
    value = conf.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def check_url(url: str, what: str) -> str:
    """Only http(s) URLs with a host: a ``file:`` or ``ftp:`` address is refused, not opened."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"{what} must be an http(s) URL, not {url!r}")
    return url


@dataclass(frozen=True)
class Reply:
    """An HTTP answer, or why there is none (``status`` 0)."""

    status: int
    body: bytes = b""
    error: str = ""

    @property
    def transient(self) -> bool:
        """Worth sending again: no answer, throttled, or the provider's own failure."""
        return self.status == 0 or self.status in {408, 425, 429} or self.status >= 500

    def json(self) -> Any:
        """The body as JSON; ValueError with a clear message if it is not."""
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"malformed JSON from provider: {exc}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A provider that redirects a POST is misconfigured; following it would drop the body
    or send it somewhere unexpected, so the 3xx is reported as it is."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _read_capped(response: Any, limit: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("provider kept sending past the deadline")
        chunk = response.read(min(65536, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None


def post_json(
    url: str, payload: Any, *, token: str, timeout: float, max_bytes: int = DEFAULT_MAX_RESPONSE
) -> Reply:
    """POST ``payload`` as UTF-8 JSON with a bearer token (the HTTP gateways' common form)."""
    return post(
        url,
        json.dumps(payload, ensure_ascii=False).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        },
        timeout=timeout,
        max_bytes=max_bytes,
    )


def post(
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    timeout: float,
    max_bytes: int = DEFAULT_MAX_RESPONSE,
) -> Reply:
    """POST ``body``; the whole exchange, reading included, ends within about ``timeout``."""
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))  # noqa: S310 - check_url admits http(s) only
    deadline = time.monotonic() + timeout
    try:
        try:
            response = _OPENER.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:  # a 4xx/5xx still has a (capped) body to read
            response = exc
        with response:
            status = int(response.status or response.code)
            data = _read_capped(response, max_bytes, deadline)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return Reply(0, error=_failure(exc, timeout))
    if data is None:
        return Reply(status, error=f"response larger than {max_bytes} bytes: not read")
    return Reply(status, body=data)


def _failure(exc: BaseException, timeout: float) -> str:
    """Why a POST got no answer, in words an operator can act on."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot reach provider: {reason}"
    return f"broken exchange with provider: {exc.__class__.__name__}: {exc}"

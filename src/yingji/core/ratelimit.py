"""Rate limits on sign-in (per client address) and sensor ingest (per API token).

django-axes locks an *account* after 5 failed sign-ins; the login limit stops one address
from trying many accounts (``YINGJI_RATE_LOGIN``, default 20 posts a minute). The ingest limit
keeps one gateway, or a stolen token, from flooding ``POST /api/ingest/…``
(``YINGJI_RATE_INGEST``, default 6000 requests a minute per token).

Counters are fixed windows in Django's default cache: ``cache.add`` starts a window's counter
and ``cache.incr`` counts, both atomic in Redis and in the local-memory cache. With
``REDIS_URL`` set every web process shares the counts; without Redis each process counts for
itself, so with ``serve --workers N`` an address gets up to N times the limit.

A request over the limit gets 429 with ``Retry-After`` (seconds to the end of the window)
before anything else runs: no session, no password check, no axes failure, no ingest. When
the cache cannot be reached the request is let through (fail open) and that is logged once
per outage: on an emergency platform availability comes before a rate limit.
"""

from __future__ import annotations

import html
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import salted_hmac

from yingji.core.middleware import client_ip

logger = logging.getLogger(__name__)

LOGIN_PATHS: Final = frozenset({"/accounts/login/", "/admin/login/"})
INGEST_PREFIX: Final = "/api/ingest/"
# After the cache failed, counting is skipped this long, so a hung Redis does not slow every
# request by a connection timeout; then the cache is tried again.
RETRY_CACHE_AFTER: Final = 5.0

clock: Callable[[], float] = time.time  # seconds; tests replace it to roll windows over


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int  # requests per window; 0 = no limit
    period: int  # window length, seconds

    @property
    def text(self) -> str:
        return f"{self.limit} per {'second' if self.period == 1 else 'minute'}"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds to the end of the window


class _CacheHealth:
    """Remembers a cache outage so that it is logged once and not retried on every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_until: float | None = None

    def usable(self, now: float) -> bool:
        return self.down_until is None or now >= self.down_until

    def failed(self, now: float, exc: Exception) -> None:
        with self._lock:
            first = self.down_until is None
            self.down_until = now + RETRY_CACHE_AFTER
        if first:
            logger.error(
                "rate limits are not enforced: the cache is unreachable (%s: %s); "
                "requests are let through until it answers again",
                type(exc).__name__,
                exc,
            )

    def worked(self) -> None:
        if self.down_until is None:
            return
        with self._lock:
            was_down, self.down_until = self.down_until is not None, None
        if was_down:
            logger.warning("rate limits are enforced again: the cache answers")


health = _CacheHealth()


def rules() -> dict[str, Rule]:
    """The configured limits; tests override ``settings.YINGJI_RATE_LIMITS``."""
    limits = getattr(settings, "YINGJI_RATE_LIMITS", None)
    if limits is None:
        limits = settings.CONFIG.rate_limits
    return {name: Rule(name, limit, period) for name, (limit, period) in limits.items()}


def hit(rule: Rule, identity: str) -> Verdict | None:
    """Count one request of ``identity`` against ``rule``; None when the cache is down."""
    now = clock()
    if not health.usable(now):
        return None
    window = int(now // rule.period)
    retry_after = max(1, math.ceil((window + 1) * rule.period - now))
    # A keyed hash: the cache never holds a token, and its keys cannot be matched to the
    # token hashes stored in the database.
    digest = salted_hmac("yingji.ratelimit", identity, algorithm="sha256").hexdigest()[:40]
    key = f"rl:{rule.name}:{digest}:{window}"
    try:
        count = _increment(key, timeout=rule.period + 5)
    except Exception as exc:  # any cache failure (redis errors, OSError …): fail open
        health.failed(now, exc)
        return None
    health.worked()
    return Verdict(allowed=count <= rule.limit, count=count, retry_after=retry_after)


def _increment(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr: this request starts a new counter
        return 1 if cache.add(key, 1, timeout=timeout) else int(cache.incr(key))


def classify(request: HttpRequest) -> tuple[str, str] | None:
    """(rule name, identity) of a request that is rate-limited, else None."""
    if request.method != "POST":
        return None
    path = request.path_info
    if path in LOGIN_PATHS:
        return "login", f"ip:{client_ip(request)}"
    if path.startswith(INGEST_PREFIX):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return "ingest", f"token:{token.strip()}"
        return "ingest", f"ip:{client_ip(request)}"
    return None


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = classify(request)
        if kind is not None:
            rule = rules().get(kind[0])
            if rule is not None and rule.limit > 0:
                verdict = hit(rule, kind[1])
                if verdict is not None and not verdict.allowed:
                    if verdict.count == rule.limit + 1:  # once per client and window
                        logger.warning(
                            "rate limit %s (%s) reached by %s; refused for %s s",
                            rule.name,
                            rule.text,
                            client_ip(request),
                            verdict.retry_after,
                        )
                    return refusal(request, rule, verdict.retry_after)
        return self.get_response(request)


def refusal(request: HttpRequest, rule: Rule, retry_after: int) -> HttpResponse:
    who = "API token" if rule.name == "ingest" else "client address"
    message = (
        f"Too many requests: the {rule.name} limit is {rule.text} per {who}; "
        f"retry in {retry_after} s"
    )
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"code": "rate_limited", "message": message, "field": None}, status=429
        )
    else:
        response = HttpResponse(_page(request.path_info, retry_after), status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _page(login_path: str, retry_after: int) -> str:
    """Chinese first, English second, like the other error pages (no session, no template
    context: nothing of the request has run yet). A GET of the same path shows the form."""
    login = html.escape(login_path)
    return (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
        "<title>429 请求过于频繁</title></head><body>"
        "<h1>请求过于频繁 / Too many requests</h1>"
        f"<p>来自此地址的登录尝试过多，请在 {retry_after} 秒后重试。</p>"
        f"<p>Too many sign-in attempts from this address; try again in {retry_after} s.</p>"
        f'<p><a href="{login}">返回登录 / Back to sign-in</a></p>'
        "</body></html>"
    )

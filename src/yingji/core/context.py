"""Per-request context (client address, user agent) for the audit trail.

The middleware fills it; services read it when they record an audit entry, so a service
signature does not need to carry the HTTP request. The request being served and its id
(:class:`Trace`, set by the outermost middleware) are for log records (:mod:`yingji.logs`).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str = ""
    channel: str = "web"


_OUTSIDE_REQUEST = RequestMeta(channel="cli")  # frozen, so safe to share as the default
_current: ContextVar[RequestMeta] = ContextVar(
    "yingji_request_meta",
    default=_OUTSIDE_REQUEST,
)


def current() -> RequestMeta:
    return _current.get()


def set_current(meta: RequestMeta) -> object:
    return _current.set(meta)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Trace:
    """The request being served: its id (``X-Request-ID``) and the request itself, from which
    a log record takes the user once authentication has resolved it."""

    request_id: str
    request: Any = None


_trace: ContextVar[Trace | None] = ContextVar("yingji_trace", default=None)


def trace() -> Trace | None:
    return _trace.get()


def set_trace(value: Trace) -> object:
    return _trace.set(value)


def reset_trace(token: object) -> None:
    _trace.reset(token)  # type: ignore[arg-type]

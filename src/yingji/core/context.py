"""Per-request context (client address, user agent) for the audit trail.

The middleware fills it; services read it when they record an audit entry, so a service
signature does not need to carry the HTTP request.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


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

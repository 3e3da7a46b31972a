"""Logging handler and the JSON formatter (``YINGJI_LOG_FORMAT=json``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, Final, TextIO

from django.utils.functional import SimpleLazyObject, empty

from yingji.core import context


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is *now* (not when logging was configured), so
    redirected or captured streams (test runners, daemons) never receive a closed file."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        return None


# Attributes every LogRecord has; anything else on a record came from ``extra=`` (except
# the copy of the message with terminal colours that some servers add).
_STANDARD: Final = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers: ``time`` (ISO 8601, UTC), ``level``,
    ``logger``, ``message``, ``pid``, ``exception`` and ``stack`` when there are any, the
    plain values passed with ``extra=`` (such as Django's ``status_code``), and, while a
    request is being served, its ``request_id`` (the ``X-Request-ID`` header of the response),
    client ``ip``, ``channel`` (web or api) and the signed-in ``user``.

    Non-ASCII text is escaped, so a line stays valid JSON whatever the stream's encoding.
    """

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        out.update(_request_fields(record))
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out and _plain(value):
                out[key] = value
        return json.dumps(out, default=str)


def _plain(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _request_fields(record: logging.LogRecord) -> dict[str, Any]:
    trace = context.trace()
    if trace is None:
        # Django logs a 4xx response after the middleware, with the request attached
        request = getattr(record, "request", None)
        request_id = getattr(request, "request_id", None)
        if not isinstance(request_id, str):
            return {}
        trace = context.Trace(request_id, request)
    fields: dict[str, Any] = {"request_id": trace.request_id}
    request = trace.request
    meta = context.current()
    if meta.channel != "cli":  # the audit context is set (after authentication)
        fields["ip"], fields["channel"] = meta.ip, meta.channel
    elif request is not None:  # early in the request: take what the request says
        fields["ip"] = request.META.get("REMOTE_ADDR") or None
        fields["channel"] = "api" if request.path.startswith("/api/") else "web"
    user = _resolved_user(request)
    if user is not None:
        fields["user"] = user.get_username()
    return fields


def _resolved_user(request: Any) -> Any:
    """The request's user if authentication has already resolved it and it is signed in;
    never triggers the session lookup itself (a log call must not query the database)."""
    user = vars(request).get("user") if request is not None else None
    if isinstance(user, SimpleLazyObject):
        wrapped = vars(user).get("_wrapped", empty)
        user = None if wrapped is empty else wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user

"""Graceful unavailability: the database down is a 503 to retry, a full disk a clear 507.

When PostgreSQL restarts, refuses connections (too many clients, shutting down) or drops one
mid-request, or when SQLite is locked past its busy timeout, a request cannot be served — but
the client did nothing wrong and can simply send it again. It gets ``503 Service Unavailable``
with ``Retry-After``, and the log gets one WARNING line naming the cause, not a 500 and a
traceback per request while the database is away. Ingest is idempotent on (sensor, time), so
a gateway resending a batch after a 503 never stores a reading twice.

When the data disk is full (``ENOSPC``/``EDQUOT`` from a file write, SQLite's "database or
disk is full", PostgreSQL's ``disk_full``), retrying will not help until an administrator frees
space: the answer is ``507 Insufficient Storage`` saying so. Nothing half-written remains: the
service's transaction is rolled back by the exception on its way out, and uploads are written
to a temporary file that is removed on failure (:func:`yingji.core.files.write_atomic`).

The same :func:`classify` serves pages (:class:`UnavailableMiddleware`, through Django's
``process_exception``) and the API (``yingji.api``'s exception handlers, since django-ninja
turns exceptions into responses before middleware sees them). Any other error stays a 500.

Reconnecting is Django's job and needs nothing here: an error other than a data or integrity
error marks the connection (``errors_occurred``), and at the end of the request
``close_old_connections`` closes it when it no longer answers; with ``CONN_HEALTH_CHECKS`` a
persistent connection is also checked before its first use in a request. So the first request
after the database is back opens a new connection (``tests/core/test_faults.py`` proves it).
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from django.conf import settings
from django.db import InterfaceError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

RETRY_AFTER: Final = 5  # seconds: a PostgreSQL restart or failover takes about that long
DISK_FULL_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL: Final = 13
_SQLITE_BUSY: Final = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_SQLITE_IOERR: Final = 10
LOW_SPACE: Final = 1024 * 1024  # bytes free under which an SQLite I/O error means "disk full"
_PG_DISK_FULL: Final = "53100"
# SQLSTATE classes of an unreachable server: 08 connection exception, 53 insufficient
# resources (too many connections, out of memory), 57P operator intervention (admin or crash
# shutdown, cannot connect now). Statement-level errors (57014 query_canceled, 40001 …) are not.
_PG_UNAVAILABLE: Final = ("08", "53", "57P")
_CHAIN_DEPTH: Final = 8


@dataclass(frozen=True)
class Fault:
    status: int
    code: str
    message: str  # English, for the API (services and API speak English)
    title_zh: str  # the page: Chinese first, English second, like web/500.html
    text_zh: str
    title_en: str
    cause: str  # the underlying error, for the log

    @property
    def retry_after(self) -> int | None:
        return RETRY_AFTER if self.status == 503 else None


def unavailable(cause: str) -> Fault:
    return Fault(
        status=503,
        code="unavailable",
        message=(
            "The database is unavailable at the moment; the request was not completed. "
            f"Try again in {RETRY_AFTER} seconds."
        ),
        title_zh="服务暂时不可用",
        text_zh=f"数据库暂时无法访问，本次操作未完成。请 {RETRY_AFTER} 秒后重试。",
        title_en="Service temporarily unavailable",
        cause=cause,
    )


def disk_full(cause: str) -> Fault:
    return Fault(
        status=507,
        code="disk_full",
        message=(
            "The server's data disk is full; nothing was saved. Tell the administrator: "
            "space must be freed before anything can be saved."
        ),
        title_zh="服务器存储空间已满",
        text_zh="服务器数据磁盘已满，本次提交的内容未保存。请通知系统管理员清理磁盘空间。",
        title_en="The server's disk is full",
        cause=cause,
    )


def classify(exc: BaseException) -> Fault | None:
    """The fault behind ``exc`` (it or the errors it was raised from), or None for any other
    error. Django wraps a driver's error (``raise … from``), so the chain is walked."""
    for item in _chain(exc):
        fault = _classify_one(item)
        if fault is not None:
            return fault
    if isinstance(exc, InterfaceError):  # Django's own "connection already closed"
        return unavailable(_describe(exc))
    return None


def _classify_one(item: BaseException) -> Fault | None:
    if isinstance(item, OSError) and item.errno in DISK_FULL_ERRNOS:
        return disk_full(_describe(item))
    if isinstance(item, sqlite3.Error):
        return _classify_sqlite(item)
    if type(item).__module__.split(".")[0] in ("psycopg", "psycopg2"):
        return _classify_postgres(item)
    return None


def _classify_sqlite(item: sqlite3.Error) -> Fault | None:
    code = (getattr(item, "sqlite_errorcode", None) or 0) & 0xFF  # the primary result code
    if code == _SQLITE_FULL or "database or disk is full" in str(item):
        return disk_full(_describe(item))
    if code == _SQLITE_IOERR and _sqlite_disk_nearly_full():
        # e.g. SQLITE_IOERR_SHMSIZE: the -shm file could not be created or grown. SQLite does
        # not pass the errno on, but with no space left that is the cause.
        return disk_full(_describe(item))
    if code in _SQLITE_BUSY:
        return unavailable(_describe(item))
    return None


def _classify_postgres(item: BaseException) -> Fault | None:
    state = getattr(item, "sqlstate", None) or getattr(item, "pgcode", None)
    if state == _PG_DISK_FULL:
        return disk_full(_describe(item))
    if state:
        return unavailable(_describe(item)) if str(state).startswith(_PG_UNAVAILABLE) else None
    # No SQLSTATE: the client library's own error (connection refused, server closed the
    # connection, the connection is closed) — the server did not answer at all.
    names = {cls.__name__ for cls in type(item).__mro__}
    return unavailable(_describe(item)) if names & {"OperationalError", "InterfaceError"} else None


def _sqlite_files() -> list[Path]:
    """The SQLite database files of the project (none for PostgreSQL or an in-memory one)."""
    found = []
    for database in settings.DATABASES.values():
        name = str(database.get("NAME") or "")
        if database.get("ENGINE", "").endswith("sqlite3") and name and "mode=memory" not in name:
            path = Path(name)
            if path.is_file():
                found.append(path)
    return found


def _sqlite_disk_nearly_full() -> bool:
    for path in _sqlite_files():
        try:
            stat = os.statvfs(path.parent)
        except OSError:
            continue
        if stat.f_bavail * stat.f_frsize < LOW_SPACE:
            return True
    return False


_keepers: dict[Path, sqlite3.Connection] = {}
_keepers_lock = threading.Lock()


def keep_sqlite_files() -> None:
    """Hold one idle connection to each SQLite database for the life of the process.

    In WAL mode SQLite deletes its ``-wal`` and ``-shm`` files when the last connection
    closes, and the web server closes its connection after every request. Creating them again
    needs free space: on a full disk no connection could open and even reading a page would
    fail. An idle connection that has read once keeps them (it holds no lock: checkpoints and
    writers are not held up), so a full disk refuses writes and still serves reads.
    """
    with _keepers_lock:
        for path in _sqlite_files():
            if path in _keepers:
                continue
            try:  # mode=rw: never create a database that is not there
                keeper = sqlite3.connect(
                    f"file:{path}?mode=rw", uri=True, check_same_thread=False, timeout=1
                )
                keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            except sqlite3.Error as exc:
                log.debug("not keeping %s open: %s", path, exc)
                continue
            _keepers[path] = keeper


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    item: BaseException | None = exc
    while item is not None and id(item) not in seen and len(seen) < _CHAIN_DEPTH:
        seen.add(id(item))
        yield item
        item = item.__cause__ or (None if item.__suppress_context__ else item.__context__)


def _describe(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:300]}"


def respond(request: HttpRequest, fault: Fault) -> HttpResponse:
    """The 503/507 answer: JSON ``{code, message, field}`` under /api/, a small page elsewhere.

    The page is rendered without a request context: context processors read the user, which
    needs the database that may be the very thing that is down.
    """
    log.warning(
        "%s %s answered %d (%s): %s",
        request.method,
        request.path,
        fault.status,
        fault.code,
        fault.cause,
        extra={"status": fault.status, "fault": fault.code},
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {"code": fault.code, "message": fault.message, "field": None}
        response = JsonResponse(
            body, status=fault.status, json_dumps_params={"ensure_ascii": False}
        )
    else:
        html = render_to_string("core/fault.html", {"fault": fault})
        response = HttpResponse(html, status=fault.status, content_type="text/html; charset=utf-8")
    if fault.retry_after is not None:
        response["Retry-After"] = str(fault.retry_after)
    response["Cache-Control"] = "no-store"
    # Logged once above, with the cause: Django would add an ERROR line per 5xx response.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def response_for(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The answer to ``exc`` when it is a database outage or a full disk, else None."""
    fault = classify(exc)
    return None if fault is None else respond(request, fault)


class UnavailableMiddleware:
    """Pages (and any non-ninja view) raising a database-down or disk-full error: 503/507."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        keep_sqlite_files()  # once per process, when the server loads its middleware

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return response_for(request, exception)

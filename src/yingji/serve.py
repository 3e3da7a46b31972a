"""`yingji serve`: gunicorn running :mod:`yingji.wsgi` in N processes of T threads each.

Why WSGI and threads, not ASGI: every view of Yingji is synchronous. Under ASGI each request
hops from the event loop to a thread and back, which on this project's minimal view cost
about 1.3 ms of CPU per request (``/livez``: 597 req/s under uvicorn, 2,955 under gunicorn
with threads, 2 processes on 2 cores); and persistent database connections are kept per
request thread, so 64 clients exhausted PostgreSQL's ``max_connections``. With a fixed pool
of threads each thread keeps one connection: ``workers × threads`` per host, at most.

The application is loaded once in the master before the processes are forked (Django's set-up
is shared, a broken configuration stops the start at once); the master holds no database
connection across the fork. gunicorn's own log lines go through the project's logging, so
they are JSON with ``YINGJI_LOG_FORMAT=json`` like everything else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.db import connections
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from yingji import proxyheaders

SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 - gunicorn's heartbeat files, off the data disk
ACCESS_LOG_LEVELS = ("debug", "info")  # the levels at which each request is logged


class ProjectLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's error and access loggers without handlers of their own: their records
    propagate to the root logger that Django's ``LOGGING`` configures (plain or JSON)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # imported here, after `yingji serve` has pointed prometheus_client at its directory
        from yingji.wsgi import application  # noqa: PLC0415

        connections.close_all()  # nothing of the master's may be shared by its children
        return application


def options(
    host: str, port: int, *, workers: int, threads: int, log_level: str, timeout: int
) -> dict[str, Any]:
    """gunicorn's settings for ``yingji serve``."""
    trusted = os.environ.get(proxyheaders.VARIABLE, proxyheaders.DEFAULT)
    proxyheaders.Trusted(trusted)  # a malformed list stops the start with a clear message
    found: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "loglevel": log_level,
        "accesslog": "-" if log_level in ACCESS_LOG_LEVELS else None,
        "logger_class": ProjectLogger,
        "proc_name": "yingji-web",
        # a request may run this long before its process is replaced (sync exports and
        # imports are jobs; a page never comes near it)
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,  # behind nginx's keep-alive pool (docs/deployment.md)
        "forwarded_allow_ips": trusted,
        # gunicorn's control socket defaults to one path in the home directory: two servers
        # on one host would share it, and a hardened unit has no writable home
        "control_socket_disable": True,
    }
    if SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK):
        found["worker_tmp_dir"] = str(SHARED_MEMORY)
    return found


def run(host: str, port: int, *, workers: int, threads: int, log_level: str, timeout: int) -> None:
    Server(
        options(host, port, workers=workers, threads=threads, log_level=log_level, timeout=timeout)
    ).run()

"""`yingji serve`: uvicorn running :mod:`yingji.asgi` in N processes, each with a pool of T
threads for the synchronous views (see there why), behind a reverse proxy.

The client's address comes from ``X-Forwarded-For`` when the peer is one of
``FORWARDED_ALLOW_IPS`` (default: this host), as uvicorn reads it; uvicorn's own log lines go
through the project's logging, so they are JSON with ``YINGJI_LOG_FORMAT=json`` like the rest.
"""

from __future__ import annotations

import os
from typing import Any

import uvicorn

THREADS_VARIABLE = "YINGJI_WEB_THREADS"  # read by each process's yingji.asgi
DEFAULT_TRUSTED = "127.0.0.1,::1"


def options(
    host: str, port: int, *, workers: int, log_level: str, json_logs: bool
) -> dict[str, Any]:
    """uvicorn's settings for ``yingji serve``."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "proxy_headers": True,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", DEFAULT_TRUSTED),
        "log_level": log_level,
        # JSON logs: uvicorn's records go through the project's JSON formatter too
        "log_config": None if json_logs else uvicorn.config.LOGGING_CONFIG,
        "lifespan": "off",
        "timeout_graceful_shutdown": 30,
    }


def run(
    host: str, port: int, *, workers: int, threads: int, log_level: str, json_logs: bool
) -> None:
    os.environ[THREADS_VARIABLE] = str(threads)
    uvicorn.run(
        "yingji.asgi:application",
        **options(host, port, workers=workers, log_level=log_level, json_logs=json_logs),
    )

"""Settings for ``bench_web.py --proposed``: the project's settings with the changes this
benchmark proposes for production, so that both can be measured in the same way.

- ``YJ_BENCH_DB_POOL=N`` (default 8, 0 = off): Django's PostgreSQL connection pool
  (psycopg_pool) of N connections per web process instead of ``CONN_MAX_AGE``. Under ASGI
  every request runs its synchronous code in a thread of its own, so persistent connections
  open one connection per request and leave it to the garbage collector: 64 clients on two
  processes exhausted ``max_connections`` (100) and pages answered 503.
- ``YJ_BENCH_PG_OPTIONS`` (e.g. ``-c jit=off -c max_parallel_workers_per_gather=0``): server
  options of every web connection. JIT compiles a 500,000-row count for 45 ms it never earns
  back; parallel workers are launched per query and, on two busy cores, wait for a core.
- ``YJ_BENCH_SYNC_CHAIN=1``: the innermost middleware (axes) sync-only, so Django runs the
  whole middleware chain in the request's thread instead of hopping to the event loop and
  back for the three async-capable ones at the bottom.
"""

from __future__ import annotations

import os

from yingji import settings as _base

globals().update({name: getattr(_base, name) for name in dir(_base) if name.isupper()})

_db = dict(_base.DATABASES["default"])
_db["OPTIONS"] = dict(_db.get("OPTIONS", {}))
_size = int(os.environ.get("YJ_BENCH_DB_POOL", "8"))
if _size:
    _db["CONN_MAX_AGE"] = 0  # required with a pool
    _db["CONN_HEALTH_CHECKS"] = False
    _db["OPTIONS"]["pool"] = {"min_size": min(2, _size), "max_size": _size, "timeout": 30}
if os.environ.get("YJ_BENCH_PG_OPTIONS"):
    _db["OPTIONS"]["options"] = os.environ["YJ_BENCH_PG_OPTIONS"]
DATABASES = {**_base.DATABASES, "default": _db}

if os.environ.get("YJ_BENCH_SYNC_CHAIN") == "1":
    MIDDLEWARE = [
        "sync_axes.SyncAxesMiddleware" if m == "axes.middleware.AxesMiddleware" else m
        for m in _base.MIDDLEWARE
    ]

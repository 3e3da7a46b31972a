"""The application `yingji serve` runs (uvicorn, ASGI): two ways into Django, by view.

- The synchronous views (every page and API operation) run as WSGI in a fixed pool of
  threads per process (a2wsgi; ``yingji serve --threads``). Django's ASGI handler would hop
  each of them from the event loop to a thread of its own and back: on the minimal view that
  cost 3 × the CPU (``/livez``: about 600 req/s against 1,850, 2 processes on 2 cores), and
  every such thread kept a database connection of its own, so 64 clients ran PostgreSQL out
  of connections. In the pool each thread keeps one: processes × threads in all.
- The asynchronous views (the live event streams of alarms and incidents, open for minutes
  per page) run in Django's ASGI handler, where an open stream costs a coroutine, not a
  thread.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from a2wsgi import WSGIMiddleware
from asgiref.sync import iscoroutinefunction
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import Resolver404, resolve

from yingji.serve import THREADS_VARIABLE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")

_asgi = get_asgi_application()
_wsgi = WSGIMiddleware(
    get_wsgi_application(),  # type: ignore[arg-type]  # django-stubs' WSGIHandler types
    workers=int(os.environ.get(THREADS_VARIABLE, "4")),
)


@functools.lru_cache(maxsize=4096)
def is_async(path: str) -> bool:
    """Whether ``path`` is served by an async view (an unknown path is not)."""
    try:
        view = resolve(path).func
    except Resolver404:
        return False
    return iscoroutinefunction(view)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and not is_async(scope["path"]):
        await _wsgi(scope, receive, send)  # type: ignore[arg-type]  # a2wsgi's scope TypedDict
    else:
        await _asgi(scope, receive, send)

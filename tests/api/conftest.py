"""API-wide fixtures: the WSGI app as the server sees it, and a seeded world shared by a module.

The world is created once per test module inside an outer transaction that is rolled back at
the end (each test still runs in its own savepoint), so hundreds of API tests share one seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction


@pytest.fixture(scope="module")
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI handler, minus the per-request connection housekeeping.

    Closing "old" connections at the start and end of each request would close the test's own
    connection in the middle of its transaction (Django's test client disconnects it the same way).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """Objects of every scoped kind in three counties (tests/api/world.py), shared by the tests
    of one module."""
    from tests.api.world import build

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)

"""Aggregates of big tables, computed once per change of the table instead of per request.

At province scale a duty officer's registry list, its API and the one-map's layer list each
count 500,000 enterprises, and the map's province view clusters all of them: an exact
``COUNT(*)`` costs about 150 ms on PostgreSQL whatever the index (an index-only scan still
visits every entry), and reading 500,000 points into numpy about a second. Under load these
few requests decide the latency of everything else.

So the big answers are kept, in this process, next to the *version* of the table they were
computed from: ``(max(updated_at), max(pk))``, two index lookups (the table needs an index
that starts with ``updated_at``; a table without one is not cached). Every write through the
services saves rows, which moves ``updated_at`` (``auto_now``) or adds a row (a new
``max(pk)``), so the next request sees a new version and recomputes: the figure shown is the
figure a fresh ``COUNT(*)`` would give. Two safety nets bound what a version cannot see — a
write that bypasses ``updated_at`` (``QuerySet.update``), or two writers committing out of
order: an entry is kept at most :data:`MAX_AGE` seconds, and only answers of at least
:data:`MIN_ROWS` rows are kept at all (smaller ones are cheap, and always exact).

The version is read *before* the aggregate, so a write that commits in between makes the
stored answer newer than its version, never older: the next request recomputes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Model, QuerySet
from django.utils.functional import cached_property

MIN_ROWS: Final = 20_000  # smaller answers are computed every time
MAX_AGE: Final = 60.0  # seconds an entry may be used at most, even with an unchanged version
MAX_ENTRIES: Final = 64  # counts kept per process
MAX_TABLES: Final = 6  # point tables kept per process (12 MB each for 500,000 rows)

T = TypeVar("T")
Version = tuple[Any, ...]


class _Memo:
    """A small LRU of (version, stored at, value) under a lock (ASGI runs views in threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple[Version, float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: Version) -> Any | None:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            stored_version, stored_at, value = found
            if stored_version != version or time.monotonic() - stored_at > MAX_AGE:
                del self.items[key]
                return None
            self.items.move_to_end(key)
            return value

    def put(self, key: str, version: Version, value: Any) -> None:
        with self.lock:
            self.items[key] = (version, time.monotonic(), value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_counts = _Memo(MAX_ENTRIES)
_tables = _Memo(MAX_TABLES)


def clear() -> None:
    """Forget everything kept (tests; a data reload)."""
    _counts.clear()
    _tables.clear()


def _versioned(model: type[Model]) -> bool:
    names = {f.name for f in model._meta.concrete_fields}
    if "updated_at" not in names:
        return False
    return any(index.fields and index.fields[0].lstrip("-") == "updated_at"
               for index in model._meta.indexes)  # fmt: skip


def version(model: type[Model], using: str = "default") -> Version | None:
    """``(max(updated_at), max(pk))`` of ``model``'s table, or None when it has no
    ``updated_at`` index (then nothing of it is cached)."""
    if not _versioned(model):
        return None
    found = model._default_manager.using(using).aggregate(updated=Max("updated_at"), last=Max("pk"))
    return (found["updated"], found["last"])


def _key(kind: str, queryset: QuerySet[Any]) -> str | None:
    """A key for ``queryset``'s rows, or None when it has none by construction (``.none()``:
    someone without a jurisdiction)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    text = f"{kind}\x00{queryset.db}\x00{queryset.model._meta.label}\x00{sql}\x00{params!r}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _memoised(
    memo: _Memo, kind: str, queryset: QuerySet[Any], compute: Callable[[], T], *,
    size: Callable[[T], int], current: Version | None = None,
) -> T:  # fmt: skip
    current = current or version(queryset.model, queryset.db)
    key = _key(kind, queryset) if current is not None else None
    if current is None or key is None:
        return compute()
    found = memo.get(key, current)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    if size(value) >= MIN_ROWS:
        memo.put(key, current, value)
    return value


def count(queryset: QuerySet[Any]) -> int:
    """``queryset.count()``, kept while the table is unchanged when it is large."""
    plain = queryset.order_by()
    return _memoised(_counts, "count", plain, plain.count, size=lambda n: n)


def aggregate(
    kind: str, queryset: QuerySet[Any], compute: Callable[[], T], rows: Callable[[T], int]
) -> T:
    """``compute()``, an aggregate over ``queryset`` (e.g. counts by state), kept like
    :func:`count` when ``rows(result)`` — the rows it covers — is large. ``kind`` names the
    aggregate, so that two aggregates of the same rows keep apart."""
    return _memoised(_counts, kind, queryset.order_by(), compute, size=rows)


def points(queryset: QuerySet[Any]) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """``(pk, lon, lat)`` of every row of ``queryset`` as an ``n × 3`` float array (pks are
    exact as floats below 2**53), kept while the table is unchanged when it is large; None
    when the table has no version (the caller then reads only what it needs)."""
    plain = queryset.order_by()
    current = version(plain.model, plain.db)
    if current is None:
        return None

    def read() -> np.ndarray[Any, np.dtype[np.float64]]:
        try:
            sql, params = plain.values_list("pk", "lon", "lat").query.sql_with_params()
        except EmptyResultSet:  # .none()
            return np.empty((0, 3), dtype=np.float64)
        with connections[plain.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return np.array(rows, dtype=np.float64).reshape(-1, 3)

    return _memoised(_tables, "points", plain, read, size=len, current=current)


if TYPE_CHECKING:
    _PaginatorBase = Paginator[Any]  # generic in django-stubs only
else:
    _PaginatorBase = Paginator


class CountedPaginator(_PaginatorBase):
    """Django's paginator with :func:`count` for its total (the same figure, kept)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return count(self.object_list)
        return super().count

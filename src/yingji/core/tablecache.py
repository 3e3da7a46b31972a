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
order: an entry is kept at most :data:`MAX_AGE` seconds, and only counts of at least
:data:`MIN_ROWS` rows are kept at all (smaller ones are cheap, and always exact). Point
tables are kept whatever their size (a map view of a few thousand shelters would otherwise
read them all on every pan), within :data:`MAX_TABLE_BYTES` per process.

The version is read *before* the aggregate, so a write that commits in between makes the
stored answer newer than its version, never older: the next request recomputes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

MIN_ROWS: Final = 20_000  # smaller answers are computed every time
MAX_AGE: Final = 60.0  # seconds an entry may be used at most, even with an unchanged version
MAX_ENTRIES: Final = 64  # counts kept per process
MAX_TABLE_BYTES: Final = 96 * 2**20  # point tables kept per process (12 MB per 500,000 rows)
MAX_ANSWER_BYTES: Final = 32 * 2**20  # encoded answers kept per process (see answer())

T = TypeVar("T")
Version = tuple[Any, ...]


class _Memo:
    """A small LRU of (version, stored at, value) under a lock (views run in threads), of at
    most ``size`` entries or, with ``weigh``, at most ``size`` in total of their weights."""

    def __init__(self, size: int, weigh: Callable[[Any], int] = lambda _value: 1) -> None:
        self.size = size
        self.weigh = weigh
        self.total = 0
        self.items: OrderedDict[str, tuple[Version, float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: Version) -> Any | None:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            stored_version, stored_at, value = found
            if stored_version != version or time.monotonic() - stored_at > MAX_AGE:
                self._drop(key)
                return None
            self.items.move_to_end(key)
            return value

    def put(self, key: str, version: Version, value: Any) -> None:
        with self.lock:
            if key in self.items:
                self._drop(key)
            self.items[key] = (version, time.monotonic(), value)
            self.total += self.weigh(value)
            while self.total > self.size and len(self.items) > 1:
                self._drop(next(iter(self.items)))

    def _drop(self, key: str) -> None:
        self.total -= self.weigh(self.items.pop(key)[2])

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.total = 0


_counts = _Memo(MAX_ENTRIES)
_tables = _Memo(MAX_TABLE_BYTES, weigh=lambda table: int(table.nbytes))
_answers = _Memo(MAX_ANSWER_BYTES, weigh=lambda answer: int(answer.size))


def clear() -> None:
    """Forget everything kept (tests; a data reload)."""
    _counts.clear()
    _tables.clear()
    _answers.clear()


def _versioned(model: type[Model]) -> bool:
    names = {f.name for f in model._meta.concrete_fields}
    if "updated_at" not in names:
        return False
    return any(index.fields and index.fields[0].lstrip("-") == "updated_at"
               for index in model._meta.indexes)  # fmt: skip


def version(model: type[Model], using: str = "default") -> Version | None:
    """``(max(updated_at), max(pk))`` of ``model``'s table, or None when it has no
    ``updated_at`` index (then nothing of it is cached)."""
    return versions([model], using)[model]


def versions(
    models: Sequence[type[Model]], using: str = "default"
) -> dict[type[Model], Version | None]:
    """:func:`version` of each of ``models``, read in one statement (a map's layer list, or
    an answer and the tables it depends on: one round trip instead of one per table). The
    values only ever compare with each other, so they come as the database gives them (the
    pk as text: tables' keys differ in type)."""
    found: dict[type[Model], Version | None] = {m: None for m in models if not _versioned(m)}
    wanted = [m for m in dict.fromkeys(models) if m not in found]
    if not wanted:
        return found
    connection = connections[using]
    quote = connection.ops.quote_name
    selects = []
    for index, model in enumerate(wanted):
        meta = model._meta
        updated = quote(next(f.column for f in meta.concrete_fields if f.name == "updated_at"))
        last = quote(meta.pk.column)
        table = quote(meta.db_table)  # names from the models, quoted: no input reaches here
        selects.append(f"SELECT {index}, MAX({updated}), CAST(MAX({last}) AS TEXT) FROM {table}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects))
        for index, updated, last in cursor.fetchall():
            found[wanted[index]] = (updated, last)
    return found


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
    size: Callable[[T], int], current: Version | None = None, least: int | None = None,
) -> T:  # fmt: skip
    current = current or version(queryset.model, queryset.db)
    key = _key(kind, queryset) if current is not None else None
    if current is None or key is None:
        return compute()
    found = memo.get(key, current)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    if size(value) >= (MIN_ROWS if least is None else least):
        memo.put(key, current, value)
    return value


def count(queryset: QuerySet[Any], *, current: Version | None = None) -> int:
    """``queryset.count()``, kept while the table is unchanged when it is large, or the
    length of its kept points (:func:`points`: a map layer's rows, whatever their number).
    ``current``: the table's version, when the caller read it already (:func:`versions`)."""
    plain = queryset.order_by()
    current = current or version(plain.model, plain.db)
    if current is not None and (key := _key("points", plain)) is not None:
        kept = _tables.get(key, current)
        if kept is not None:
            return len(kept)
    return _memoised(_counts, "count", plain, plain.count, size=lambda n: n, current=current)


def aggregate(
    kind: str, queryset: QuerySet[Any], compute: Callable[[], T], rows: Callable[[T], int]
) -> T:
    """``compute()``, an aggregate over ``queryset`` (e.g. counts by state), kept like
    :func:`count` when ``rows(result)`` — the rows it covers — is large. ``kind`` names the
    aggregate, so that two aggregates of the same rows keep apart."""
    return _memoised(_counts, kind, queryset.order_by(), compute, size=rows)


def points(queryset: QuerySet[Any]) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """``(pk, lon, lat)`` of every row of ``queryset`` as an ``n × 3`` float array (pks are
    exact as floats below 2**53), kept while the table is unchanged; None when the table has
    no version (the caller then reads only what it needs)."""
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

    return _memoised(_tables, "points", plain, read, size=len, current=current, least=0)


class Sized(Protocol):
    @property
    def size(self) -> int: ...


A = TypeVar("A", bound=Sized)


def answer(
    kind: str, queryset: QuerySet[Any], compute: Callable[[], A], *,
    depends: Sequence[type[Model]] = (), detail: str = "",
) -> A:  # fmt: skip
    """``compute()``, a whole answer built from ``queryset``'s rows (an encoded map layer for
    one view), kept while neither ``queryset``'s table nor any of the ``depends`` tables it
    also reads has changed; ``detail`` tells apart answers of the same rows (the view, the
    language). Every answer is kept, within :data:`MAX_ANSWER_BYTES` per process, whatever
    its size: it is as exact as its version (see the module). Not kept when a table has no
    version."""
    plain = queryset.order_by()
    found = versions([plain.model, *depends], plain.db)
    current = [found[model] for model in (plain.model, *depends)]
    if any(v is None for v in current):
        return compute()
    return _memoised(_answers, f"{kind}\x00{detail}", plain, compute, size=lambda _a: 1,
                     current=tuple(current), least=0)  # fmt: skip


if TYPE_CHECKING:
    _PaginatorBase = Paginator[Any]  # generic in django-stubs only
else:
    _PaginatorBase = Paginator


class CountedPaginator(_PaginatorBase):
    """Django's paginator with :func:`count` for its total (the same figure, kept), or the
    ``known`` total when the caller counted the rows already (a list filtered by its tab
    alone: the tab's count is the total, one COUNT less)."""

    def __init__(self, object_list: Any, per_page: int, *, known: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.known = known

    @cached_property
    def count(self) -> int:
        if self.known is not None:
            return self.known
        if isinstance(self.object_list, QuerySet):
            return count(self.object_list)
        return super().count

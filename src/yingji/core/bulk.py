"""Bulk writes that skip per-row ORM work: one ``executemany`` per chunk.

``INSERT … ON CONFLICT (…) DO UPDATE SET col = excluded.col`` has the same syntax on SQLite
(≥ 3.24) and PostgreSQL, so one statement serves both. Callers validate rows first: this
layer writes exactly what it is given, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

CHUNK = 5000


def upsert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) or update them on a ``conflict`` key."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in conflict)
    sql = (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # noqa: S608 - names are quoted model columns
        f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])
    return len(rows)


def analyze(model: type[models.Model]) -> None:
    """Refresh the planner's statistics after a large load, so indexes get chosen."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

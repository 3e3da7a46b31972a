"""The version of the monitoring registry, for the in-process snapshots of it that ingest and
the rule evaluation keep (resolving thousands of sensors per batch from the database cost more
than the work itself)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from yingji.monitoring.models import Sensor, Station


def version() -> tuple[Any, ...]:
    """Row counts and latest ``updated_at`` of sensors and stations, which every registry write
    moves (``save`` and ``bulk_create`` set ``auto_now``), with the database alias.

    A ``QuerySet.update`` of a sensor or station would not move it: registry writes go through
    the registry services.
    """
    quote = connection.ops.quote_name
    sensors, stations = quote(Sensor._meta.db_table), quote(Station._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {sensors}), (SELECT MAX(updated_at) FROM {sensors}),"  # noqa: S608 - quoted names
            f" (SELECT COUNT(*) FROM {stations}), (SELECT MAX(updated_at) FROM {stations})"
        )
        return (connection.alias, *cursor.fetchone())

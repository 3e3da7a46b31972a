"""Excel exports of regions (reference data: readable by every signed-in user)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yingji.core.errors import InvalidInput
from yingji.core.exports import Column, Export, export
from yingji.core.models import User
from yingji.kernels import codes
from yingji.regions import selectors
from yingji.regions.models import Level, Region


def _rows(actor: User, filters: dict[str, str]) -> QuerySet[Any]:
    region = selectors.get_region(filters.get("region") or "33")
    level = filters.get("level") or ""
    if level and level not in Level.values:
        raise InvalidInput(f"Unknown level {level!r}", field="level")
    if level:
        return selectors.subtree(region, level=level).exclude(code=region.code).order_by("code")
    return Region.objects.filter(parent=region).order_by("code")


REGIONS = export(
    Export(
        name="regions",
        title="行政区划 Regions",
        columns=(
            Column("代码 code", lambda r: codes.display(r.code)),
            Column("名称 name", lambda r: r.name),
            Column("级别 level", lambda r: r.level),
            Column("上级代码 parent", lambda r: codes.display(r.parent_id) if r.parent_id else ""),
            Column("人口 population", lambda r: r.population),
            Column("户数 households", lambda r: r.households),
            Column("人口来源 source", lambda r: r.population_source),
            Column("经度 lon", lambda r: r.lon),
            Column("纬度 lat", lambda r: r.lat),
            Column("位置来源 location", lambda r: r.location_source),
        ),
        rows=_rows,
    )
)

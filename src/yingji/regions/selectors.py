"""Reads of regions, shared by pages, the API and jobs.

Regions are reference geography (names, codes, boundaries, census population are public), so
they are readable by every signed-in user; region-owned *data* is scoped elsewhere through
:mod:`yingji.core.scoping`, which relies on the ``path`` prefix property kept here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from django.db.models import Count, Q, QuerySet

from yingji.core.errors import InvalidInput, NotFound
from yingji.kernels import codes
from yingji.regions.models import Boundary, DatasetVersion, Level, Region

LEVEL_ORDER = {level: index for index, level in enumerate(Level.values)}


def normalise_code(code: str, *, field: str = "code") -> str:
    """A 2/4/6/9/12-digit code as its 12-digit form, or a 422 naming ``field``."""
    try:
        return codes.to_12(code)
    except codes.CodeError as exc:
        raise InvalidInput(f"Invalid region code {code[:20]!r}: {exc}", field=field) from exc


def get_region(code: str) -> Region:
    full = normalise_code(code)
    try:
        return Region.objects.select_related("parent").get(code=full)
    except Region.DoesNotExist as exc:
        raise NotFound(f"No region has code {code}", field="code") from exc


def ancestors(region: Region) -> list[Region]:
    """Province first, excluding the region itself (one query by path)."""
    paths = region.ancestor_paths()[:-1]
    return list(Region.objects.filter(path__in=paths).order_by("code"))


def children(code: str) -> QuerySet[Region]:
    parent = get_region(code)
    return Region.objects.filter(parent=parent).select_related("parent").order_by("code")


def subtree(region: Region, *, level: str | None = None) -> QuerySet[Region]:
    """The region and all its descendants (one indexed prefix query)."""
    queryset = Region.objects.filter(path__startswith=region.path)
    if level:
        queryset = queryset.filter(level=level)
    return queryset


def search(q: str, *, limit: int = 20) -> list[Region]:
    """Regions whose name contains ``q`` or whose code starts with it; larger units first."""
    text = q.strip()
    if not text:
        raise InvalidInput("Type part of a name or a code", field="q")
    condition = Q(name__contains=text)
    if text.isdigit():
        condition |= Q(path__startswith=text) | Q(code__startswith=text)
    found = list(Region.objects.filter(condition).select_related("parent")[: limit * 20])
    found.sort(key=lambda r: (LEVEL_ORDER[r.level], not r.name.startswith(text), r.code))
    return found[:limit]


def boundary_of(region: Region) -> dict[str, Any] | None:
    row = Boundary.objects.filter(region=region).values_list("geometry", flat=True).first()
    return row


def level_counts() -> dict[str, int]:
    """``{"province": 1, "city": 11, ...}`` in one grouped query."""
    counts = dict.fromkeys(Level.values, 0)
    rows = Region.objects.values_list("level").annotate(n=Count("code")).order_by()
    for level, n in rows:
        counts[level] = n
    return counts


def feature_collection(regions: QuerySet[Region]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the given regions' boundaries with their statistics."""
    rows = Boundary.objects.filter(region__in=regions).select_related("region").order_by("region")
    features = [
        {
            "type": "Feature",
            "id": codes.display(b.region.code),
            "properties": properties(b.region),
            "geometry": b.geometry,
        }
        for b in rows
    ]
    return {"type": "FeatureCollection", "features": features}


# The fields of a region that :func:`properties` shows: a change to any makes a new key.
_PROPERTY_FIELDS = (
    "code", "name", "level", "parent_id", "population", "households", "population_source",
    "township_count", "village_count", "lon", "lat",
)  # fmt: skip
_COLLECTIONS: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
_COLLECTIONS_KEPT = 16
_collections_lock = threading.Lock()


def feature_collection_json(regions: QuerySet[Region]) -> tuple[bytes, bytes]:
    """:func:`feature_collection` as compact JSON, and that JSON gzipped, kept in this process.

    Decoding and re-encoding the 90 county boundaries (and gzipping them) costs tens of
    milliseconds a request; what they depend on is cheap to read: the regions' own figures
    (one indexed query without the geometry) and the loaded dataset's version, the only writer
    of boundaries. A corrected population or a reloaded dataset makes a new key.
    """
    figures = list(regions.order_by("code").values_list(*_PROPERTY_FIELDS))
    datasets = list(DatasetVersion.objects.order_by("name").values_list("name", "checksum",
                                                                        "loaded_at"))  # fmt: skip
    shapes = Boundary.objects.filter(region__in=regions).count()
    key = hashlib.sha256(repr((figures, datasets, shapes)).encode("utf-8")).hexdigest()
    with _collections_lock:
        found = _COLLECTIONS.get(key)
        if found is not None:
            _COLLECTIONS.move_to_end(key)
            return found
    body = json.dumps(feature_collection(regions), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")  # fmt: skip
    kept = (body, gzip.compress(body, compresslevel=6, mtime=0))
    with _collections_lock:
        _COLLECTIONS[key] = kept
        while len(_COLLECTIONS) > _COLLECTIONS_KEPT:
            _COLLECTIONS.popitem(last=False)
    return kept


def properties(region: Region) -> dict[str, Any]:
    return {
        "code": codes.display(region.code),
        "code12": region.code,
        "name": region.name,
        "level": region.level,
        "parent": codes.display(region.parent_id) if region.parent_id else None,
        "population": region.population,
        "households": region.households,
        "population_source": region.population_source,
        "township_count": region.township_count,
        "village_count": region.village_count,
        "lon": region.lon,
        "lat": region.lat,
    }

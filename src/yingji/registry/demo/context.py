"""What every demo generator gets: a seeded RNG, the real regions, and points inside counties.

All demo data is synthetic (``synthetic=True`` on every row) and deterministic for a seed.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from django.db import models

from yingji.core import bulk
from yingji.kernels import codes
from yingji.regions.models import Boundary, Level, Region

BATCH = 5000


@dataclass(frozen=True)
class Place:
    code: str  # 12-digit
    path: str
    name: str
    lon: float
    lat: float
    population: int


@dataclass
class DemoContext:
    seed: int = 20210101
    scale: str = "default"  # or "province"
    counts: dict[str, int] = field(default_factory=dict)

    def rng(self, purpose: str) -> np.random.Generator:
        """An independent, reproducible stream per purpose (adding one doesn't shift others)."""
        return np.random.default_rng([self.seed, zlib.crc32(purpose.encode())])

    def _places(self, level: str) -> list[Place]:
        rows = (
            Region.objects.filter(level=level)
            .order_by("code")
            .values_list("code", "path", "name", "lon", "lat", "population")
        )
        return [Place(c, p, n, lo or 0.0, la or 0.0, pop) for c, p, n, lo, la, pop in rows]

    @cached_property
    def counties(self) -> list[Place]:
        return self._places(Level.COUNTY)

    @cached_property
    def townships(self) -> list[Place]:
        return self._places(Level.TOWNSHIP)

    @cached_property
    def villages(self) -> list[Place]:
        return self._places(Level.VILLAGE)

    @cached_property
    def disaster_prone_villages(self) -> list[Place]:
        paths = set(Region.objects.filter(level=Level.VILLAGE, disaster_prone=True)
                    .values_list("path", flat=True))  # fmt: skip
        return [v for v in self.villages if v.path in paths]

    @cached_property
    def _polygons(self) -> dict[str, Any]:
        rows = Boundary.objects.filter(region__level=Level.COUNTY).values_list(
            "region_id", "geometry"
        )
        shapes = {code: shapely.from_geojson(_dumps(geom)) for code, geom in rows}
        for shape in shapes.values():
            shapely.prepare(shape)
        return shapes

    def inside_county(self, county: str, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Boolean mask: which points lie inside the county polygon (vectorised)."""
        return np.asarray(shapely.contains_xy(self._polygons[county], lons, lats))

    def county_of(self, code: str) -> str:
        """12-digit code of the county containing region ``code``."""
        return codes.to_12(codes.short(code)[:6])

    def points_in_county(
        self, county: str, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` uniformly random points inside the county polygon (rejection sampling)."""
        polygon = self._polygons[county]
        min_x, min_y, max_x, max_y = polygon.bounds
        lons: list[np.ndarray] = []
        lats: list[np.ndarray] = []
        have = 0
        while have < n:
            xs = rng.uniform(min_x, max_x, max(2 * (n - have), 16))
            ys = rng.uniform(min_y, max_y, xs.size)
            inside = shapely.contains_xy(polygon, xs, ys)
            lons.append(xs[inside])
            lats.append(ys[inside])
            have += int(inside.sum())
        return np.concatenate(lons)[:n].round(6), np.concatenate(lats)[:n].round(6)

    def points_near(
        self, places: Sequence[Place], spread_deg: float, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """One point near each place, kept inside its county (falls back to the place)."""
        lon = np.array([p.lon for p in places]) + rng.normal(0, spread_deg, len(places))
        lat = np.array([p.lat for p in places]) + rng.normal(0, spread_deg, len(places))
        for index, place in enumerate(places):
            polygon = self._polygons.get(self.county_of(place.code))
            if polygon is not None and not shapely.contains_xy(polygon, lon[index], lat[index]):
                lon[index], lat[index] = place.lon, place.lat
        return lon.round(6), lat.round(6)

    def insert(self, name: str, model: type[models.Model], objs: Sequence[models.Model]) -> int:
        """Like :meth:`save` for rows nothing else refers to, with one ``executemany`` per batch
        (about 8× faster than ``bulk_create``; primary keys are not read back)."""
        for obj in objs:
            self._mark(obj)
        bulk.insert_objects(model, objs)
        self.counts[name] = self.counts.get(name, 0) + len(objs)
        return len(objs)

    @staticmethod
    def _mark(obj: models.Model) -> None:
        if hasattr(obj, "synthetic"):
            obj.synthetic = True
        region_id = getattr(obj, "region_id", None)
        if region_id and hasattr(obj, "region_path"):
            obj.region_path = codes.short(region_id)

    def save(self, name: str, model: type[models.Model], objs: Sequence[models.Model]) -> int:
        """Bulk-insert synthetic rows (region path and synthetic flag set) and count them."""
        for obj in objs:
            self._mark(obj)
        for start in range(0, len(objs), BATCH):
            model._default_manager.bulk_create(objs[start : start + BATCH])
        self.counts[name] = self.counts.get(name, 0) + len(objs)
        return len(objs)


def _dumps(geometry: dict[str, Any]) -> str:
    return json.dumps(geometry)

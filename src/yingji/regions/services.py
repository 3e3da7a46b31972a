"""Writes of regions: loading the reference dataset and correcting population figures."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F

from yingji.core import audit, bulk
from yingji.core.errors import InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped
from yingji.kernels import codes, divisions
from yingji.regions.models import Boundary, DatasetVersion, Region
from yingji.regions.selectors import normalise_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

DIVISIONS_FILE = "zhejiang_divisions.csv.gz"
BOUNDARIES_FILE = "zhejiang_boundaries.geojson.gz"
DATASET_NAME = "zhejiang-regions"
MAX_POPULATION = divisions.MAX_POPULATION
Progress = Callable[[int, str], None]
# Column order of the bulk upsert; the counts come from divisions.descendant_counts().
_REGION_COLUMNS = (
    "code", "path", "name", "level", "parent_id", "population", "households",
    "population_source", "lon", "lat", "location_source", "township_count", "village_count",
)  # fmt: skip


@dataclass(frozen=True)
class LoadResult:
    regions: int
    boundaries: int
    skipped: bool
    checksum: str


def _noop(_pct: int, _msg: str) -> None:
    return None


def data_dir() -> Path:
    return Path(settings.YINGJI_REGIONS_DATA)


def _checksum(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _boundaries(path: Path, known: set[str]) -> list[Boundary]:
    collection = json.loads(gzip.decompress(path.read_bytes()))
    shapes = []
    for feature in collection["features"]:
        code = codes.to_12(feature["properties"]["code"])
        if code not in known:
            raise divisions.DatasetError(f"boundary for unknown region {code}")
        geometry = feature["geometry"]
        min_lon, min_lat, max_lon, max_lat = divisions.bbox(geometry)
        shapes.append(
            Boundary(
                region_id=code,
                geometry=geometry,
                min_lon=min_lon,
                min_lat=min_lat,
                max_lon=max_lon,
                max_lat=max_lat,
            )
        )
    return shapes


def load_dataset(
    *, directory: Path | None = None, progress: Progress = _noop, force: bool = False
) -> LoadResult:
    """Load (or refresh) regions and boundaries from ``data/regions``; idempotent.

    The whole file is validated before anything is written, and written in one transaction.
    """
    directory = directory or data_dir()
    divisions_file, boundaries_file = directory / DIVISIONS_FILE, directory / BOUNDARIES_FILE
    for path in (divisions_file, boundaries_file):
        if not path.is_file():
            raise InvalidInput(f"Regions data file {path} is missing (see data/README.md)")
    checksum = _checksum([divisions_file, boundaries_file])
    current = DatasetVersion.objects.filter(name=DATASET_NAME).first()
    if current and current.checksum == checksum and not force:
        progress(100, "regions already loaded")
        return LoadResult(current.row_count, Boundary.objects.count(), True, checksum)

    progress(5, "reading divisions")
    try:
        rows = divisions.parse(gzip.decompress(divisions_file.read_bytes()).decode("utf-8"))
        divisions.check_tree(rows)
        shapes = _boundaries(boundaries_file, {row.code for row in rows})
    except (divisions.DatasetError, OSError, ValueError, KeyError) as exc:
        raise InvalidInput(f"Regions data is invalid: {exc}") from exc
    counts = divisions.descendant_counts(rows)
    by_depth = sorted(rows, key=lambda row: (len(row.path), row.code))  # parents first
    table = [
        (r.code, r.path, r.name, r.level, r.parent, r.population, r.households,
         r.population_source, r.lon, r.lat, r.location_source, *counts[r.path])
        for r in by_depth
    ]  # fmt: skip
    progress(30, f"writing {len(table)} regions")
    with transaction.atomic():
        bulk.upsert(Region, _REGION_COLUMNS, table, conflict=["code"])
        progress(80, f"writing {len(shapes)} boundaries")
        Boundary.objects.bulk_create(
            shapes,
            update_conflicts=True,
            unique_fields=["region"],
            update_fields=["geometry", "min_lon", "min_lat", "max_lon", "max_lat"],
        )
        DatasetVersion.objects.update_or_create(
            name=DATASET_NAME, defaults={"checksum": checksum, "row_count": len(table)}
        )
        audit.record(
            actor=None,
            action="load",
            object_type="regions.dataset",
            object_id=DATASET_NAME,
            object_repr=f"{len(table)} regions, {len(shapes)} boundaries",
            after={"checksum": checksum, "regions": len(table), "boundaries": len(shapes)},
        )
    progress(100, f"loaded {len(table)} regions and {len(shapes)} boundaries")
    bulk.analyze(Region)
    return LoadResult(len(table), len(shapes), False, checksum)


@transaction.atomic
def update_population(
    *,
    actor: User | AnonymousUser,
    code: str,
    population: int,
    households: int,
    note: str,
) -> Region:
    """Correct a region's population and households (e.g. a newer census), audited."""
    require(actor, Cap.EDIT_REGIONS)
    region = get_scoped(
        Region.objects.select_for_update(), actor, label="region", code=normalise_code(code)
    )
    if not 0 <= population <= MAX_POPULATION:
        raise InvalidInput("Population must be between 0 and 200,000,000", field="population")
    if not 0 <= households <= population:
        raise InvalidInput("Households must be between 0 and the population", field="households")
    if not note.strip():
        raise InvalidInput("Say where the new figures come from", field="note")
    fields = ["population", "households", "population_source"]
    before = audit.snapshot(region, fields)
    delta_population = population - region.population
    delta_households = households - region.households
    region.population, region.households = population, households
    region.population_source = "edited"
    region.save(update_fields=fields)
    # Keep the ancestors' totals equal to the sum of their children.
    Region.objects.filter(path__in=region.ancestor_paths()[:-1]).update(
        population=F("population") + delta_population,
        households=F("households") + delta_households,
    )
    audit.record(
        actor=actor,
        action="update",
        obj=region,
        region_path=region.path,
        before=before,
        after=audit.snapshot(region, fields),
        message=note.strip(),
    )
    return region

"""Writes of regions: loading the reference dataset and correcting population figures."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from yingji.core import audit
from yingji.core.errors import InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped
from yingji.kernels import codes
from yingji.regions.models import PATH_LENGTH, Boundary, DatasetVersion, Level, Region
from yingji.regions.selectors import normalise_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

DIVISIONS_FILE = "zhejiang_divisions.csv.gz"
BOUNDARIES_FILE = "zhejiang_boundaries.geojson.gz"
DATASET_NAME = "zhejiang-regions"
MAX_POPULATION = 200_000_000
Progress = Callable[[int, str], None]
_COLUMNS = (
    "code",
    "short_code",
    "level",
    "name",
    "parent_code",
    "population",
    "households",
    "population_source",
    "lon",
    "lat",
    "location_source",
)
_UPDATE_FIELDS = [
    "path",
    "name",
    "level",
    "parent",
    "population",
    "households",
    "population_source",
    "lon",
    "lat",
    "location_source",
    "township_count",
    "village_count",
]


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


def _parse_rows(text: str) -> Iterator[Region]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise InvalidInput(f"Unexpected columns {reader.fieldnames}; expected {list(_COLUMNS)}")
    for line, row in enumerate(reader, start=2):
        yield _region_from_row(row, line)


def _region_from_row(row: dict[str, str], line: int) -> Region:
    try:
        code = codes.to_12(row["code"])
        level = Level(row["level"])
        if codes.short(code) != row["short_code"] or len(row["short_code"]) != PATH_LENGTH[level]:
            raise ValueError(f"short code {row['short_code']} does not match {code} ({level})")
        population, households = int(row["population"]), int(row["households"])
        if not (0 <= population <= MAX_POPULATION and 0 <= households <= population):
            raise ValueError("population/households out of range")
        return Region(
            code=code,
            path=row["short_code"],
            name=row["name"].strip()[:64],
            level=level,
            parent_id=codes.to_12(row["parent_code"]) if row["parent_code"] else None,
            population=population,
            households=households,
            population_source=row["population_source"][:40],
            lon=float(row["lon"]) if row["lon"] else None,
            lat=float(row["lat"]) if row["lat"] else None,
            location_source=row["location_source"][:20],
        )
    except (ValueError, KeyError) as exc:
        raise InvalidInput(f"Regions file line {line}: {exc}") from exc


def _count_descendants(regions: list[Region]) -> None:
    """Fill township/village counts with one pass over the sorted paths (no query)."""
    counts: dict[str, list[int]] = {r.path: [0, 0] for r in regions}
    for region in regions:
        if region.level not in (Level.TOWNSHIP, Level.VILLAGE):
            continue
        slot = 0 if region.level == Level.TOWNSHIP else 1
        for length in PATH_LENGTH.values():
            if length < len(region.path) and region.path[:length] in counts:
                counts[region.path[:length]][slot] += 1
    for region in regions:
        region.township_count, region.village_count = counts[region.path]


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for polygon in (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    ):
        for ring in polygon:
            for x, y in ring:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def load_dataset(
    *, directory: Path | None = None, progress: Progress = _noop, force: bool = False
) -> LoadResult:
    """Load (or refresh) regions and boundaries from ``data/regions``; idempotent.

    The whole file is validated before anything is written, and written in one transaction.
    """
    directory = directory or data_dir()
    divisions, boundaries = directory / DIVISIONS_FILE, directory / BOUNDARIES_FILE
    for path in (divisions, boundaries):
        if not path.is_file():
            raise InvalidInput(f"Regions data file {path} is missing (see data/README.md)")
    checksum = _checksum([divisions, boundaries])
    current = DatasetVersion.objects.filter(name=DATASET_NAME).first()
    if current and current.checksum == checksum and not force:
        progress(100, "regions already loaded")
        return LoadResult(current.row_count, Boundary.objects.count(), True, checksum)

    progress(5, "reading divisions")
    regions = list(_parse_rows(gzip.decompress(divisions.read_bytes()).decode("utf-8")))
    _validate_tree(regions)
    _count_descendants(regions)
    progress(20, "reading boundaries")
    collection = json.loads(gzip.decompress(boundaries.read_bytes()))
    known = {r.code for r in regions}
    shapes: list[Boundary] = []
    for feature in collection["features"]:
        code = codes.to_12(feature["properties"]["code"])
        if code not in known:
            raise InvalidInput(f"Boundary for unknown region {feature['properties']['code']}")
        geometry = feature["geometry"]
        min_lon, min_lat, max_lon, max_lat = _bbox(geometry)
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

    with transaction.atomic():
        by_level: dict[str, list[Region]] = {}
        for region in regions:
            by_level.setdefault(region.level, []).append(region)
        done = 0
        for level in Level.values:  # parents before children
            rows = by_level.get(level, [])
            for start in range(0, len(rows), 2000):
                batch = rows[start : start + 2000]
                Region.objects.bulk_create(
                    batch,
                    update_conflicts=True,
                    unique_fields=["code"],
                    update_fields=_UPDATE_FIELDS,
                )
                done += len(batch)
                progress(20 + int(70 * done / len(regions)), f"{level}: {done}/{len(regions)}")
        Boundary.objects.bulk_create(
            shapes,
            update_conflicts=True,
            unique_fields=["region"],
            update_fields=["geometry", "min_lon", "min_lat", "max_lon", "max_lat"],
        )
        DatasetVersion.objects.update_or_create(
            name=DATASET_NAME, defaults={"checksum": checksum, "row_count": len(regions)}
        )
        audit.record(
            actor=None,
            action="load",
            object_type="regions.dataset",
            object_id=DATASET_NAME,
            object_repr=f"{len(regions)} regions, {len(shapes)} boundaries",
            after={"checksum": checksum, "regions": len(regions), "boundaries": len(shapes)},
        )
    progress(100, f"loaded {len(regions)} regions and {len(shapes)} boundaries")
    return LoadResult(len(regions), len(shapes), False, checksum)


def _validate_tree(regions: list[Region]) -> None:
    paths = {r.code: r.path for r in regions}
    for region in regions:
        if region.parent_id is None:
            if region.level != Level.PROVINCE:
                raise InvalidInput(f"Region {region.code} has no parent")
            continue
        parent_path = paths.get(region.parent_id)
        if parent_path is None or not region.path.startswith(parent_path):
            raise InvalidInput(
                f"Region {region.code}: parent {region.parent_id} is not its ancestor"
            )


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

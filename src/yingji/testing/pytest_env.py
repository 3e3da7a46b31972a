"""Pytest plugin, loaded before Django settings: gives the test run its own environment.

Settings come from the environment only, so the tests provide one: a throwaway data
directory and a fixed, test-only secret key. ``DATABASE_URL`` is left as the caller set it,
so the same suite runs on SQLite (default) and PostgreSQL (``DATABASE_URL=postgres://…``).
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("YINGJI_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
if "YINGJI_TEST_DATA_DIR" not in os.environ:
    os.environ["YINGJI_TEST_DATA_DIR"] = tempfile.mkdtemp(prefix="yingji-test-")
os.environ["YINGJI_DATA_DIR"] = os.environ["YINGJI_TEST_DATA_DIR"]
os.environ.pop("YINGJI_TILE_URL", None)

"""A scratch data directory for a benchmark run, removed when the run ends."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def use_scratch_data_dir() -> None:
    """Point ``YINGJI_DATA_DIR`` at a fresh temporary directory (unless it is set) and remove
    that directory at exit: a million-row benchmark database is hundreds of megabytes."""
    if "YINGJI_DATA_DIR" in os.environ:
        return
    path = tempfile.mkdtemp(prefix="yingji-bench-")
    os.environ["YINGJI_DATA_DIR"] = path
    atexit.register(shutil.rmtree, path, ignore_errors=True)

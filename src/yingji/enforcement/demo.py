"""The enforcement demo, part by part, in the order each part needs the one before:
lists and a drawn plan, inspections done on it, penalties and publications, then every
enterprise's credit and safety code. Each part's loader is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

PARTS = ("draw", "inspection", "penalty", "credit")


def load(progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for part in PARTS:
        if progress is not None:
            progress(part)
        counts[part] = import_module(f"yingji.enforcement.demo_{part}").load()
    return counts

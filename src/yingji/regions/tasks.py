"""Background jobs of the regions app."""

from __future__ import annotations

from typing import Any

from yingji.core.jobs import JobContext, job_kind
from yingji.regions import services


@job_kind("regions.load", "Load administrative divisions (行政区划) and boundaries")
def load_regions(context: JobContext, force: bool = False) -> dict[str, Any]:
    result = services.load_dataset(progress=context.progress, force=bool(force))
    return {"regions": result.regions, "boundaries": result.boundaries, "skipped": result.skipped}

"""多灾易灾 villages: the plan counts 16,400 disaster-prone villages in the province."""

from __future__ import annotations

import numpy as np

from yingji.regions.models import Level, Region
from yingji.registry.demo.context import DemoContext

DISASTER_PRONE_VILLAGES = 16_400


def generate(ctx: DemoContext) -> None:
    rng = ctx.rng("flags")
    villages = ctx.villages
    chosen = rng.choice(len(villages), size=min(DISASTER_PRONE_VILLAGES, len(villages)),
                        replace=False)  # fmt: skip
    paths = [villages[i].path for i in np.sort(chosen)]
    Region.objects.filter(level=Level.VILLAGE).update(disaster_prone=False, flags_source="")
    for start in range(0, len(paths), 900):
        Region.objects.filter(path__in=paths[start : start + 900]).update(
            disaster_prone=True, flags_source="synthetic"
        )
    ctx.counts["disaster_prone_villages"] = len(paths)
    ctx.__dict__.pop("disaster_prone_villages", None)  # recompute after the update

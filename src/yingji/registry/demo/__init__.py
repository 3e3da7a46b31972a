"""The demo province: deterministic synthetic registries sized from the plan's own figures.

Each generator module has ``generate(ctx)`` and adds its rows through ``ctx.save``; they run
in the order of ``GENERATORS`` (references first). Everything written is marked synthetic.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from yingji.alerts import demo as alerts_demo
from yingji.core import audit
from yingji.registry.demo import enterprises, flags, resources, shelters
from yingji.registry.demo.context import DemoContext
from yingji.registry.models.shelter import Shelter

Generator = Callable[[DemoContext], None]
GENERATORS: list[tuple[str, Generator]] = [
    ("flags", flags.generate),
    ("shelters", shelters.generate),
    ("depots", resources.generate_depots),  # after flags: village depots are disaster-prone
    ("rescue", resources.generate_rescue),
    ("people", resources.generate_people),
    ("enterprises", enterprises.generate_enterprises),
    ("hazards", enterprises.generate_hazards),  # reads the enterprises
    # Broadcast terminals and warning subscribers. Looked up when run: alerts.demo imports
    # this package's helpers, and either module may be imported first.
    ("audience", lambda ctx: alerts_demo.generate(ctx)),  # noqa: PLW0108 - import cycle
]


def already_loaded() -> bool:
    return Shelter.objects.filter(synthetic=True).exists()


def load(
    *,
    scale: str = "default",
    seed: int = 20210101,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, int]:
    """Generate the whole demo province in one transaction (nothing half-loaded)."""
    ctx = DemoContext(seed=seed, scale=scale)
    with transaction.atomic():
        for index, (name, generate) in enumerate(GENERATORS):
            if progress:
                progress(int(100 * index / len(GENERATORS)), f"demo: {name}")
            generate(ctx)
        audit.record(actor=None, action="load", object_type="registry.demo",
                     object_id=f"{scale}-{seed}", object_repr=f"demo province ({scale})",
                     after=dict(ctx.counts))  # fmt: skip
    if progress:
        progress(100, "demo province loaded")
    return dict(ctx.counts)

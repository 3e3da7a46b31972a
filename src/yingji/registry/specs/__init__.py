"""The registries: one declarative registration per entity (see core.registry.spec).

Each module registers its entities when imported; the app imports them all at start-up.
"""

from yingji.registry.specs import depots, enterprises, hazards, people, rescue, shelters

__all__ = ["depots", "enterprises", "hazards", "people", "rescue", "shelters"]

"""应急物资储备库 registries: depots (editable) and their stock and ledger (read-only here).

Stock items and movements are listed and exported like any registry, but the generic writes
refuse them: stock changes only through ``yingji.registry.services.record_movement``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yingji.core.registry.spec import MapLayer, RegistrySpec, register
from yingji.kernels import codes
from yingji.registry.models.depot import Depot, DepotLevel, StockItem, StockMovement

LEVEL_NAMES = {"province": "省", "city": "市", "county": "县（市、区）",
               "township": "乡镇（街道）", "village": "村（社区）"}  # fmt: skip


def region_matches_level(values: Mapping[str, Any]) -> dict[str, str]:
    """A 县级 depot sits in a county, a 村级 depot in a village, and so on."""
    region, level = values.get("region"), values.get("level")
    if not region or not level:
        return {}
    actual = codes.level(region)
    if actual == level:
        return {}
    return {
        "region": f"a {DepotLevel(level).label} depot sits in a {LEVEL_NAMES[level]}; "
        f"{codes.display(region)} is a {LEVEL_NAMES[actual]}"
    }


def stock_left(depot: Any) -> str | None:
    """A depot with stock cannot be voided: move or write off its stock first."""
    left = StockItem.objects.filter(depot=depot, quantity__gt=0, voided_at__isnull=True).count()
    if left:
        return f"{left} stock item(s) still hold stock; transfer or write them off first"
    return None


DEPOTS = register(
    RegistrySpec(
        name="depots",
        model=Depot,
        title="应急物资储备库",
        fields=("code", "name", "level", "region", "address", "lon", "lat", "manager",
                "manager_phone", "floor_area"),
        natural_key="code",
        list_fields=("code", "name", "level", "region", "manager", "manager_phone"),
        search=("name", "code", "address", "manager"),
        filters=("level",),
        sort=("-updated_at", "code", "name", "-floor_area"),
        examples={"code": "330106-WZ01", "name": "西湖区应急物资储备库", "level": "county",
                  "region": "330106", "address": "西湖区转塘街道", "lon": 120.09, "lat": 30.16,
                  "manager": "李明", "manager_phone": "13800000001", "floor_area": 2000},
        rules=(region_matches_level,),
        before_void=stock_left,
        map_layer=MapLayer(title="应急物资储备库", color="#ef6c00",
                           popup=("name", "level", "address", "manager", "manager_phone")),
    )
)  # fmt: skip

STOCK_ITEMS = register(
    RegistrySpec(
        name="stock_items",
        model=StockItem,
        title="应急物资",
        fields=("code", "depot", "category", "name", "unit", "quantity", "batch", "expires_on"),
        natural_key="code",
        list_fields=("code", "depot", "category", "name", "quantity", "unit", "expires_on"),
        search=("name", "code", "batch"),
        filters=("category", "depot"),
        sort=("-updated_at", "code", "name", "-quantity", "expires_on"),
        refs={"depot": "depots"},
        examples={"code": "330106-WZ01-0001", "depot": "330106-WZ01", "category": "flood",
                  "name": "编织袋", "unit": "条", "quantity": 5000, "batch": "2024-01",
                  "expires_on": "2027-06-30"},
        editable=False,
        actions=(("出入库 Movements", "stock-movement"),),
    )
)  # fmt: skip

STOCK_MOVEMENTS = register(
    RegistrySpec(
        name="stock_movements",
        model=StockMovement,
        title="物资出入库记录",
        fields=("item", "kind", "quantity", "delta", "balance_after", "to_depot", "reason",
                "actor_label", "occurred_at"),
        list_fields=("occurred_at", "item", "kind", "delta", "balance_after", "to_depot",
                     "reason"),
        search=("reason", "actor_label"),
        filters=("kind", "item"),
        sort=("-occurred_at", "occurred_at", "-updated_at"),
        refs={"item": "stock_items", "to_depot": "depots"},
        editable=False,
        label_field="reason",
    )
)  # fmt: skip

"""避灾安置场所 registry."""

from __future__ import annotations

from yingji.core.registry.spec import MapLayer, RegistrySpec, register
from yingji.registry.models.shelter import Shelter

# fmt: off
SHELTERS = register(
    RegistrySpec(
        name="shelters",
        model=Shelter,
        title="避灾安置场所",
        fields=(
            "code",
            "name",
            "level",
            "kind",
            "capacity",
            "floor_area",
            "region",
            "address",
            "lon",
            "lat",
            "standardised",
            "standardised_on",
            "visualised",
            "directions",
            "photo_url",
            "facilities",
            "manager",
            "manager_phone",
        ),
        natural_key="code",
        list_fields=("code", "name", "level", "kind", "capacity", "region", "standardised"),
        search=("name", "code", "address"),
        filters=("level", "kind", "standardised", "visualised"),
        sort=("-updated_at", "name", "-capacity", "code"),
        examples={
            "code": "330106-BZ-0001",
            "name": "北山街道避灾安置中心",
            "level": "township",
            "kind": "centre",
            "capacity": 300,
            "floor_area": 1200,
            "region": "330106002",
            "address": "西湖区北山街道",
            "lon": 120.148,
            "lat": 30.262,
            "standardised": True,
            "standardised_on": "2024-05-01",
            "visualised": True,
            "manager": "王强",
            "manager_phone": "13800000000",
        },
        region_levels=("county", "township", "village"),
        map_layer=MapLayer(
            title="避灾安置场所",
            color="#2e7d32",
            popup=("name", "kind", "capacity", "address", "manager_phone"),
        ),
    )
)
# fmt: on

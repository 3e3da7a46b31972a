"""Rescue forces and aviation sites: both are layers of the one map."""

from __future__ import annotations

from yingji.core.registry.spec import MapLayer, RegistrySpec, register
from yingji.registry.models.rescue import AviationSite, RescueForce

RESCUE_FORCES = register(
    RegistrySpec(
        name="rescue_forces",
        model=RescueForce,
        title="救援力量",
        fields=("code", "name", "kind", "level", "backbone", "specialties", "members",
                "equipment", "readiness", "leader", "leader_phone", "region", "address", "lon",
                "lat"),
        natural_key="code",
        list_fields=("code", "name", "kind", "level", "specialties", "members", "readiness",
                     "region"),
        search=("name", "code", "specialties", "address"),
        filters=("kind", "level", "readiness", "backbone"),
        sort=("-updated_at", "name", "code", "-members"),
        examples={"code": "330106-JY-0001", "name": "西湖区蓝天救援队", "kind": "social",
                  "level": "county", "backbone": True, "specialties": "防汛,水域,山岳",
                  "members": 45, "equipment": "冲锋舟2艘、无人机1架",
                  "readiness": "standby", "leader": "张伟", "leader_phone": "13800000002",
                  "region": "330106", "address": "西湖区文三路", "lon": 120.13, "lat": 30.28},
        map_layer=MapLayer(title="救援力量", color="#6a1b9a",
                           popup=("name", "kind", "specialties", "members", "readiness",
                                  "leader_phone")),
    )
)  # fmt: skip

AVIATION_SITES = register(
    RegistrySpec(
        name="aviation_sites",
        model=AviationSite,
        title="航空救援起降点",
        fields=("code", "name", "kind", "surface", "max_aircraft", "lighting", "region",
                "address", "lon", "lat"),
        natural_key="code",
        list_fields=("code", "name", "kind", "surface", "max_aircraft", "lighting", "region"),
        search=("name", "code", "address"),
        filters=("kind", "surface", "max_aircraft", "lighting"),
        sort=("-updated_at", "name", "code"),
        examples={"code": "330106-QJ-001", "name": "转塘临时起降点", "kind": "landing",
                  "surface": "sports", "max_aircraft": "medium", "lighting": False,
                  "region": "330106", "address": "西湖区转塘街道", "lon": 120.08,
                  "lat": 30.15},
        map_layer=MapLayer(title="航空救援起降点", color="#00838f",
                           popup=("name", "kind", "surface", "max_aircraft", "lighting")),
    )
)  # fmt: skip

"""监测站点 and 传感器 registries (list, forms, API, Excel, the station map layer)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from yingji.core.registry.spec import MapLayer, RegistrySpec, register
from yingji.monitoring import thresholds
from yingji.monitoring.models import Sensor, Station, StationKind
from yingji.registry.models.hazard import HazardSource

EXAMPLE_STATION = "33-RAIN-330106-001"


def station_links(values: Mapping[str, Any]) -> dict[str, str]:
    """An 企业监测点 belongs to an enterprise (directly or through its major hazard source),
    and a station's hazard source must be one of its enterprise's."""
    enterprise, source = values.get("enterprise"), values.get("hazard_source")
    if values.get("kind") == StationKind.ENTERPRISE and enterprise is None and source is None:
        return {"enterprise": _("is required for an enterprise monitoring point")}
    if enterprise is not None and source is not None:
        owner = HazardSource.objects.filter(pk=source).values_list("enterprise_id", flat=True)
        if owner.first() != enterprise:
            return {"hazard_source": _("belongs to another enterprise")}
    return {}


def _enterprise_from_source(rows: Sequence[Any]) -> None:
    """A station given only its hazard source belongs to that source's enterprise."""
    missing = [r for r in rows if r.hazard_source_id and not r.enterprise_id]
    if not missing:
        return
    owners = dict(
        HazardSource.objects.filter(pk__in={r.hazard_source_id for r in missing}).values_list(
            "pk", "enterprise_id"
        )
    )
    by_owner: dict[int, list[int]] = defaultdict(list)
    for row in missing:
        row.enterprise_id = owners[row.hazard_source_id]
        by_owner[row.enterprise_id].append(row.pk)
    for owner, pks in by_owner.items():
        for start in range(0, len(pks), 900):
            Station.objects.filter(pk__in=pks[start : start + 900]).update(enterprise_id=owner)


# fmt: off
STATIONS = register(
    RegistrySpec(
        name="stations",
        model=Station,
        title="监测站点",
        fields=("code", "name", "kind", "region", "address", "lon", "lat", "operator",
                "enterprise", "hazard_source", "active"),
        natural_key="code",
        list_fields=("code", "name", "kind", "region", "operator", "enterprise", "active"),
        search=("name", "code", "address", "operator", "enterprise__name", "hazard_source__name",
                "hazard_source__code"),
        filters=("kind", "active", "enterprise", "hazard_source"),
        sort=("-updated_at", "code", "name", "kind"),
        refs={"enterprise": "enterprises", "hazard_source": "hazard_sources"},
        examples={
            "code": EXAMPLE_STATION,
            "name": "北山街道雨量站",
            "kind": "weather",
            "region": "330106002",
            "address": "西湖区北山街道",
            "lon": 120.148,
            "lat": 30.262,
            "operator": "西湖区气象局",
            "active": True,
        },
        rules=(station_links,),
        after_write=_enterprise_from_source,
        region_levels=("county", "township", "village"),
        map_layer=MapLayer(
            title="监测站点",
            color="#1565c0",
            popup=("name", "code", "kind", "operator", "active"),
        ),
    )
)

SENSORS = register(
    RegistrySpec(
        name="sensors",
        model=Sensor,
        title="监测传感器",
        fields=("code", "station", "type", "unit", "substance", "expected_interval_s", "warn_on",
                "warn_off", "alarm_on", "alarm_off", "rate_per_hour", "active", "installed_on"),
        natural_key="code",
        list_fields=("code", "station", "type", "unit", "expected_interval_s", "active"),
        search=("code", "substance", "station__name", "station__code"),
        filters=("type", "unit", "active", "station"),
        sort=("-updated_at", "code", "type", "expected_interval_s"),
        refs={"station": "stations"},
        examples={
            "code": f"{EXAMPLE_STATION}-R1",
            "station": EXAMPLE_STATION,
            "type": "rain",
            "unit": "mm",
            "expected_interval_s": 60,
            "active": True,
            "installed_on": "2024-04-01",
        },
        rules=(thresholds.check,),
        label_field="code",
    )
)
# fmt: on

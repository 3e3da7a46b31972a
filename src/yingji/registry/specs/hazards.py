"""重大危险源 registries: sources, their units and the chemicals in each unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from yingji.core.registry.spec import MapLayer, RegistrySpec, register
from yingji.registry import services
from yingji.registry.models.hazard import HazardChemical, HazardSource, HazardUnit
from yingji.registry.specs.enterprises import EXAMPLE_CREDIT_CODE

EXAMPLE_SOURCE = "330106-WXY-0001"


def identifiable(values: Mapping[str, Any]) -> dict[str, str]:
    """GB 18218 finds Q by the substance (Table 1, by CAS) or else by its category (Table 2):
    a chemical with neither can be neither identified nor graded."""
    if not values.get("cas") and not values.get("hazard_category"):
        return {"hazard_category": _("is required when the chemical has no CAS number")}
    return {}


# fmt: off
HAZARD_SOURCES = register(
    RegistrySpec(
        name="hazard_sources",
        model=HazardSource,
        title="重大危险源",
        fields=("code", "name", "enterprise", "people_within_500m", "region", "address", "lon",
                "lat"),
        natural_key="code",
        list_fields=("code", "name", "enterprise", "region", "people_within_500m", "grade",
                     "r_value"),
        computed=("is_major", "r_value", "grade", "graded_at"),
        after_write=lambda rows: services.grade_sources(r.pk for r in rows),
        search=("name", "code", "address", "enterprise__name", "enterprise__credit_code"),
        filters=("enterprise",),
        sort=("-updated_at", "code", "name", "-people_within_500m"),
        refs={"enterprise": "enterprises"},
        examples={
            "code": EXAMPLE_SOURCE,
            "name": "液氯储罐区重大危险源",
            "enterprise": EXAMPLE_CREDIT_CODE,
            "people_within_500m": 60,
            "region": "330106002",
            "address": "西湖区北山街道某路 1 号",
            "lon": 120.148,
            "lat": 30.262,
        },
        region_levels=("township", "village"),
        map_layer=MapLayer(
            title="重大危险源",
            color="#c62828",
            popup=("name", "code", "enterprise", "people_within_500m"),
        ),
    )
)

HAZARD_UNITS = register(
    RegistrySpec(
        name="hazard_units",
        model=HazardUnit,
        title="重大危险源单元",
        fields=("code", "source", "name", "kind"),
        natural_key="code",
        list_fields=("code", "source", "name", "kind", "s_value", "grade"),
        computed=("s_value", "is_major", "r_value", "grade", "grading_note"),
        after_write=lambda rows: services.grade_sources(r.source_id for r in rows),
        search=("code", "name", "source__name", "source__code"),
        filters=("kind", "source"),
        sort=("-updated_at", "code", "name"),
        refs={"source": "hazard_sources"},
        examples={
            "code": f"{EXAMPLE_SOURCE}-U1",
            "source": EXAMPLE_SOURCE,
            "name": "液氯储罐区",
            "kind": "storage",
        },
    )
)

HAZARD_CHEMICALS = register(
    RegistrySpec(
        name="hazard_chemicals",
        model=HazardChemical,
        title="重大危险源危险化学品",
        fields=("unit", "name", "cas", "hazard_category", "quantity"),
        list_fields=("unit", "name", "cas", "hazard_category", "quantity"),
        after_write=lambda rows: services.grade_sources(
            HazardUnit.objects.filter(pk__in={r.unit_id for r in rows}).values_list(
                "source_id", flat=True)),
        search=("name", "cas", "unit__name", "unit__code", "unit__source__name"),
        filters=("hazard_category", "cas", "unit"),
        sort=("-updated_at", "-quantity", "name"),
        refs={"unit": "hazard_units"},
        examples={
            "unit": f"{EXAMPLE_SOURCE}-U1",
            "name": "液氯",
            "cas": "7782-50-5",
            "hazard_category": "J3",
            "quantity": 30,
        },
        rules=(identifiable,),
    )
)
# fmt: on

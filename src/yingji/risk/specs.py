"""企业风险动态数据: the supervision facts registry (list, forms, API, Excel import/export)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from yingji.core.registry.spec import RegistrySpec, register
from yingji.registry.specs.enterprises import EXAMPLE_CREDIT_CODE
from yingji.risk.models import RiskFacts


def counts_consistent(values: Mapping[str, Any]) -> dict[str, str]:
    """Rectified ≤ found, on time ≤ rectified, handled ≤ alarms: otherwise a typing error."""
    pairs = (
        ("hazards_rectified_12m", "hazards_found_12m"),
        ("hazards_on_time_12m", "hazards_rectified_12m"),
        ("alarms_handled_30d", "alarms_30d"),
    )
    problems = {}
    for part, whole in pairs:
        a, b = values.get(part), values.get(whole)
        if a is not None and b is not None and a > b:
            label = str(RiskFacts._meta.get_field(whole).verbose_name)
            problems[part] = _("must not exceed %(label)s (%(value)s)") % {
                "label": label,
                "value": b,
            }
    return problems


# fmt: off
RISK_FACTS = register(
    RegistrySpec(
        name="risk_facts",
        model=RiskFacts,
        title="企业风险动态数据",
        fields=("enterprise", "as_of", "source", "open_hazards", "open_major_hazards",
                "hazards_found_12m", "hazards_rectified_12m", "hazards_on_time_12m",
                "alarms_30d", "alarms_handled_30d", "enforcement_cases_36m",
                "quality_failures_12m", "accidents_36m", "inspected_12m", "under_supervision"),
        natural_key="enterprise",
        list_fields=("enterprise", "as_of", "open_hazards", "open_major_hazards", "alarms_30d",
                     "accidents_36m", "under_supervision"),
        search=("enterprise__name", "enterprise__credit_code", "source"),
        filters=("under_supervision", "inspected_12m", "enterprise"),
        sort=("-updated_at", "-as_of", "-open_major_hazards", "-open_hazards"),
        refs={"enterprise": "enterprises"},
        examples={
            "enterprise": EXAMPLE_CREDIT_CODE, "as_of": "2026-11-01",
            "source": "浙江省安全生产综合监管平台", "open_hazards": 2, "open_major_hazards": 0,
            "hazards_found_12m": 12, "hazards_rectified_12m": 10, "hazards_on_time_12m": 9,
            "alarms_30d": 3, "alarms_handled_30d": 3, "enforcement_cases_36m": 1,
            "quality_failures_12m": 0, "accidents_36m": 0, "inspected_12m": True,
            "under_supervision": False,
        },
        rules=(counts_consistent,),
        label_field="enterprise",
    )
)
# fmt: on

"""一企一档 registries: enterprises, their licences and key-person training records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from yingji.core.registry.spec import MapLayer, RegistrySpec, RowRule, register
from yingji.registry.models.enterprise import (
    Enterprise,
    HazchemRole,
    InsuranceStatus,
    Licence,
    TrainingRecord,
)

EXAMPLE_CREDIT_CODE = "91330106MA2H4K7L00"  # valid check character (GB 32100)


def park_named(values: Mapping[str, Any]) -> dict[str, str]:
    """入园 and the park's name go together: a park without a name cannot be supervised."""
    if values.get("in_chemical_park") and not values.get("park_name"):
        return {"park_name": _("is required for an enterprise in a chemical park")}
    if values.get("park_name") and not values.get("in_chemical_park"):
        return {"in_chemical_park": _("must be 是 when a chemical park is named")}
    return {}


def insurance_dated(values: Mapping[str, Any]) -> dict[str, str]:
    """A policy that is (or was) in force has an expiry date, so lapses can be flagged."""
    status = values.get("insurance_status")
    dated = (InsuranceStatus.INSURED, InsuranceStatus.EXPIRED)
    if status in dated and not values.get("insurance_expires_on"):
        return {"insurance_expires_on": _("is required when insurance is 已投保 or 已到期")}
    return {}


def processes_need_hazchem(values: Mapping[str, Any]) -> dict[str, str]:
    """重点监管危险化工工艺 are run only by enterprises that handle hazardous chemicals."""
    if values.get("key_processes") and values.get("hazchem_role") == HazchemRole.NONE:
        return {"key_processes": _("are given, but the hazardous chemicals role is 无")}
    return {}


def expires_after(model: type[Model], start: str, end: str) -> RowRule:
    """A rule: the date in ``end`` (if any) comes after the date in ``start``.

    An expiry on or before the issue date is a typing error (often day and month swapped),
    and it would make the record look expired or valid when it is not.
    """

    def rule(values: Mapping[str, Any]) -> dict[str, str]:
        begin, finish = values.get(start), values.get(end)
        if begin and finish and finish <= begin:
            label = str(getattr(model._meta.get_field(start), "verbose_name", start))
            return {end: _("must be after %(label)s (%(date)s)") % {"label": label, "date": begin}}
        return {}

    return rule


# fmt: off
ENTERPRISES = register(
    RegistrySpec(
        name="enterprises",
        model=Enterprise,
        title="企业（一企一档）",
        fields=(
            "credit_code", "name", "industry_code", "industry_name", "scale",
            "region", "address", "lon", "lat",
            "legal_representative", "safety_manager", "safety_manager_phone", "employees",
            "hazchem_role", "key_processes", "in_chemical_park", "park_name",
            "safety_grade", "insurance_status", "insurance_expires_on",
        ),
        natural_key="credit_code",
        list_fields=("credit_code", "name", "industry_name", "scale", "region", "hazchem_role",
                     "safety_grade"),
        search=("name", "credit_code", "address"),
        filters=("scale", "hazchem_role", "safety_grade", "in_chemical_park", "industry_code",
                 "insurance_status"),
        sort=("-updated_at", "name", "credit_code", "-employees"),
        examples={
            "credit_code": EXAMPLE_CREDIT_CODE,
            "name": "杭州北山恒丰化工有限公司",
            "industry_code": "C2614",
            "industry_name": "有机化学原料制造",
            "scale": "above",
            "region": "330106002",
            "address": "西湖区北山街道某路 1 号",
            "lon": 120.148,
            "lat": 30.262,
            "legal_representative": "王强",
            "safety_manager": "李明",
            "safety_manager_phone": "13800000000",
            "employees": 120,
            "hazchem_role": "produce",
            "key_processes": "氯化工艺、氟化工艺",
            "in_chemical_park": False,
            "safety_grade": "grade2",
            "insurance_status": "insured",
            "insurance_expires_on": "2026-12-31",
        },
        rules=(park_named, insurance_dated, processes_need_hazchem),
        region_levels=("township", "village"),
        map_layer=MapLayer(
            title="企业",
            color="#1565c0",
            popup=("name", "credit_code", "industry_name", "safety_manager_phone"),
        ),
        label_field="name",
    )
)

LICENCES = register(
    RegistrySpec(
        name="licences",
        model=Licence,
        title="企业许可证",
        fields=("enterprise", "kind", "number", "issued_on", "expires_on"),
        list_fields=("enterprise", "kind", "number", "issued_on", "expires_on"),
        search=("number", "enterprise__name", "enterprise__credit_code"),
        filters=("kind", "enterprise"),
        sort=("-updated_at", "expires_on", "-expires_on", "-issued_on"),
        refs={"enterprise": "enterprises"},
        examples={
            "enterprise": EXAMPLE_CREDIT_CODE,
            "kind": "safety",
            "number": "(浙)WH安许证字〔2024〕-A-0001",
            "issued_on": "2024-03-01",
            "expires_on": "2027-02-28",
        },
        rules=(expires_after(Licence, "issued_on", "expires_on"),),
        label_field="number",
    )
)

TRAININGS = register(
    RegistrySpec(
        name="trainings",
        model=TrainingRecord,
        title="安全培训记录",
        fields=("enterprise", "person", "role", "course", "certificate_number", "trained_on",
                "expires_on"),
        list_fields=("enterprise", "person", "role", "course", "trained_on", "expires_on"),
        search=("person", "course", "certificate_number", "enterprise__name",
                "enterprise__credit_code"),
        filters=("role", "enterprise"),
        sort=("-updated_at", "-trained_on", "expires_on"),
        refs={"enterprise": "enterprises"},
        examples={
            "enterprise": EXAMPLE_CREDIT_CODE,
            "person": "李明",
            "role": "manager",
            "course": "危险化学品生产单位安全管理人员安全生产知识和管理能力考核",
            "certificate_number": "330106198001010011",
            "trained_on": "2024-04-15",
            "expires_on": "2027-04-14",
        },
        rules=(expires_after(TrainingRecord, "trained_on", "expires_on"),),
        label_field="person",
    )
)
# fmt: on

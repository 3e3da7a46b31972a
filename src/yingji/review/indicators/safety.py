"""安全生产: enterprise standardisation, chemical parks, liability insurance, certified
practitioners (一企一档), mobile enforcement (掌上执法) and accident evaluation coverage.

Industry groups follow GB/T 4754-2017 codes on the enterprise file, plus its hazardous
chemicals role:

- **high-risk (高危行业)**: mining (section B), metal smelting (C31, C32), explosives and
  fireworks (C267), and hazardous-chemical producers, traders and storers;
- **the plan's insurance list** (§ 安全生产责任保险): mining (B), hazardous chemicals (any
  role but none), fireworks (C2672), construction (E47–E50), civil explosives (C2671), metal
  smelting (C31, C32), transport (G53–G58) and fishery (A04).
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import CharField, Count, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Cast, Concat

from yingji.enforcement.models.inspections import Finding, InspectionTask, TaskKind, TaskState
from yingji.registry.models.enterprise import (
    Enterprise,
    EnterpriseScale,
    HazchemRole,
    InsuranceStatus,
    SafetyGrade,
    TrainingRecord,
)
from yingji.review.indicators import base
from yingji.review.indicators.base import Result


def _starts(*prefixes: str, field: str = "industry_code") -> Q:
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in prefixes))


HAZCHEM_HANDLERS = (HazchemRole.PRODUCE, HazchemRole.TRADE, HazchemRole.STORE)
HIGH_RISK = _starts("B", "C31", "C32", "C267") | Q(hazchem_role__in=HAZCHEM_HANDLERS)
INSURANCE_LIST = (
    _starts("B", "C2672", "C2671", "C31", "C32", "E47", "E48", "E49", "E50", "A04")
    | _starts("G53", "G54", "G55", "G56", "G57", "G58")
    | ~Q(hazchem_role=HazchemRole.NONE)
)
STANDARDISED = Q(safety_grade__in=(SafetyGrade.GRADE1, SafetyGrade.GRADE2, SafetyGrade.GRADE3))


def _share(scope: str, population: Q, hit: Q) -> Result:
    live = Enterprise.objects.filter(voided_at__isnull=True).filter(population)
    table = base.grouped(live, "region_path", scope, den=Count("pk"), num=Count("pk", filter=hit))
    return base.ratio_result(scope, base.pairs(table, "num", "den"))


def standardised(scope: str, as_of: dt.date) -> Result:
    return _share(scope, Q(), STANDARDISED)


def standardised_high_risk(scope: str, as_of: dt.date) -> Result:
    return _share(scope, HIGH_RISK, STANDARDISED)


def standardised_above_scale(scope: str, as_of: dt.date) -> Result:
    return _share(scope, Q(scale=EnterpriseScale.ABOVE), STANDARDISED)


def producers_in_parks(scope: str, as_of: dt.date) -> Result:
    return _share(scope, Q(hazchem_role=HazchemRole.PRODUCE), Q(in_chemical_park=True))


def insured(scope: str, as_of: dt.date) -> Result:
    valid = Q(insurance_status=InsuranceStatus.INSURED) & (
        Q(insurance_expires_on__isnull=True) | Q(insurance_expires_on__gte=as_of)
    )
    return _share(scope, INSURANCE_LIST, valid)


def practitioners_certified(scope: str, as_of: dt.date) -> Result:
    """People holding a valid certificate (training records with a certificate number, not
    expired, one per enterprise and name) ÷ employees of high-risk enterprises."""
    firms = Enterprise.objects.filter(HIGH_RISK, voided_at__isnull=True)
    staff = base.grouped(firms, "region_path", scope, den=Sum("employees"))
    holders = TrainingRecord.objects.filter(
        voided_at__isnull=True, enterprise__voided_at__isnull=True,
        enterprise__in=firms.values("pk"),
    ).exclude(certificate_number="").filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=as_of)
    )  # fmt: skip
    person = Concat(Cast("enterprise_id", CharField()), Value(":"), "person")
    held = base.grouped(holders, "enterprise__region_path", scope, num=Count(person, distinct=True))
    keys = set(staff) | set(held)
    counts = {k: (float(held.get(k, {}).get("num") or 0), float(staff.get(k, {}).get("den") or 0))
              for k in keys}  # fmt: skip
    return base.ratio_result(scope, counts)


def _mobile(scope: str, as_of: dt.date, tasks: Q) -> Result:
    """Completed inspections done through the phone flow — started on the phone with its
    position, or with a finding recorded with a position — ÷ completed inspections."""
    located = Finding.objects.filter(task=OuterRef("pk"), lat__isnull=False)
    done = InspectionTask.objects.filter(
        tasks, state=TaskState.COMPLETED,
        completed_at__gte=base.since(as_of), completed_at__lt=base.until(as_of),
    ).annotate(_phone=Exists(located))  # fmt: skip
    mobile = Q(start_lat__isnull=False) | Q(_phone=True)
    table = base.grouped(
        done, "region_path", scope, den=Count("pk"), num=Count("pk", filter=mobile)
    )
    return base.ratio_result(scope, base.pairs(table, "num", "den"))


def mobile_random(scope: str, as_of: dt.date) -> Result:
    return _mobile(scope, as_of, Q(kind=TaskKind.RANDOM))


def mobile_all(scope: str, as_of: dt.date) -> Result:
    return _mobile(scope, as_of, Q())

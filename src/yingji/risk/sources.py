"""Where the indicator values come from: one column per source key, for many enterprises at once.

An indicator names a ``source``; :func:`gather` reads every source a model needs for a
selection of enterprises with a fixed number of queries (one per table, never one per
enterprise) and returns the raw input matrix the kernel scores. A missing value is NaN:
an enterprise with no 企业风险动态数据 row has unknown hidden hazards, alarms and so on, and
the model's ``missing`` policy decides what that costs (从严从高 by default).

Sources
-------
- ``major_source_grade``: the highest grade among the enterprise's major hazard sources as
  0 (none) … 1 四级, 2 三级, 3 二级, 4 一级 (GB 18218, computed by the registry).
- ``major_sources``: how many of its hazard sources are major (S ≥ 1).
- ``key_processes``: how many 重点监管危险化工工艺 it runs (the 、/，/, separated list).
- ``hazchem_role``: 2 produces or stores hazardous chemicals, 1 trades or uses them, 0 none.
- ``licensing``: licences expired today plus required licences missing (生产 → 安全生产许可证,
  经营 → 危险化学品经营许可证).
- ``safety_grade``: 0 一级, 1 二级, 2 三级, 3 未达标 or not graded.
- ``insurance``: 0 insured and in force, 1 uninsured, expired or unknown.
- ``training_gap``: of 主要负责人 and 安全管理人员, how many have no training in 3 years.
- the counts of :class:`~yingji.risk.models.RiskFacts` by their field names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from yingji.kernels import codes
from yingji.kernels.arrays import FloatArray
from yingji.registry.models.enterprise import (
    Enterprise,
    HazchemRole,
    InsuranceStatus,
    Licence,
    LicenceKind,
    SafetyGrade,
    TraineeRole,
    TrainingRecord,
)
from yingji.registry.models.hazard import HazardSource
from yingji.risk.models import RiskFacts

FACT_FIELDS: Final = (
    "open_hazards",
    "open_major_hazards",
    "hazards_found_12m",
    "hazards_rectified_12m",
    "hazards_on_time_12m",
    "alarms_30d",
    "alarms_handled_30d",
    "enforcement_cases_36m",
    "quality_failures_12m",
    "accidents_36m",
    "inspected_12m",
    "under_supervision",
)
GRADE_LEVEL: Final[dict[str, int]] = {"四级": 1, "三级": 2, "二级": 3, "一级": 4}
HAZCHEM_LEVEL: Final[dict[str, int]] = {
    HazchemRole.PRODUCE: 2,
    HazchemRole.STORE: 2,
    HazchemRole.TRADE: 1,
    HazchemRole.USE: 1,
    HazchemRole.NONE: 0,
}
SAFETY_LEVEL: Final[dict[str, int]] = {
    SafetyGrade.GRADE1: 0,
    SafetyGrade.GRADE2: 1,
    SafetyGrade.GRADE3: 2,
}
REQUIRED_LICENCE: Final[dict[str, str]] = {
    HazchemRole.PRODUCE: LicenceKind.SAFETY_PRODUCTION,
    HazchemRole.TRADE: LicenceKind.HAZCHEM_TRADE,
}
TRAINING_YEARS: Final = 3
_PROCESS_SPLIT = re.compile(r"[、，,;；\s]+")
IN_CHUNK: Final = 900  # ids per IN (…) list: under SQLite's variable limit


@dataclass(frozen=True)
class Selection:
    """Which enterprises: a jurisdiction subtree ('' = the province) or a few ids."""

    region_path: str = ""
    ids: tuple[int, ...] | None = None

    def enterprises(self) -> QuerySet[Enterprise]:
        qs = Enterprise.objects.filter(voided_at__isnull=True)
        if self.ids is not None:
            return qs.filter(pk__in=self.ids)
        return qs.filter(**self.range("region_path")) if self.region_path else qs

    def related(self, qs: QuerySet[Any], via: str = "enterprise") -> QuerySet[Any]:
        """Rows of a table keyed by enterprise, limited to the selection."""
        if self.ids is not None:
            return qs.filter(**{f"{via}_id__in": self.ids})
        if self.region_path:
            return qs.filter(**self.range(f"{via}__region_path"))
        return qs

    def range(self, field: str) -> dict[str, str]:
        low, high = codes.subtree_bounds(self.region_path)
        return {f"{field}__gte": low, f"{field}__lt": high}


@dataclass(frozen=True)
class Inputs:
    """Raw inputs: one row per enterprise (ids ascending), one column per source key."""

    ids: np.ndarray
    region_paths: list[str]
    columns: dict[str, FloatArray]

    def matrix(self, keys: Sequence[str]) -> FloatArray:
        if not keys:
            return np.empty((self.ids.size, 0))
        return np.column_stack([self.columns[k] for k in keys])


def gather(selection: Selection, today: dt.date | None = None) -> Inputs:
    """Read every source for the selected enterprises: about one query per table."""
    today = today or timezone.localdate()
    if selection.ids is not None and len(selection.ids) > IN_CHUNK:
        raise ValueError(f"select at most {IN_CHUNK} enterprises by id, or a region")
    rows = list(
        selection.enterprises()
        .order_by("pk")
        .values_list(
            "pk",
            "region_path",
            "hazchem_role",
            "key_processes",
            "safety_grade",
            "insurance_status",
            "insurance_expires_on",
        )
    )
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    at = {int(pk): i for i, pk in enumerate(ids)}
    n = len(rows)
    columns: dict[str, FloatArray] = {
        "hazchem_role": np.fromiter((HAZCHEM_LEVEL.get(r[2], 0) for r in rows), np.float64, n),
        "key_processes": np.fromiter((_count_processes(r[3]) for r in rows), np.float64, n),
        "safety_grade": np.fromiter((SAFETY_LEVEL.get(r[4], 3) for r in rows), np.float64, n),
        "insurance": np.fromiter((_uninsured(r[5], r[6], today) for r in rows), np.float64, n),
    }
    roles = [r[2] for r in rows]
    for fill in (_hazard_sources, _licensing, _training, _facts):
        columns.update(fill(selection, at, roles, today))
    for contribute in _CONTRIBUTORS:  # counts other apps hold: added (NaN stays unknown)
        for key, values in contribute(selection, at, roles, today).items():
            columns[key] = columns[key] + values
    return Inputs(ids=ids, region_paths=[r[1] for r in rows], columns=columns)


Contributor = Callable[[Selection, dict[int, int], list[str], dt.date], dict[str, FloatArray]]
_CONTRIBUTORS: list[Contributor] = []


def add_contributor(contributor: Contributor) -> None:
    """Let another app add its live counts to source columns (e.g. open hidden hazards)."""
    if contributor not in _CONTRIBUTORS:
        _CONTRIBUTORS.append(contributor)


def _count_processes(text: str) -> int:
    return len([p for p in _PROCESS_SPLIT.split(text or "") if p])


def _uninsured(status: str, expires: dt.date | None, today: dt.date) -> int:
    return 0 if status == InsuranceStatus.INSURED and expires and expires >= today else 1


def _hazard_sources(
    selection: Selection, at: dict[int, int], roles: list[str], today: dt.date
) -> dict[str, FloatArray]:
    grade = np.zeros(len(at))
    count = np.zeros(len(at))
    qs = selection.related(HazardSource.objects.filter(voided_at__isnull=True, is_major=True))
    for enterprise, level in qs.values_list("enterprise_id", "grade"):
        i = at.get(enterprise)
        if i is not None:
            count[i] += 1
            grade[i] = max(grade[i], GRADE_LEVEL.get(level, 0))
    return {"major_source_grade": grade, "major_sources": count}


def _licensing(
    selection: Selection, at: dict[int, int], roles: list[str], today: dt.date
) -> dict[str, FloatArray]:
    problems = np.zeros(len(at))
    held: dict[int, set[str]] = {}
    live = Licence.objects.filter(voided_at__isnull=True)
    for enterprise, kind, expires in selection.related(live).values_list(
        "enterprise_id", "kind", "expires_on"
    ):
        i = at.get(enterprise)
        if i is None:
            continue
        if expires < today:
            problems[i] += 1
        else:
            held.setdefault(i, set()).add(kind)
    for i, role in enumerate(roles):
        needed = REQUIRED_LICENCE.get(role)
        if needed is not None and needed not in held.get(i, ()):
            problems[i] += 1
    return {"licensing": problems}


def _training(
    selection: Selection, at: dict[int, int], roles: list[str], today: dt.date
) -> dict[str, FloatArray]:
    since = today - dt.timedelta(days=round(365.25 * TRAINING_YEARS))
    key_roles = (TraineeRole.PRINCIPAL, TraineeRole.SAFETY_MANAGER)
    trained = np.zeros((len(at), 2), dtype=bool)
    qs = selection.related(
        TrainingRecord.objects.filter(
            voided_at__isnull=True, role__in=key_roles, trained_on__gte=since
        )
    )
    for enterprise, role in qs.values_list("enterprise_id", "role").distinct():
        i = at.get(enterprise)
        if i is not None:
            trained[i, key_roles.index(role)] = True
    return {"training_gap": 2.0 - trained.sum(axis=1)}


def _facts(
    selection: Selection, at: dict[int, int], roles: list[str], today: dt.date
) -> dict[str, FloatArray]:
    values = np.full((len(at), len(FACT_FIELDS)), np.nan)
    qs = selection.related(RiskFacts.objects.filter(voided_at__isnull=True))
    for row in qs.values_list("enterprise_id", *FACT_FIELDS).iterator(chunk_size=5000):
        i = at.get(row[0])
        if i is not None:
            values[i] = row[1:]
    return {name: values[:, j] for j, name in enumerate(FACT_FIELDS)}


SOURCES: Final = frozenset(
    {"major_source_grade", "major_sources", "key_processes", "hazchem_role", "licensing",
     "safety_grade", "insurance", "training_gap", *FACT_FIELDS}
)  # fmt: skip

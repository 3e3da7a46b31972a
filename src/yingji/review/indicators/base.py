"""The shape of a plan target (指标) and the set-based helpers every computed one shares.

An indicator is a small declarative record; computed ones carry a function
``(scope_path, as_of) -> Result`` that answers for the scope region *and* each of its child
regions in a fixed number of queries (a ``GROUP BY`` on the first characters of the region
path), whatever the number of children: a province cockpit over 90 counties costs what a
county's does. Status is derived from the target's comparator, never stored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from yingji.kernels import codes
from yingji.regions.models import Level, Region

Comparator = Literal[">=", "<=", "<", ">"]
Status = Literal["met", "not_met", "no_data", "manual_pending"]
STATUSES: Final[tuple[Status, ...]] = ("not_met", "no_data", "manual_pending", "met")
CHILD_LENGTH: Final = {2: 4, 4: 6, 6: 9, 9: 12}
LEVEL_OF_LENGTH: Final = {2: Level.PROVINCE, 4: Level.CITY, 6: Level.COUNTY, 9: Level.TOWNSHIP,
                          12: Level.VILLAGE}  # fmt: skip
UNITS: Final = {"%": (0.0, 100.0), "‰": (0.0, 1000.0), "min": (-1440.0, 1440.0),
                "h": (0.0, 720.0), "rate": (0.0, 100.0)}  # fmt: skip
"""The units values are given in, with the range a manual entry must fall in."""


@dataclass(frozen=True)
class Target:
    value: float
    comparator: Comparator
    unit: str  # a key of UNITS

    def met(self, value: float) -> bool:
        ops: dict[str, Callable[[float, float], bool]] = {
            ">=": lambda a, b: a >= b - 1e-9, "<=": lambda a, b: a <= b + 1e-9,
            "<": lambda a, b: a < b, ">": lambda a, b: a > b,
        }  # fmt: skip
        return ops[self.comparator](value, self.value)

    def gap(self, value: float) -> float:
        """How far short of the target (positive: short; ≤ 0: met), for worst-first sorting."""
        if self.comparator in (">=", ">"):
            return self.value - value
        return value - self.value

    @property
    def text(self) -> str:
        sign = {">=": "≥", "<=": "≤", "<": "<", ">": ">"}[self.comparator]
        unit = {"min": " 分钟", "h": " 小时", "rate": ""}.get(self.unit, f" {self.unit}")
        return f"{sign} {self.value:g}{unit}"


@dataclass(frozen=True)
class Row:
    """One region's figure: the scope's children in a drill-down (``own``: rows registered at
    the scope region itself, not under any child, so the children plus it sum to the total)."""

    path: str
    name: str
    value: float | None
    num: float | None
    den: float | None
    own: bool = False


@dataclass(frozen=True)
class Result:
    value: float | None
    num: float | None
    den: float | None
    by_region: list[Row] = field(default_factory=list)
    note: str = ""


Compute = Callable[[str, dt.date], Result]


@dataclass(frozen=True)
class Indicator:
    id: str
    area: str  # key of AREAS
    name_zh: str
    name_en: str
    section: str  # where in the plan
    quote: str  # the plan's wording
    target: Target
    formula: str
    source: str
    owner: str  # the responsible office
    kind: Literal["computed", "manual"] = "computed"
    compute: Compute | None = None
    units_link: Callable[[str], str] | None = None  # the units that fall short, for a region
    units_label: str = ""

    def status(self, value: float | None) -> Status:
        return status_of(self, value)


def status_of(indicator: Indicator, value: float | None) -> Status:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "manual_pending" if indicator.kind == "manual" else "no_data"
    return "met" if indicator.target.met(value) else "not_met"


# ---------------------------------------------------------------- set-based helpers


def child_length(scope: str) -> int | None:
    return CHILD_LENGTH.get(len(scope))


def bounds(scope: str) -> tuple[str, str]:
    return codes.subtree_bounds(scope)


def within(queryset: QuerySet[Any], path_field: str, scope: str) -> QuerySet[Any]:
    low, high = bounds(scope)
    return queryset.filter(**{f"{path_field}__gte": low, f"{path_field}__lt": high})


def grouped(
    queryset: QuerySet[Any], path_field: str, scope: str, **aggregates: Any
) -> dict[str, dict[str, Any]]:
    """``aggregates`` per child of ``scope`` in one ``GROUP BY`` query, keyed by the child's
    path (the scope's own path for rows registered at the scope itself)."""
    size = child_length(scope) or len(scope)
    rows = (
        within(queryset, path_field, scope)
        .annotate(_child=Substr(path_field, 1, size))
        .values("_child")
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop("_child"): row for row in rows}


def children(scope: str) -> dict[str, str]:
    """Path → name of the scope's child regions (one query)."""
    size = child_length(scope)
    if size is None:
        return {}
    low, high = bounds(scope)
    rows = Region.objects.filter(path__gte=low, path__lt=high, level=LEVEL_OF_LENGTH[size])
    return dict(rows.order_by("path").values_list("path", "name"))


def ratio(num: float | None, den: float | None, scale: float = 100.0) -> float | None:
    if num is None or not den:
        return None
    return round(num / den * scale, 6)


def ratio_result(
    scope: str,
    counts: Mapping[str, tuple[float, float]],
    *,
    scale: float = 100.0,
    names: Mapping[str, str] | None = None,
    note: str = "",
) -> Result:
    """A rate over the scope and its children from per-child (numerator, denominator)."""
    names = children(scope) if names is None else names
    num = sum(n for n, _ in counts.values())
    den = sum(d for _, d in counts.values())
    rows = [
        Row(path, name, ratio(*counts.get(path, (0, 0)), scale=scale),
            *counts.get(path, (0, 0)))
        for path, name in names.items()
    ]  # fmt: skip
    if scope in counts and child_length(scope):
        n, d = counts[scope]
        rows.append(Row(scope, "", ratio(n, d, scale), n, d, own=True))
    return Result(ratio(num, den, scale), num, den, rows, note)


def pairs(
    table: Mapping[str, Mapping[str, Any]], num: str, den: str
) -> dict[str, tuple[float, float]]:
    return {key: (float(row[num] or 0), float(row[den] or 0)) for key, row in table.items()}


def since(as_of: dt.date, days: int = 365) -> dt.datetime:
    """The start of the trailing window ending at ``as_of`` (local midnight, aware)."""
    start = as_of - dt.timedelta(days=days - 1)
    return timezone.make_aware(dt.datetime.combine(start, dt.time.min))


def until(as_of: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))


def population(scope: str, names: Iterable[str]) -> dict[str, float]:
    """Region.population of the scope and the given regions (one query)."""
    rows = Region.objects.filter(path__in=[scope, *names]).values_list("path", "population")
    return {path: float(pop or 0) for path, pop in rows}

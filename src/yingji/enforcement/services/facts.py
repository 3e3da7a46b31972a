"""The facts the credit and safety-code kernels need, gathered for many enterprises at once.

:func:`gather` reads hidden hazards (open by grade, 挂牌督办, overdue, closed on time or late),
penalty decisions, accidents, the current risk colour, completed inspections, licences,
liability insurance and approved 信用修复 — each with one set-based query over the whole
batch of enterprise ids (``values()`` / ``annotate()``), never a query per enterprise, so a
sweep of a province's twenty thousand enterprises costs a dozen queries per batch.

What counts as what (design choices, documented here once):

- a penalty counts from its decision (``decided_on``) once decided or closed; it is
  *rectified* (整改到位) when the fine is paid, none was imposed, or the case is closed; a case
  whose discretion rule is about refusing or obstructing inspection (拒绝、阻碍监督检查) is
  also a *refusal* record;
- an accident counts from its date unless voided; it is *rectified* when its investigation is
  closed with every rectification measure done;
- a hazard is *closed on time* when its acceptance (验收, else 销号) fell on or before its
  deadline, within the last ``inspection_months`` months;
- an approved 信用修复 repairs every dated record before the approval day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.db.models import Count, F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from yingji.enforcement.models import (
    CaseState,
    Circumstance,
    CreditRepair,
    InspectionTask,
    Outcome,
    Payment,
    PenaltyCase,
    RepairState,
    TaskState,
)
from yingji.hazards.models import OPEN_STATES, Grade, HiddenHazard, State, Supervision
from yingji.kernels.credit import Params, add_months
from yingji.registry.models.enterprise import Enterprise, Licence
from yingji.risk.models import Colour, CurrentRisk

CIRCUMSTANCE_NAMES: Final[dict[str, str]] = {
    Circumstance.SLIGHT: "轻微",
    Circumstance.GENERAL: "一般",
    Circumstance.SERIOUS: "严重",
}
RISK_COLOURS: Final[dict[int, str]] = {Colour.RED: "red", Colour.ORANGE: "orange",
                                       Colour.YELLOW: "yellow", Colour.BLUE: "blue"}  # fmt: skip
REFUSAL_WORDS: Final = ("拒绝", "阻碍", "阻挠")
ACCIDENT_GRADES: Final = ("一般", "较大", "重大", "特别重大")
MAX_DEATHS: Final = (2, 9, 29)  # Decree 493: most deaths of 一般, 较大, 重大


@dataclass(frozen=True)
class SupervisedHazard:
    code: str
    title: str
    level: str  # 省级 / 市级 / 县级
    office: str
    deadline: dt.date


@dataclass
class HazardFacts:
    open_general: int = 0
    open_major: int = 0
    overdue: int = 0  # open, past the rectification deadline
    overdue_major: int = 0
    supervised: list[SupervisedHazard] = field(default_factory=list)
    closed_on_time: int = 0
    closed_late: int = 0


@dataclass(frozen=True)
class PenaltyFact:
    code: str
    decided_on: dt.date
    amount_yuan: Decimal
    circumstance: str  # 轻微 / 一般 / 严重
    rectified: bool
    refusal: bool
    repaired: bool


@dataclass(frozen=True)
class AccidentFact:
    code: str
    occurred_on: dt.date
    grade: str  # 一般 / 较大 / 重大 / 特别重大
    deaths: int
    rectified: bool
    repaired: bool


@dataclass(frozen=True)
class LicenceFact:
    kind: str  # registry LicenceKind value
    label: str
    number: str
    expires_on: dt.date


@dataclass
class EnterpriseFacts:
    enterprise_id: int
    name: str
    region_path: str
    today: dt.date
    hazards: HazardFacts = field(default_factory=HazardFacts)
    penalties: list[PenaltyFact] = field(default_factory=list)
    accidents: list[AccidentFact] = field(default_factory=list)
    risk_colour: str | None = None  # red / orange / yellow / blue
    inspections: list[tuple[dt.date, bool]] = field(default_factory=list)  # (on, passed)
    licences: list[LicenceFact] = field(default_factory=list)  # the latest of each type
    insurance_status: str = ""  # registry InsuranceStatus value, "" when unknown
    insurance_expires_on: dt.date | None = None
    repaired_before: dt.date | None = None  # the latest approved 信用修复 (local date)

    def licence(self, kind: str) -> LicenceFact | None:
        return next((x for x in self.licences if x.kind == kind), None)

    @property
    def expired_licences(self) -> list[LicenceFact]:
        return [x for x in self.licences if x.expires_on < self.today]


def _local(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value is not None else None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def gather(
    enterprise_ids: Iterable[int], today: dt.date | None = None, params: Params | None = None
) -> dict[int, EnterpriseFacts]:
    """The facts of each live or voided enterprise among ``enterprise_ids`` (unknown ids are
    left out), in a fixed number of queries whatever the number of ids."""
    today = today or timezone.localdate()
    p = params or Params()
    ids = sorted({int(i) for i in enterprise_ids})
    if not ids:
        return {}
    out = {
        row["pk"]: EnterpriseFacts(
            enterprise_id=row["pk"],
            name=row["name"],
            region_path=row["region_path"],
            today=today,
            insurance_status=row["insurance_status"],
            insurance_expires_on=row["insurance_expires_on"],
        )
        for row in Enterprise.objects.filter(pk__in=ids).values(
            "pk", "name", "region_path", "insurance_status", "insurance_expires_on"
        )
    }
    ids = list(out)
    if not ids:
        return {}
    repaired = _repairs(ids)
    for pk, day in repaired.items():
        out[pk].repaired_before = day
    _open_hazards(ids, today, out)
    _supervised(ids, out)
    _closed_hazards(ids, today, p, out)
    since = add_months(today, -max(p.serious_months, p.general_months))
    for pk, penalty in _penalties(ids, since, today, repaired):
        out[pk].penalties.append(penalty)
    for pk, accident in accidents(ids, since, today, repaired):
        out[pk].accidents.append(accident)
    for pk, colour in CurrentRisk.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "colour"
    ):
        out[pk].risk_colour = RISK_COLOURS.get(colour)
    _inspections(ids, add_months(today, -p.inspection_months), today, out)
    _licences(ids, out)
    return out


def _repairs(ids: list[int]) -> dict[int, dt.date]:
    rows = (
        CreditRepair.objects.filter(enterprise_id__in=ids, state=RepairState.APPROVED)
        .order_by()
        .values("enterprise_id")
        .annotate(last=Max("decided_at"))
    )
    return {r["enterprise_id"]: d for r in rows if (d := _local(r["last"])) is not None}


def _open_hazards(ids: list[int], today: dt.date, out: dict[int, EnterpriseFacts]) -> None:
    major, late = Q(grade=Grade.MAJOR), Q(deadline__lt=today)
    rows = (
        HiddenHazard.objects.filter(enterprise_id__in=ids, state__in=OPEN_STATES)
        .order_by()
        .values("enterprise_id")
        .annotate(
            general=Count("pk", filter=~major),
            major=Count("pk", filter=major),
            overdue=Count("pk", filter=late),
            overdue_major=Count("pk", filter=late & major),
        )
    )
    for r in rows:
        h = out[r["enterprise_id"]].hazards
        h.open_general, h.open_major = r["general"], r["major"]
        h.overdue, h.overdue_major = r["overdue"], r["overdue_major"]


def _supervised(ids: list[int], out: dict[int, EnterpriseFacts]) -> None:
    """Open major hazards under 挂牌督办 not yet lifted, oldest listing first."""
    rows = (
        Supervision.objects.filter(
            lifted_at__isnull=True,
            hazard__enterprise_id__in=ids,
            hazard__state__in=OPEN_STATES,
            hazard__grade=Grade.MAJOR,
        )
        .order_by("started_at", "pk")
        .values(
            "hazard__enterprise_id", "hazard__code", "hazard__title", "level", "office", "deadline"
        )
    )
    labels = dict(Supervision._meta.get_field("level").choices or [])
    for r in rows:
        out[r["hazard__enterprise_id"]].hazards.supervised.append(
            SupervisedHazard(r["hazard__code"], r["hazard__title"],
                             str(labels.get(r["level"], r["level"])), r["office"], r["deadline"])
        )  # fmt: skip


def _closed_hazards(
    ids: list[int], today: dt.date, p: Params, out: dict[int, EnterpriseFacts]
) -> None:
    """Hazards accepted (验收) in the window: on time when accepted by the deadline."""
    start = _start_of(add_months(today, -p.inspection_months))
    rows = (
        HiddenHazard.objects.filter(enterprise_id__in=ids, state__in=(State.ACCEPTED, State.CLOSED))
        .order_by()
        .values("pk", "enterprise_id", "deadline")
        .annotate(
            done=Coalesce(Max("events__at", filter=Q(events__action="accept")), F("closed_at"))
        )
        .filter(done__gte=start)
    )
    for r in rows:
        h = out[r["enterprise_id"]].hazards
        done = _local(r["done"])
        if r["deadline"] is None or (done is not None and done <= r["deadline"]):
            h.closed_on_time += 1
        else:
            h.closed_late += 1


def _penalties(
    ids: list[int], since: dt.date, today: dt.date, repaired: dict[int, dt.date]
) -> list[tuple[int, PenaltyFact]]:
    rows = (
        PenaltyCase.objects.filter(
            enterprise_id__in=ids,
            state__in=(CaseState.DECIDED, CaseState.CLOSED),
            decided_on__isnull=False,
            decided_on__gte=since,
            decided_on__lte=today,  # a mistyped future date must not count, nor fail the batch
        )
        .order_by("decided_on", "pk")
        .values(
            "enterprise_id",
            "code",
            "decided_on",
            "amount_yuan",
            "payment",
            "state",
            "rule__circumstance",
            "rule__violation",
        )
    )
    found = []
    for r in rows:
        amount = r["amount_yuan"] or Decimal(0)
        cut, day = repaired.get(r["enterprise_id"]), r["decided_on"]
        if day is None:  # excluded by the query; narrows the type
            continue
        found.append((r["enterprise_id"], PenaltyFact(
            code=r["code"], decided_on=day, amount_yuan=amount,
            circumstance=CIRCUMSTANCE_NAMES.get(r["rule__circumstance"], "一般"),
            rectified=r["payment"] == Payment.PAID or not amount or r["state"] == CaseState.CLOSED,
            refusal=any(word in (r["rule__violation"] or "") for word in REFUSAL_WORDS),
            repaired=cut is not None and day < cut,
        )))  # fmt: skip
    return found


def accidents(
    ids: list[int], since: dt.date, today: dt.date, repaired: dict[int, dt.date]
) -> list[tuple[int, AccidentFact]]:
    """The enterprises' accidents since ``since`` (the accidents app, read set-based).

    The app's own ``selectors.for_enterprise`` reads one enterprise at a time; a sweep over
    thousands reads its table once instead. Without the app, no accident counts.
    """
    try:
        from yingji.accidents.models import Accident, MeasureState  # noqa: PLC0415
        from yingji.accidents.models import State as InvestigationState  # noqa: PLC0415
    except ImportError:  # pragma: no cover - the accidents app is part of the project
        return []
    rows = (
        Accident.objects.filter(
            enterprise_id__in=ids,
            voided_at__isnull=True,
            occurred_at__gte=_start_of(since),
            occurred_at__lt=_start_of(today + dt.timedelta(days=1)),
        )
        .order_by("occurred_at", "pk")
        .values(
            "pk", "enterprise_id", "code", "occurred_at", "grade", "dead", "investigation__state"
        )
        .annotate(
            open_measures=Count(
                "investigation__measures",
                filter=~Q(investigation__measures__state=MeasureState.DONE),
            )
        )
    )
    found = []
    for r in rows:
        day = _local(r["occurred_at"]) or since
        level = max(0, min(int(r["grade"]), len(ACCIDENT_GRADES) - 1))
        deaths = int(r["dead"])
        while level < len(MAX_DEATHS) and deaths > MAX_DEATHS[level]:
            level += 1  # a grade below the deaths' is a data slip: the deaths decide
        cut = repaired.get(r["enterprise_id"])
        closed = r["investigation__state"] == InvestigationState.CLOSED
        found.append((r["enterprise_id"], AccidentFact(
            code=r["code"], occurred_on=day, grade=ACCIDENT_GRADES[level], deaths=deaths,
            rectified=closed and not r["open_measures"], repaired=cut is not None and day < cut,
        )))  # fmt: skip
    return found


def _inspections(
    ids: list[int], since: dt.date, today: dt.date, out: dict[int, EnterpriseFacts]
) -> None:
    rows = (
        InspectionTask.objects.filter(
            enterprise_id__in=ids, state=TaskState.COMPLETED, completed_at__gte=_start_of(since)
        )
        .exclude(outcome="")
        .order_by("completed_at", "pk")
        .values_list("enterprise_id", "completed_at", "outcome")
    )
    for pk, at, outcome in rows:
        day = _local(at)
        if day is not None and day <= today:
            out[pk].inspections.append((day, outcome == Outcome.NO_ISSUES))


def _licences(ids: list[int], out: dict[int, EnterpriseFacts]) -> None:
    """The latest live licence of each type (a renewed licence replaces the expired one)."""
    latest: dict[tuple[int, str], tuple[str, dt.date]] = {}
    rows = (
        Licence.objects.filter(enterprise_id__in=ids, voided_at__isnull=True)
        .order_by("enterprise_id", "kind", "expires_on", "pk")
        .values_list("enterprise_id", "kind", "number", "expires_on")
    )
    for pk, kind, number, expires_on in rows:
        latest[(pk, kind)] = (number, expires_on)  # ordered: the last one is the latest
    labels: dict[str, Any] = dict(Licence._meta.get_field("kind").choices or [])
    for (pk, kind), (number, expires_on) in sorted(latest.items()):
        out[pk].licences.append(LicenceFact(kind, str(labels.get(kind, kind)), number, expires_on))

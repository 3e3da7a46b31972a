"""Enterprise work-safety credit rating (安全生产信用评价): a transparent points model.

**Design assumption.** There is no single national scoring formula; provinces publish their
own. This is the platform's model, every number a field of :class:`Params` so a province can
set its own. It follows the shape of the national rules as we read them (to be checked against
the official texts before they are relied on):

- 应急管理部《安全生产严重失信主体名单管理办法》(应急管理部令第11号, 2023) lists as 严重失信
  e.g. enterprises with a 重大 or 特别重大 accident, with a 较大 one (here: when it has deaths),
  or refusing or obstructing supervision and inspection (拒绝、阻碍监督检查): here rating **D**.
- 信用修复 (国家发展改革委《失信行为纠正后的信用信息修复管理办法（试行）》, 2023): a record is
  published for a period, after which it stops counting; an enterprise that has corrected the
  behaviour (整改, fine paid) may apply for early repair after a minimum period. Assumed here:
  general items count **1 year** and may be repaired after **3 months**; serious items (严重
  penalties, 较大+ accidents, refusals) count **3 years** and may be repaired after **1 year**.

**Model.** Score = ``base`` (90) + the points of every item that still counts, clamped to 0–100:

| item | points | counts |
|---|---|---|
| penalty 轻微 / 一般 / 严重; fine ≥ 50,000 yuan extra | −2 / −5 / −15; −3 | 1 y / 1 y / 3 y |
| accident 一般, 一般 fatal, 较大, 重大, 特别重大 | −5, −10, −30, −50, −60 | 1 y; 较大+ 3 y |
| refusing or obstructing inspection | −20 | 3 y |
| hazards closed overdue; open major hazards | −2 each (≤ −10); −10 each (≤ −20) | now |
| all hazards closed on time (≥ 1) | +3 | now |
| risk colour red / orange / yellow / blue | −10 / −5 / −2 / +2 | now |
| inspections without / with issues | +1 / −1 each (≤ ±5) | 1 y |

Rating by score: **A** 守信 ≥ 90, **B** 基本守信 ≥ 75, **C** 失信 ≥ 60, **D** 严重失信 below —
then capped: a 严重失信 fact (重大+ accident, 较大 accident with deaths, refusal) makes it D; a
严重 penalty or a 较大 accident without deaths makes it at best C; an open major hazard at best
B. An item dated on day d counts while today < d + period (months added calendar-wise). Counts
given for "now" are the caller's current facts. An enterprise with nothing recorded scores 90: A.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from yingji.kernels.accidents import GRADES

__all__ = [
    "CIRCUMSTANCES", "COLOURS", "RATINGS", "Accident", "Hazards", "Inspection", "Item", "Params",
    "Penalty", "Record", "Refusal", "Repair", "Result", "add_months", "rate",
]  # fmt: skip

RATINGS: Final = {"A": "守信", "B": "基本守信", "C": "失信", "D": "严重失信"}
CIRCUMSTANCES: Final = ("轻微", "一般", "严重")
COLOURS: Final = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
_MAX_DEATHS: Final = (2, 9, 29)  # 国务院令第493号 Art. 3: most deaths of 一般, 较大, 重大
_MAX_ITEMS: Final = 10_000
_PENALTY_KEYS: Final = {"轻微": "minor", "一般": "general", "严重": "serious"}
_ACCIDENT_KEYS: Final = ("general", "larger", "major", "especially_major")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1,
                       day=min(day.day, calendar.monthrange(year, month + 1)[1]))  # fmt: skip


def _date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"{what} must be a date (not a datetime), got {type(value).__name__}")
    return value


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a whole number ≥ 0, got {value!r}")
    return value


def _flag(value: object, what: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False")


@dataclass(frozen=True)
class Penalty:
    """An administrative penalty decision. ``rectified``: the violation is corrected and the
    fine paid; ``repaired``: 信用修复 was granted, so the record no longer counts."""

    decided_on: dt.date
    amount_yuan: Decimal | int | float
    circumstance: str  # 轻微 / 一般 / 严重
    repaired: bool = False
    rectified: bool = False

    def __post_init__(self) -> None:
        _date(self.decided_on, "penalty decided_on")
        amount = self.amount_yuan
        if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
            raise ValueError("penalty amount_yuan must be a number")
        if not math.isfinite(float(amount)) or amount < 0:
            raise ValueError(f"penalty amount_yuan must be finite and ≥ 0, got {amount}")
        if self.circumstance not in CIRCUMSTANCES:
            raise ValueError(f"penalty circumstance must be one of {CIRCUMSTANCES}")
        _flag(self.repaired, "penalty repaired")
        _flag(self.rectified, "penalty rectified")


@dataclass(frozen=True)
class Accident:
    """A work-safety accident of the enterprise, graded by 国务院令第493号."""

    occurred_on: dt.date
    grade: str  # 一般 / 较大 / 重大 / 特别重大
    deaths: int = 0
    repaired: bool = False
    rectified: bool = False  # the investigation report's measures are done

    def __post_init__(self) -> None:
        _date(self.occurred_on, "accident occurred_on")
        if self.grade not in GRADES:
            raise ValueError(f"accident grade must be one of {GRADES}")
        _count(self.deaths, "accident deaths")
        level = GRADES.index(self.grade)
        if level < len(_MAX_DEATHS) and self.deaths > _MAX_DEATHS[level]:
            raise ValueError(
                f"an accident with {self.deaths} deaths is not {self.grade} (at most "
                f"{_MAX_DEATHS[level]} deaths)"
            )
        _flag(self.repaired, "accident repaired")
        _flag(self.rectified, "accident rectified")


@dataclass(frozen=True)
class Refusal:
    """Refusing or obstructing supervision and inspection (拒绝、阻碍监督检查)."""

    on: dt.date
    repaired: bool = False
    rectified: bool = False

    def __post_init__(self) -> None:
        _date(self.on, "refusal on")
        _flag(self.repaired, "refusal repaired")
        _flag(self.rectified, "refusal rectified")


@dataclass(frozen=True)
class Hazards:
    """Hidden-hazard behaviour now (the caller counts over its own window, normally 12 months)."""

    closed_on_time: int = 0
    closed_overdue: int = 0
    open_major: int = 0

    def __post_init__(self) -> None:
        for name in ("closed_on_time", "closed_overdue", "open_major"):
            _count(getattr(self, name), f"hazards {name}")


@dataclass(frozen=True)
class Inspection:
    on: dt.date
    passed: bool  # True: no issues found

    def __post_init__(self) -> None:
        _date(self.on, "inspection on")
        _flag(self.passed, "inspection passed")


@dataclass(frozen=True)
class Record:
    """Everything known about one enterprise on ``today`` (lists are stored as tuples)."""

    today: dt.date
    penalties: tuple[Penalty, ...] = ()
    accidents: tuple[Accident, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    hazards: Hazards = field(default_factory=Hazards)
    risk_colour: str | None = None  # red / orange / yellow / blue, None when not assessed
    inspections: tuple[Inspection, ...] = ()

    def __post_init__(self) -> None:
        _date(self.today, "today")
        kinds = {"penalties": Penalty, "accidents": Accident, "refusals": Refusal,
                 "inspections": Inspection}  # fmt: skip
        for name, kind in kinds.items():
            items = tuple(getattr(self, name))
            if len(items) > _MAX_ITEMS:
                raise ValueError(f"{name}: at most {_MAX_ITEMS} entries")
            if not all(isinstance(i, kind) for i in items):
                raise ValueError(f"{name} must hold {kind.__name__} entries")
            object.__setattr__(self, name, items)
        if not isinstance(self.hazards, Hazards):
            raise ValueError("hazards must be a Hazards entry")
        if self.risk_colour is not None and self.risk_colour not in COLOURS:
            raise ValueError(f"risk_colour must be one of {list(COLOURS)} or None")


@dataclass(frozen=True)
class Params:
    """Every number of the model (see the module docstring); all are design assumptions."""

    base: int = 90
    thresholds: tuple[int, int, int] = (90, 75, 60)  # lowest score of A, B, C
    general_months: int = 12  # a general item counts this long, then lapses
    serious_months: int = 36
    general_repair_months: int = 3  # 信用修复 may be applied for this long after the item
    serious_repair_months: int = 12
    penalty_points: tuple[int, int, int] = (-2, -5, -15)  # 轻微, 一般, 严重
    large_fine_yuan: int = 50_000
    large_fine_points: int = -3
    accident_points: tuple[int, int, int, int] = (-5, -30, -50, -60)  # 一般 … 特别重大
    fatal_general_points: int = -10
    refusal_points: int = -20
    overdue_points: int = -2
    overdue_cap: int = -10
    open_major_points: int = -10
    open_major_cap: int = -20
    on_time_points: int = 3
    risk_points: tuple[int, int, int, int] = (-10, -5, -2, 2)  # red, orange, yellow, blue
    inspection_months: int = 12
    inspection_points: int = 1  # + per inspection without issues, − per one with issues
    inspection_cap: int = 5

    def __post_init__(self) -> None:
        a, b, c = self.thresholds
        if not 0 <= self.base <= 100:
            raise ValueError("base must be a score in 0–100")
        if not 100 >= a > b > c > 0:
            raise ValueError("thresholds must fall strictly: 100 ≥ A > B > C > 0")
        months = (self.general_months, self.serious_months, self.general_repair_months,
                  self.serious_repair_months, self.inspection_months)  # fmt: skip
        if any(isinstance(m, bool) or not isinstance(m, int) or not 0 < m <= 120 for m in months):
            raise ValueError("periods must be whole months in 1–120")
        if self.general_repair_months > self.general_months:
            raise ValueError("general_repair_months must not exceed general_months")
        if self.serious_repair_months > self.serious_months:
            raise ValueError("serious_repair_months must not exceed serious_months")


@dataclass(frozen=True)
class Item:
    """One deduction (points < 0) or bonus (points > 0), with its reason."""

    key: str  # English-neutral, e.g. "penalty.serious"
    points: int
    reason: str  # Chinese, for the enterprise and the public page
    on: dt.date | None = None  # the event's date; None for a current fact
    counts_until: dt.date | None = None  # first day it no longer counts (repaired automatically)
    serious: bool = False
    cap: str | None = None  # the best rating this item allows, if it limits it


@dataclass(frozen=True)
class Repair:
    """Whether the enterprise may apply for 信用修复 today, and what stands in the way."""

    eligible: bool
    possible_from: dt.date | None = None  # when every item's minimum period has passed
    blocking: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    score: int  # 0–100
    rating: str  # A / B / C / D
    label: str  # 守信 / 基本守信 / 失信 / 严重失信
    items: tuple[Item, ...]  # what counts now, most severe first
    lapsed: tuple[Item, ...]  # dated items that no longer count (period over or repaired)
    capped_by: tuple[str, ...]  # keys of the items that lowered the rating below the score's
    repair: Repair


@dataclass(frozen=True)
class _Entry:
    """A dated record with its items, as far as repair is concerned."""

    items: tuple[Item, ...]
    on: dt.date
    until: dt.date
    serious: bool
    repaired: bool
    rectified: bool
    label: str


def rate(record: Record, params: Params | None = None) -> Result:
    """Score, rating, reasons and repair status of one enterprise (see the module docstring)."""
    p = params or Params()
    today = record.today
    entries = [_penalty(x, p) for x in record.penalties]
    entries += [_accident(x, p) for x in record.accidents]
    entries += [_refusal(x, p) for x in record.refusals]
    future = [e.on for e in entries] + [i.on for i in record.inspections]
    if any(day > today for day in future):
        raise ValueError(f"a record is dated after today ({today.isoformat()})")
    counting: list[_Entry] = []
    lapsed: list[Item] = []
    for entry in entries:
        if not entry.repaired and today < entry.until:
            counting.append(entry)
        else:
            lapsed.extend(entry.items)
    items = [i for e in counting for i in e.items] + _current(record, p)
    items = [i for i in items if i.points != 0]
    items.sort(key=lambda i: (i.points >= 0, -abs(i.points), i.on or dt.date.min, i.key, i.reason))
    lapsed.sort(key=lambda i: (i.on or dt.date.min, i.key, i.reason))
    score = max(0, min(100, p.base + sum(i.points for i in items)))
    a, b, c = p.thresholds
    by_score = "A" if score >= a else "B" if score >= b else "C" if score >= c else "D"
    capped_by = tuple(dict.fromkeys(i.key for i in items if i.cap and i.cap > by_score))
    rating = max([by_score, *(i.cap for i in items if i.cap)])
    return Result(score, rating, RATINGS[rating], tuple(items), tuple(lapsed), capped_by,
                  _repair(counting, today, p))  # fmt: skip


def _yuan(amount: Decimal | int | float) -> str:
    value = Decimal(str(amount))
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _penalty(x: Penalty, p: Params) -> _Entry:
    serious = x.circumstance == "严重"
    until = add_months(x.decided_on, p.serious_months if serious else p.general_months)
    day, yuan = x.decided_on.isoformat(), _yuan(x.amount_yuan)
    items = [
        Item(f"penalty.{_PENALTY_KEYS[x.circumstance]}",
             p.penalty_points[CIRCUMSTANCES.index(x.circumstance)],
             f"{day} 受到安全生产行政处罚（情节{x.circumstance}，罚款{yuan}元）",
             x.decided_on, until, serious, "C" if serious else None),
    ]  # fmt: skip
    if x.amount_yuan >= p.large_fine_yuan:
        reason = f"{day} 罚款数额较大（{yuan}元，不低于{_yuan(p.large_fine_yuan)}元）"
        items.append(Item("penalty.large_fine", p.large_fine_points, reason, x.decided_on,
                          until, serious))  # fmt: skip
    return _Entry(tuple(items), x.decided_on, until, serious, x.repaired, x.rectified, "行政处罚")


def _accident(x: Accident, p: Params) -> _Entry:
    level = GRADES.index(x.grade)
    serious = level >= 1
    until = add_months(x.occurred_on, p.serious_months if serious else p.general_months)
    if level == 0 and x.deaths:
        key, points = "accident.general_fatal", p.fatal_general_points
    else:
        key, points = f"accident.{_ACCIDENT_KEYS[level]}", p.accident_points[level]
    cap = None if level == 0 else "D" if level >= 2 or x.deaths else "C"
    died = f"，死亡{x.deaths}人" if x.deaths else ""
    reason = f"{x.occurred_on.isoformat()} 发生{x.grade}生产安全事故{died}"
    item = Item(key, points, reason, x.occurred_on, until, serious, cap)
    return _Entry((item,), x.occurred_on, until, serious, x.repaired, x.rectified, "生产安全事故")


def _refusal(x: Refusal, p: Params) -> _Entry:
    reason, until = (
        f"{x.on.isoformat()} 拒绝、阻碍安全生产监督检查",
        add_months(x.on, p.serious_months),
    )
    item = Item("refusal", p.refusal_points, reason, x.on, until, True, "D")
    return _Entry((item,), x.on, until, True, x.repaired, x.rectified, "拒绝、阻碍监督检查")


def _current(record: Record, p: Params) -> list[Item]:
    """Items from facts that hold now: hazards, risk colour, recent inspections."""
    h, out = record.hazards, []
    if h.closed_overdue:
        points = max(p.overdue_cap, p.overdue_points * h.closed_overdue)
        out.append(Item("hazard.overdue", points, f"{h.closed_overdue}项事故隐患逾期整改"))
    if h.open_major:
        points = max(p.open_major_cap, p.open_major_points * h.open_major)
        reason = f"{h.open_major}项重大事故隐患尚未整改销号"
        out.append(Item("hazard.open_major", points, reason, cap="B"))
    if h.closed_on_time and not h.closed_overdue:
        reason = f"{h.closed_on_time}项事故隐患全部按期整改"
        out.append(Item("hazard.on_time", p.on_time_points, reason))
    if record.risk_colour is not None:
        points = p.risk_points[list(COLOURS).index(record.risk_colour)]
        reason = f"安全风险等级为{COLOURS[record.risk_colour]}"
        out.append(Item(f"risk.{record.risk_colour}", points, reason))
    recent = [i for i in record.inspections
              if record.today < add_months(i.on, p.inspection_months)]  # fmt: skip
    passed = sum(1 for i in recent if i.passed)
    failed = len(recent) - passed
    window = f"近{p.inspection_months}个月"
    if passed:
        points = min(p.inspection_cap, p.inspection_points * passed)
        out.append(Item("inspection.passed", points, f"{window}{passed}次监督检查未发现问题"))
    if failed:
        points = -min(p.inspection_cap, p.inspection_points * failed)
        out.append(Item("inspection.issues", points, f"{window}{failed}次监督检查发现问题"))
    return out


def _repair(counting: list[_Entry], today: dt.date, p: Params) -> Repair:
    """Eligible when every record that still counts is rectified and its minimum period over."""
    if not counting:
        return Repair(False, None, ("没有需要修复的失信记录",))
    possible = max(
        add_months(e.on, p.serious_repair_months if e.serious else p.general_repair_months)
        for e in counting
    )
    blocking = [
        f"{e.on.isoformat()} {e.label}：整改措施尚未完成"
        for e in sorted(counting, key=lambda e: (e.on, e.label))
        if not e.rectified
    ]
    if today < possible:
        blocking.append(
            f"{possible.isoformat()}起方可申请（一般记录满{p.general_repair_months}个月、"
            f"严重记录满{p.serious_repair_months}个月）"
        )
    return Repair(not blocking, possible, tuple(blocking))

"""Work-safety accident grades and reporting time limits (国务院令第493号, STANDARDS.md §3).

**Grade (Art. 3).** Each of three criteria gives a grade and the accident takes the most
severe ("或者"). "以上" includes the boundary, "以下" excludes it:

| grade | deaths | 重伤 (incl. 急性工业中毒) | 直接经济损失 (yuan) |
|---|---|---|---|
| 特别重大 | ≥ 30 | ≥ 100 | ≥ 100,000,000 |
| 重大 | 10–29 | 50–99 | 50,000,000 – < 100,000,000 |
| 较大 | 3–9 | 10–49 | 10,000,000 – < 50,000,000 |
| 一般 | ≤ 2 | ≤ 9 | < 10,000,000 |

**Reporting.** The unit head reports to the county within 1 hour of the accident (Art. 9).
Each escalation takes at most 2 hours (Art. 11); the chain ends at the city for 一般, the
province for 较大 and the ministry (应急管理部) for 重大 and 特别重大 (Art. 10). A level's
deadline runs from the previous level's receipt when it is known, else from that level's own
deadline. 补报 (Art. 13): casualty changes within 30 days of the accident day — 7 for road
traffic and fire — with the first day not counted (民法典 §201): the window closes at the end
of the 30th (7th) day after the accident day, China time. 续报 (安监总局令第21号): at least
daily for 一般 and 较大, twice daily for 重大 and 特别重大, while the incident is open.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "CHAIN",
    "GRADES",
    "Deadline",
    "Grading",
    "deadlines",
    "grade",
    "next_update_due",
    "supplement_window_closes",
]

GRADES: Final = ("一般", "较大", "重大", "特别重大")
"""Index = severity: 0 一般 … 3 特别重大 (response level Ⅳ … Ⅰ)."""
CRITERIA: Final = ("dead", "seriously_injured", "loss_yuan")
_BOUNDS: Final[Mapping[str, tuple[float, float, float]]] = {
    # the lowest value of 较大, 重大, 特别重大
    "dead": (3, 10, 30),
    "seriously_injured": (10, 50, 100),
    "loss_yuan": (10_000_000, 50_000_000, 100_000_000),
}
CHAIN: Final = ("county", "city", "province", "ministry")
"""The levels a report climbs; grade g must reach CHAIN[:REACH[g]]."""
REACH: Final = (2, 3, 4, 4)  # 一般 → city, 较大 → province, 重大 / 特别重大 → ministry
TO_COUNTY: Final = dt.timedelta(hours=1)
PER_LEVEL: Final = dt.timedelta(hours=2)
CHINA: Final = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Grading:
    grade: str
    level: int  # 0 一般 … 3 特别重大
    decided_by: tuple[str, ...]  # the criteria that reach the grade (empty: nothing counted)


def _level(value: float, bounds: tuple[float, float, float]) -> int:
    return sum(1 for bound in bounds if value >= bound)


def _count(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value}")
    if name != "loss_yuan" and not number.is_integer():
        raise ValueError(f"{name} must be a whole number of people, got {value}")
    return number


def grade(dead: int, seriously_injured: int, loss_yuan: float | Decimal | int) -> Grading:
    """The accident's grade and which criteria decide it.

    >>> grade(2, 10, 0)
    Grading(grade='较大', level=1, decided_by=('seriously_injured',))
    """
    values = {
        "dead": _count("dead", dead),
        "seriously_injured": _count("seriously_injured", seriously_injured),
        "loss_yuan": _count("loss_yuan", loss_yuan),
    }
    levels = {name: _level(values[name], _BOUNDS[name]) for name in CRITERIA}
    top = max(levels.values())
    if top == 0:
        decided = tuple(name for name in CRITERIA if values[name] > 0)
    else:
        decided = tuple(name for name in CRITERIA if levels[name] == top)
    return Grading(GRADES[top], top, decided)


@dataclass(frozen=True)
class Deadline:
    level: str  # one of CHAIN
    due: dt.datetime
    received: dt.datetime | None

    @property
    def met(self) -> bool:
        return self.received is not None and self.received <= self.due

    def overdue(self, now: dt.datetime) -> bool:
        """Past due and not received in time (received late counts as overdue too)."""
        if self.received is not None:
            return self.received > self.due
        return now > self.due


def deadlines(
    occurred_at: dt.datetime, level: int, received: Mapping[str, dt.datetime] | None = None
) -> list[Deadline]:
    """The report deadlines of an accident of grade ``level`` up its chain, with the receipts
    known so far (level name → time the report arrived there)."""
    _aware(occurred_at, "occurred_at")
    if level not in range(len(GRADES)):
        raise ValueError(f"grade level must be 0–3, got {level}")
    received = dict(received or {})
    unknown = set(received) - set(CHAIN)
    if unknown:
        raise ValueError(f"unknown report level {sorted(unknown)[0]!r}; use {', '.join(CHAIN)}")
    out: list[Deadline] = []
    start, step = occurred_at, TO_COUNTY
    for name in CHAIN[: REACH[level]]:
        due = start + step
        got = received.get(name)
        if got is not None:
            _aware(got, f"received[{name}]")
        out.append(Deadline(name, due, got))
        start, step = (got if got is not None else due), PER_LEVEL
    return out


def supplement_window_closes(occurred_at: dt.datetime, road_or_fire: bool = False) -> dt.datetime:
    """When 补报 of casualty changes stops: the end of the 30th (7th) day after the accident
    day, China time (the accident day itself not counted)."""
    _aware(occurred_at, "occurred_at")
    day = occurred_at.astimezone(CHINA).date()
    last = day + dt.timedelta(days=7 if road_or_fire else 30)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA)


def next_update_due(last_report_at: dt.datetime, level: int) -> dt.datetime:
    """When the next 续报 is due: daily for 一般 / 较大, twice a day for 重大 / 特别重大."""
    _aware(last_report_at, "last_report_at")
    return last_report_at + dt.timedelta(hours=12 if level >= 2 else 24)


def _aware(value: dt.datetime, name: str) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a time-zone-aware datetime")

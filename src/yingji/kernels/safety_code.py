"""安全码: an enterprise's green / yellow / red safety code, with every reason that decides it.

**Design assumption.** No official Zhejiang rule for a work-safety 安全码 was found
(STANDARDS.md §11). The only verified Zhejiang code-colour rule is the 2020 健康码 (绿/黄/红).
So the platform publishes its own rules, the table below (:data:`RULES`). The public page
prints it as "how the code is decided", and each code shows the rules that fired:

| id | colour | when |
|---|---|---|
| R1 | red | an open major hidden hazard under 挂牌督办 |
| R2 | red | an open major hidden hazard past its rectification deadline |
| R3 | red | a 较大 or more severe accident in the last 12 months |
| R4 | red | a penalty with 严重 circumstances in the last 12 months |
| R5 | red | credit rating D (严重失信) |
| Y1 | yellow | an open major hidden hazard not under 挂牌督办 |
| Y2 | yellow | an open general hidden hazard past its deadline |
| Y3 | yellow | a 一般 accident with deaths in the last 12 months |
| Y4 | yellow | a 轻微 or 一般 penalty in the last 12 months |
| Y5 | yellow | risk colour red or orange |
| Y6 | yellow | credit rating C (失信) |
| Y7 | yellow | safety production licence expired |
| Y8 | yellow | 安责险 (work-safety liability insurance) expired |

**Decision.** The colour is the most severe rule that fires, green when none does. All the rules
that fire are returned, red before yellow, each in table order. An accident or a penalty fires
only the most severe rule it matches: a 较大 accident with deaths fires R3, not Y3 as well.
Records granted 信用修复 (``repaired``) are left out. "In the last 12 months" means that an event
on day d counts while today < d + 12 months: an accident on 2025-03-10 counts up to 2026-03-09.
A licence or policy valid until day e is expired from e + 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from yingji.kernels.accidents import GRADES
from yingji.kernels.credit import COLOURS, RATINGS, Accident, Penalty, add_months

__all__ = ["CODES", "RULES", "WINDOW_MONTHS", "Facts", "Reason", "Rule", "SafetyCode", "decide"]

WINDOW_MONTHS: Final = 12
CODES: Final = {"green": "绿码", "yellow": "黄码", "red": "红码"}
_SEVERITY: Final = ("green", "yellow", "red")
_MAX_EVENTS: Final = 10_000


@dataclass(frozen=True)
class Facts:
    """What the caller gathered about one enterprise today. Hazard counts are open hazards now."""

    today: dt.date
    supervised_major_hazards: int = 0  # open major hidden hazards under 挂牌督办
    open_major_hazards: int = 0  # open major hidden hazards not under 挂牌督办
    overdue_major_hazards: int = 0  # open major hidden hazards past their deadline (either kind)
    overdue_hazards: int = 0  # open general hidden hazards past their deadline
    accidents: tuple[Accident, ...] = ()
    penalties: tuple[Penalty, ...] = ()
    risk_colour: str | None = None  # red / orange / yellow / blue
    credit_rating: str | None = None  # A / B / C / D
    licence_expires_on: dt.date | None = None  # None: no licence required or none on record
    insurance_expires_on: dt.date | None = None  # 安责险 policy end

    def __post_init__(self) -> None:
        _date(self.today, "today")
        counts = ("supervised_major_hazards", "open_major_hazards", "overdue_major_hazards",
                  "overdue_hazards")  # fmt: skip
        for name in counts:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number ≥ 0, got {value!r}")
        if self.overdue_major_hazards > self.supervised_major_hazards + self.open_major_hazards:
            raise ValueError(
                "overdue_major_hazards cannot exceed the open major hazards "
                "(supervised_major_hazards + open_major_hazards)"
            )
        for name, kind in (("accidents", Accident), ("penalties", Penalty)):
            items = tuple(getattr(self, name))
            if len(items) > _MAX_EVENTS:
                raise ValueError(f"{name}: at most {_MAX_EVENTS} entries")
            if not all(isinstance(i, kind) for i in items):
                raise ValueError(f"{name} must hold {kind.__name__} entries")
            object.__setattr__(self, name, items)
        events = [a.occurred_on for a in self.accidents] + [p.decided_on for p in self.penalties]
        if any(day > self.today for day in events):
            raise ValueError(f"an accident or penalty is dated after today ({self.today})")
        if self.risk_colour is not None and self.risk_colour not in COLOURS:
            raise ValueError(f"risk_colour must be one of {list(COLOURS)} or None")
        if self.credit_rating is not None and self.credit_rating not in RATINGS:
            raise ValueError(f"credit_rating must be one of {list(RATINGS)} or None")
        for name in ("licence_expires_on", "insurance_expires_on"):
            if getattr(self, name) is not None:
                _date(getattr(self, name), name)


def _date(value: object, what: str) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"{what} must be a date (not a datetime), got {type(value).__name__}")


def _recent(facts: Facts, day: dt.date) -> bool:
    return facts.today < add_months(day, WINDOW_MONTHS)


def _dates(days: list[dt.date]) -> str | None:
    return "、".join(d.isoformat() for d in sorted(set(days), reverse=True)) or None


def _count(n: int) -> str | None:
    return f"{n}项" if n else None


def _accidents(facts: Facts, serious: bool) -> str | None:
    """Dates of recent accidents: 较大 or worse (serious), or 一般 with deaths."""
    return _dates([
        a.occurred_on for a in facts.accidents
        if not a.repaired and _recent(facts, a.occurred_on)
        and ((GRADES.index(a.grade) >= 1) if serious else (a.grade == GRADES[0] and a.deaths > 0))
    ])  # fmt: skip


def _penalties(facts: Facts, serious: bool) -> str | None:
    return _dates([
        p.decided_on for p in facts.penalties
        if not p.repaired and _recent(facts, p.decided_on) and (p.circumstance == "严重") is serious
    ])  # fmt: skip


def _expired(day: dt.date | None, today: dt.date) -> str | None:
    return f"{day.isoformat()}到期" if day is not None and today > day else None


@dataclass(frozen=True)
class Rule:
    id: str
    colour: str  # red / yellow
    text: str  # the reason, in Chinese, as the enterprise and the public read it
    condition: str  # when it fires, in Chinese, for the page "how the code is decided"
    check: Callable[[Facts], str | None] = field(repr=False, compare=False)  # detail or None

    def __post_init__(self) -> None:
        if self.colour not in ("red", "yellow"):
            raise ValueError(f"rule {self.id!r}: colour must be red or yellow")
        if not (self.id and self.text and self.condition and callable(self.check)):
            raise ValueError(f"rule {self.id!r} needs an id, a text, a condition and a check")

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "colour": self.colour, "text": self.text,
                "condition": self.condition}  # fmt: skip


RULES: Final[tuple[Rule, ...]] = (
    Rule("R1", "red", "存在挂牌督办的重大事故隐患尚未销号",
         "有挂牌督办的重大事故隐患未整改销号",
         lambda f: _count(f.supervised_major_hazards)),
    Rule("R2", "red", "重大事故隐患逾期未整改",
         "有重大事故隐患超过整改期限仍未整改销号",
         lambda f: _count(f.overdue_major_hazards)),
    Rule("R3", "red", "近12个月发生较大及以上生产安全事故",
         "事故发生之日起12个月内，发生较大、重大或特别重大生产安全事故",
         lambda f: _accidents(f, serious=True)),
    Rule("R4", "red", "近12个月受到情节严重的安全生产行政处罚",
         "处罚决定之日起12个月内，受到情节严重的安全生产行政处罚（已信用修复的除外）",
         lambda f: _penalties(f, serious=True)),
    Rule("R5", "red", "安全生产信用评价为D级（严重失信）",
         "安全生产信用评价结果为D级",
         lambda f: "D级" if f.credit_rating == "D" else None),
    Rule("Y1", "yellow", "存在尚未整改的重大事故隐患",
         "有未挂牌督办的重大事故隐患尚未整改销号",
         lambda f: _count(f.open_major_hazards)),
    Rule("Y2", "yellow", "存在逾期未整改的事故隐患",
         "有一般事故隐患超过整改期限仍未整改销号",
         lambda f: _count(f.overdue_hazards)),
    Rule("Y3", "yellow", "近12个月发生造成人员死亡的生产安全事故",
         "事故发生之日起12个月内，发生造成人员死亡的一般生产安全事故",
         lambda f: _accidents(f, serious=False)),
    Rule("Y4", "yellow", "近12个月受到安全生产行政处罚",
         "处罚决定之日起12个月内，受到情节轻微或一般的安全生产行政处罚（已信用修复的除外）",
         lambda f: _penalties(f, serious=False)),
    Rule("Y5", "yellow", "安全风险等级为红色或橙色",
         "企业安全风险分级评定为红色（重大风险）或橙色（较大风险）",
         lambda f: COLOURS[f.risk_colour] if f.risk_colour in ("red", "orange") else None),
    Rule("Y6", "yellow", "安全生产信用评价为C级（失信）",
         "安全生产信用评价结果为C级",
         lambda f: "C级" if f.credit_rating == "C" else None),
    Rule("Y7", "yellow", "安全生产许可证已过期",
         "安全生产许可证有效期届满的次日起",
         lambda f: _expired(f.licence_expires_on, f.today)),
    Rule("Y8", "yellow", "安全生产责任保险已过期",
         "安全生产责任保险保单期满的次日起",
         lambda f: _expired(f.insurance_expires_on, f.today)),
)  # fmt: skip


class Reason(NamedTuple):
    rule_id: str
    colour: str
    text: str  # the rule's text with the facts, e.g. "…尚未销号（2项）"


@dataclass(frozen=True)
class SafetyCode:
    colour: str  # green / yellow / red
    label: str  # 绿码 / 黄码 / 红码
    reasons: tuple[Reason, ...]  # every rule that fired, red first, then in table order


def decide(facts: Facts, rules: tuple[Rule, ...] = RULES) -> SafetyCode:
    """The code and all its reasons (see the module docstring)."""
    if not isinstance(facts, Facts):
        raise ValueError("decide() needs a Facts entry")
    fired = []
    for rank, rule in enumerate(rules):
        detail = rule.check(facts)
        if detail is not None:
            fired.append((-_SEVERITY.index(rule.colour), rank,
                          Reason(rule.id, rule.colour, f"{rule.text}（{detail}）")))  # fmt: skip
    fired.sort(key=lambda x: (x[0], x[1]))
    reasons = tuple(reason for _, _, reason in fired)
    colour = reasons[0].colour if reasons else "green"
    return SafetyCode(colour, CODES[colour], reasons)

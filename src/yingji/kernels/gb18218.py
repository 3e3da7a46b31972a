"""GB 18218-2018 危险化学品重大危险源辨识: identification (§4.2) and grading (§4.3) of one unit.

S = Σ q/Q decides whether a unit (生产单元 or 储存单元) is a 重大危险源 (S ≥ 1); for one that is,
R = α·Σ β·q/Q sets its grade (一级 R ≥ 100, 二级 50 ≤ R < 100, 三级 10 ≤ R < 50, 四级 R < 10).
The tables are in `gb18218_tables`; the rules below are the ones the standard (or the notes in
STANDARDS.md §2) leaves to the implementer, decided here once:

- **Look-up.** A chemical is found by CAS number or by a name or alias, compared after Unicode
  NFKC folding (full-width brackets and letters), case folding and without spaces. When both
  are given the CAS decides, and a name naming a *different* listed chemical is an error, not a
  guess. An unlisted name with a listed CAS is a label (e.g. "1号罐液氯"). Concentration-bound
  rows (甲醛 >90%, 硝酸 >70%) share their CAS with dilute solutions: a dilute solution is
  entered without the CAS, under its own name, with its category.
- **Q.** Table 1 when listed (a category given with it does not change Q); otherwise Table 2 by
  the given category, which is then required.
- **β.** Table 3 when the chemical is a listed toxic gas, whether or not it is in Table 1;
  otherwise Table 4 by the given category; for a Table 1 chemical given no category, Table 4 by
  the category recorded for it in `gb18218_tables` (its principal hazard; see there). That
  default is this project's reading, not the standard's text, and is named in the explanation.
- **Several hazards** (STANDARDS.md's open question: 甲醇 is flammable and acutely toxic). A
  chemical may be given several categories; Q is then the lowest of their Table 2 Q and β the
  highest of their Table 4 β — common practice, not yet confirmed in the standard's text.
- **Arithmetic** is exact: each quantity is taken as the decimal it was written as (repr of the
  float), so q = Q gives exactly S = 1 and R = 10, 50, 100 land on the boundary they were meant to.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from yingji.kernels.cas import cas_problem
from yingji.kernels.gb18218_tables import (
    ALPHA_BANDS,
    CATEGORIES,
    GRADE_BANDS,
    TABLE1,
    TABLE3,
    Category,
    Grade,
    Table1Entry,
    ToxicGas,
)

__all__ = [
    "Chemical",
    "Gb18218Error",
    "Grade",
    "Term",
    "UnitReport",
    "alpha",
    "assess_unit",
    "category",
    "find_table1",
    "find_table3",
    "grade",
]


class Gb18218Error(ValueError):
    """Input GB 18218 cannot assess; the message names the chemical and the rule broken."""


@dataclass(frozen=True, slots=True)
class Chemical:
    """One chemical in a unit: a CAS number and/or a name, the quantity in tonnes, and the
    Table 2 category code(s) — required when the chemical is not in Table 1."""

    quantity_t: float
    cas: str | None = None
    name: str | None = None
    category: str | Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class Term:
    """One chemical's share of S and R, with where Q and β came from."""

    chemical: str  # the name in Table 1, or the name (or CAS) given for an unlisted chemical
    given: str  # the name or CAS as entered
    cas: str | None
    q: float
    Q: float
    beta: float
    q_source: str  # "表1" or "表2 W5.3"
    beta_source: str  # "表3", "表4 W5.3" or "表4 W2 默认类别"
    ratio: float  # q/Q
    weighted: float  # β·q/Q

    def explain(self) -> str:
        cas = f" ({self.cas})" if self.cas else ""
        alias = f" [{self.given}]" if self.given not in {self.chemical, self.cas} else ""
        return (
            f"{self.chemical}{cas}{alias}: q = {_fmt(self.q)} t, Q = {_fmt(self.Q)} t "
            f"({self.q_source}), q/Q = {_fmt(self.ratio)}; β = {_fmt(self.beta)} "
            f"({self.beta_source}), β·q/Q = {_fmt(self.weighted)}"
        )


@dataclass(frozen=True, slots=True)
class UnitReport:
    """Identification and grading of one unit; R and grade are None when it is not major."""

    S: float
    is_major: bool
    people_within_500m: int
    alpha: float
    weighted_sum: float  # Σβ·q/Q, so that R = α × weighted_sum can be checked by hand
    R: float | None
    grade: Grade | None
    terms: tuple[Term, ...]

    def explain(self) -> str:
        lines = [term.explain() for term in self.terms]
        verdict = "≥ 1，构成重大危险源" if self.is_major else "< 1，不构成重大危险源"
        lines.append(f"S = Σq/Q = {_fmt(self.S)} {verdict}")
        lines.append(
            f"α = {_fmt(self.alpha)}（厂区边界外500 m内常住人口 {self.people_within_500m} 人）"
        )
        if self.R is not None:
            lines.append(
                f"R = α·Σβ·q/Q = {_fmt(self.alpha)} × {_fmt(self.weighted_sum)} = {_fmt(self.R)}"
                f"，{self.grade}重大危险源"
            )
        return "\n".join(lines)


def alpha(people_within_500m: int) -> float:
    """α (Table 5) for the number of people living within 500 m outside the plant boundary."""
    people = people_within_500m
    if isinstance(people, bool) or not isinstance(people, int) or people < 0:
        raise Gb18218Error(
            f"people within 500 m must be a whole number ≥ 0, not {people_within_500m!r}"
        )
    return next(value for lowest, value in ALPHA_BANDS if people >= lowest)


def grade(r: float | Fraction) -> Grade:
    """The grade (Table 6) of a major hazard source with this R: 一级 R ≥ 100 … 四级 R < 10."""
    for lowest, name in GRADE_BANDS:
        if r >= lowest:
            return name
    return "四级"


def category(code: str) -> Category:
    """The Table 2 category (with its Q and Table 4 β) for a code such as "W5.3" or "j1"."""
    found = CATEGORIES.get(unicodedata.normalize("NFKC", code).strip().upper())
    if found is None:
        raise Gb18218Error(
            f"{code!r} is not a GB 18218 Table 2 category; use one of {', '.join(CATEGORIES)}"
        )
    return found


def find_table1(*, cas: str | None = None, name: str | None = None) -> Table1Entry | None:
    """The Table 1 row with this CAS number, else with this name or alias, else None."""
    if cas:
        found = _T1_BY_CAS.get(_clean_cas(cas))
        if found is not None:
            return found
    return _T1_BY_NAME.get(_key(name)) if name else None


def find_table3(*, cas: str | None = None, name: str | None = None) -> ToxicGas | None:
    """The Table 3 toxic gas with this CAS number, else with this name, else None."""
    if cas:
        found = _GAS_BY_CAS.get(_clean_cas(cas))
        if found is not None:
            return found
    return _GAS_BY_NAME.get(_key(name)) if name else None


def assess_unit(chemicals: Sequence[Chemical], people_within_500m: int) -> UnitReport:
    """Identify and grade one unit from its chemicals (maximum quantities, tonnes)."""
    a = alpha(people_within_500m)
    if not chemicals:
        raise Gb18218Error("a unit needs at least one chemical to be assessed")
    terms: list[Term] = []
    s_sum = weighted_sum = Fraction(0)
    for chem in chemicals:
        term, ratio, beta = _term(chem)
        terms.append(term)
        s_sum += ratio
        weighted_sum += beta * ratio
    is_major = s_sum >= 1
    r = _exact(a) * weighted_sum
    return UnitReport(
        S=float(s_sum),
        is_major=is_major,
        people_within_500m=people_within_500m,
        alpha=a,
        weighted_sum=float(weighted_sum),
        R=float(r) if is_major else None,
        grade=grade(r) if is_major else None,
        terms=tuple(terms),
    )


# ---------------------------------------------------------------- one term


def _term(chem: Chemical) -> tuple[Term, Fraction, Fraction]:
    label = _label(chem)
    name = chem.name.strip() if chem.name and chem.name.strip() else None
    cas = _clean_cas(chem.cas) if chem.cas and chem.cas.strip() else None
    if cas is not None and (problem := cas_problem(cas)) is not None:
        raise Gb18218Error(f"{label}: CAS number {chem.cas!r} {problem}")
    q, q_float = _quantity(chem.quantity_t, label)
    cats = _categories(chem.category, label)
    entry = _match(_T1_BY_CAS, _T1_BY_NAME, cas, name, label=label, table="GB 18218 表1")
    if entry is not None:
        gas = _T1_GAS.get(entry.number)
        big_q, q_source = entry.Q, "表1"
    else:
        gas = _match(_GAS_BY_CAS, _GAS_BY_NAME, cas, name, label=label, table="GB 18218 表3")
        big_q, q_source = _table2_q(cats, label)
    beta, beta_source = (gas.beta, "表3") if gas is not None else _table4_beta(cats, entry)
    ratio = q / _exact(big_q)
    exact_beta = _exact(beta)
    given = name or cas or ""
    term = Term(
        chemical=entry.name if entry is not None else given,
        given=given,
        cas=cas if cas is not None or entry is None or not entry.cas else entry.cas[0],
        q=q_float,
        Q=float(big_q),
        beta=float(beta),
        q_source=q_source,
        beta_source=beta_source,
        ratio=float(ratio),
        weighted=float(exact_beta * ratio),
    )
    return term, ratio, exact_beta


def _table2_q(cats: tuple[Category, ...], label: str) -> tuple[float, str]:
    """Q of an unlisted chemical: the lowest Table 2 Q among its categories."""
    if not cats:
        raise Gb18218Error(
            f"{label}: not in GB 18218 Table 1 as held here; give its Table 2 category "
            f"({', '.join(CATEGORIES)})"
        )
    lowest = min(cats, key=lambda c: c.Q)
    return lowest.Q, f"表2 {lowest.code}"


def _table4_beta(cats: tuple[Category, ...], entry: Table1Entry | None) -> tuple[float, str]:
    """β of a chemical not in Table 3: the highest Table 4 β among its categories, given or
    (for a Table 1 chemical given none) recorded in `gb18218_tables`."""
    default = not cats and entry is not None
    if default and entry is not None:
        cats = tuple(CATEGORIES[code] for code in entry.default_categories)
    highest = max(cats, key=lambda c: c.beta)
    return highest.beta, f"表4 {highest.code}" + (" 默认类别" if default else "")


_Row = TypeVar("_Row", Table1Entry, ToxicGas)


def _match(
    by_cas: dict[str, _Row],
    by_name: dict[str, _Row],
    cas: str | None,
    name: str | None,
    *,
    label: str,
    table: str,
) -> _Row | None:
    """The row for this CAS (or, with no CAS, this name); a name naming another row is an error."""
    from_cas = by_cas.get(cas) if cas else None
    from_name = by_name.get(_key(name)) if name else None
    if cas and from_name is not None and from_name is not from_cas:
        other = f"{table} {from_cas.names[0]}" if from_cas is not None else f"not {table}"
        raise Gb18218Error(
            f"{label}: the name is {table} {from_name.names[0]}, but CAS {cas} is {other}"
        )
    return from_cas if cas else from_name


def _quantity(value: object, label: str) -> tuple[Fraction, float]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Gb18218Error(f"{label}: quantity must be a number of tonnes, not {value!r}")
    try:
        as_float = float(value)
    except OverflowError:
        as_float = math.inf
    if not math.isfinite(as_float):
        raise Gb18218Error(f"{label}: quantity must be a finite number of tonnes, not {value!r}")
    if value < 0:
        raise Gb18218Error(f"{label}: quantity must be ≥ 0 t, not {value!r}")
    return (Fraction(value) if isinstance(value, int) else _exact(value)), as_float


def _categories(given: object, label: str) -> tuple[Category, ...]:
    if given is None:
        return ()
    if isinstance(given, str):
        codes = [c for c in re.split(r"[\s,，、;；/]+", given) if c]
    elif isinstance(given, Sequence) and all(isinstance(c, str) for c in given):
        codes = [str(c) for c in given]
    else:
        raise Gb18218Error(f"{label}: category must be a code such as 'W5.3' or a list of codes")
    if not codes:
        raise Gb18218Error(f"{label}: category is empty; give a code such as 'W5.3' or omit it")
    try:
        return tuple(category(code) for code in codes)
    except Gb18218Error as exc:
        raise Gb18218Error(f"{label}: {exc}") from None


# ---------------------------------------------------------------- helpers


def _exact(value: float) -> Fraction:
    """The decimal the float was written as (0.3 → 3/10), not its binary approximation."""
    return Fraction(repr(float(value)))


def _key(name: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def _clean_cas(cas: str) -> str:
    return unicodedata.normalize("NFKC", cas).strip()


def _label(chem: Chemical) -> str:
    parts = [p.strip() for p in (chem.name, chem.cas) if isinstance(p, str) and p.strip()]
    if not parts:
        raise Gb18218Error("a chemical needs a name or a CAS number")
    return f"{parts[0]} ({parts[1]})" if len(parts) == 2 else parts[0]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


_T1_BY_CAS = {cas: e for e in TABLE1 for cas in (*e.cas, *e.also_cas)}
_T1_BY_NAME = {_key(name): e for e in TABLE1 for name in e.names}
_GAS_BY_CAS = {g.cas: g for g in TABLE3}
_GAS_BY_NAME = {_key(name): g for g in TABLE3 for name in g.names}
_T1_GAS = {
    e.number: _GAS_BY_CAS[cas]
    for e in TABLE1
    for cas in (*e.cas, *e.also_cas)
    if cas in _GAS_BY_CAS
}

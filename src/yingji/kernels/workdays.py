"""Working-day arithmetic for legal time limits, on the official holiday calendar.

**Why.** Penalties and inspection results are published "within 20 working days"
(《企业信息公示暂行条例》 Art. 6; STANDARDS.md §9), and other limits run in working days too
(行政处罚法 Art. 85). A Chinese working day is Monday to Friday, except the days off of the
State Council General Office's annual notice (国务院办公厅关于XXXX年部分节假日安排的通知:
法定节假日 and the 调休 days), plus the weekend days the notice makes working days (调休上班).
The days come from data, one entry per year with its source: ``data/calendar/cn_workdays.json``
(see its README; checked day by day against an independent source). A province may add days of
its own on top (:func:`merge`).

**Counting.** The day of the decision does not count (民法典 §201: 开始的当日不计入):
:meth:`Calendar.add_workdays` gives the n-th working day *after* ``start``, the last day on which
the act is on time; :meth:`Calendar.workdays_between` counts the working days after ``a`` up to
and including ``b``, so an act done on ``b`` is late when that count exceeds the limit.

**Never a silent guess.** A date in a year the data does not cover raises :class:`NotCovered`
naming the year. A caller may choose ``fallback=True`` (weekdays are working days, plus any day
the data happens to list for that year) and must then report :meth:`Calendar.assumed_years`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "PUBLICATION_LIMIT",
    "Calendar",
    "NotCovered",
    "load",
    "loads",
    "merge",
]

PUBLICATION_LIMIT: Final = 20  # working days, 《企业信息公示暂行条例》 Art. 6
WEEKEND: Final = frozenset({5, 6})  # date.weekday(): Saturday, Sunday
MIN_YEAR: Final = 1949
MAX_YEAR: Final = 2199
MAX_N: Final = 3_660  # working days one call may add (about 14 years)
MAX_BYTES: Final = 256 * 1024
MAX_YEARS: Final = 100
MAX_ENTRIES: Final = 40  # holiday ranges or make-up days per year
MAX_RANGE_DAYS: Final = 31
MAX_TEXT: Final = 1000
_TOP_KEYS: Final = frozenset({"schema", "title", "note", "years"})
_YEAR_KEYS: Final = frozenset({"source", "holidays", "workdays", "note"})
_SOURCE_KEYS: Final = frozenset({"title", "number", "published", "url"})
_HOLIDAY_KEYS: Final = frozenset({"name", "from", "to"})
_WORKDAY_KEYS: Final = frozenset({"date", "name"})


class NotCovered(ValueError):
    """A computation needed a year the calendar has no official data for."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"the working-day calendar does not cover {year}: add the State Council's holiday "
            f"notice for {year} to the calendar data, or ask for fallback=True (weekdays only) "
            "and report the result as assumed"
        )


def _check_date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"{what} must be a date (not a datetime), got {type(value).__name__}")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"{what} must lie in {MIN_YEAR}–{MAX_YEAR}, got {value.isoformat()}")
    return value


@dataclass(frozen=True)
class Calendar:
    """Holidays (days off) and make-up working days (weekend days worked) per covered year."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    covered_years: frozenset[int]
    names: Mapping[dt.date, str] = field(default_factory=dict, compare=False, repr=False)
    sources: Mapping[int, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("holidays", "workdays", "covered_years"):
            if not isinstance(getattr(self, name), frozenset):
                raise ValueError(f"Calendar.{name} must be a frozenset")
        for day in self.holidays | self.workdays:
            _check_date(day, "a calendar day")
        for year in self.covered_years:
            if isinstance(year, bool) or not isinstance(year, int):
                raise ValueError("covered years must be integers")
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise ValueError(f"covered year {year} is outside {MIN_YEAR}–{MAX_YEAR}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a holiday and a make-up working day")
        weekday = sorted(d for d in self.workdays if d.weekday() not in WEEKEND)
        if weekday:
            raise ValueError(
                f"make-up working day {weekday[0].isoformat()} is a weekday, not a weekend day"
            )
        object.__setattr__(self, "names", MappingProxyType(dict(self.names)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    def is_workday(self, day: dt.date, *, fallback: bool = False) -> bool:
        _check_date(day, "the day")
        if day.year not in self.covered_years and not fallback:
            raise NotCovered(day.year)
        if day in self.workdays:
            return True
        return day.weekday() not in WEEKEND and day not in self.holidays

    def holiday_name(self, day: dt.date) -> str | None:
        """The festival a listed day off (or make-up working day) belongs to, if any."""
        return self.names.get(day)

    def add_workdays(self, start: dt.date, n: int, *, fallback: bool = False) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself never counts); n = 0 → start."""
        _check_date(start, "the start date")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_N:
            raise ValueError(f"the number of working days must be an integer in 0–{MAX_N}")
        day, left = start, n
        while left:
            day += dt.timedelta(days=1)
            if self.is_workday(day, fallback=fallback):
                left -= 1
        return day

    def workdays_between(self, a: dt.date, b: dt.date, *, fallback: bool = False) -> int:
        """Working days after ``a`` up to and including ``b``; negative when ``b`` < ``a``."""
        _check_date(a, "the first date")
        _check_date(b, "the second date")
        if b < a:
            return -self.workdays_between(b, a, fallback=fallback)
        count, day = 0, a
        while day < b:
            day += dt.timedelta(days=1)
            count += self.is_workday(day, fallback=fallback)
        return count

    def assumed_years(self, a: dt.date, b: dt.date) -> tuple[int, ...]:
        """The years between ``a`` and ``b`` (inclusive) that a ``fallback=True`` answer guessed."""
        low, high = sorted((_check_date(a, "a date").year, _check_date(b, "a date").year))
        return tuple(y for y in range(low, high + 1) if y not in self.covered_years)


def merge(national: Calendar, local: Calendar) -> Calendar:
    """A local (provincial) adjustment on top of the national calendar.

    Local days off are added and win over a national make-up working day on the same date (the
    local rule gives that day off); local make-up working days must not fall on a national
    holiday. The local calendar may only adjust years the national one covers.
    """
    extra = sorted(local.covered_years - national.covered_years)
    if extra:
        raise ValueError(f"the local adjustment covers {extra[0]}, which the national data lacks")
    clash = sorted(local.workdays & national.holidays)
    if clash:
        raise ValueError(f"local make-up working day {clash[0].isoformat()} is a national holiday")
    sources = dict(national.sources)
    for year, text in local.sources.items():
        sources[year] = f"{sources[year]}；{text}" if year in sources else text
    return Calendar(
        holidays=national.holidays | local.holidays,
        workdays=(national.workdays - local.holidays) | local.workdays,
        covered_years=national.covered_years,
        names={**national.names, **local.names},
        sources=sources,
    )


def loads(text: str | bytes) -> Calendar:
    """Parse the calendar JSON text (size-limited), then :func:`load` it."""
    if not isinstance(text, str | bytes):
        raise ValueError("the calendar must be JSON text")
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_BYTES:
        raise ValueError(f"the calendar is {size} bytes; at most {MAX_BYTES} are accepted")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the calendar is not valid JSON: {exc}") from None
    return load(data)


def load(mapping: object) -> Calendar:
    """Build a calendar from the JSON structure (``data/calendar/README.md``), strictly."""
    top = _mapping(mapping, "the calendar", _TOP_KEYS, required={"years"})
    if "schema" in top and (top["schema"] != 1 or isinstance(top["schema"], bool)):
        raise ValueError("schema: only version 1 is understood")
    for key in ("title", "note"):
        if key in top:
            _text(top[key], key)
    years = _mapping(top["years"], "years", None, required=set())
    if len(years) > MAX_YEARS:
        raise ValueError(f"years: at most {MAX_YEARS} years are accepted, got {len(years)}")
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, str] = {}
    covered: set[int] = set()
    sources: dict[int, str] = {}
    for key, entry in years.items():
        year = _year(key)
        covered.add(year)
        sources[year] = _year_entry(entry, year, holidays, workdays)
    return Calendar(
        frozenset(holidays), frozenset(workdays), frozenset(covered),
        names={**holidays, **workdays}, sources=sources,
    )  # fmt: skip


def _year_entry(
    entry: object, year: int, holidays: dict[dt.date, str], workdays: dict[dt.date, str]
) -> str:
    where = f"years.{year}"
    fields = _mapping(entry, where, _YEAR_KEYS, required={"source"})
    if "note" in fields:
        _text(fields["note"], f"{where}.note")
    label = _source(fields["source"], f"{where}.source")
    for i, item in enumerate(_list(fields.get("holidays", []), f"{where}.holidays")):
        at = f"{where}.holidays[{i}]"
        row = _mapping(item, at, _HOLIDAY_KEYS, required=_HOLIDAY_KEYS)
        name = _text(row["name"], f"{at}.name")
        first, last = _iso(row["from"], f"{at}.from", year), _iso(row["to"], f"{at}.to", year)
        if not 0 <= (last - first).days < MAX_RANGE_DAYS:
            raise ValueError(
                f"{at}: 'to' must be on or after 'from' and within {MAX_RANGE_DAYS} days"
            )
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            _unlisted(day, at, holidays, workdays)
            holidays[day] = name
    for i, item in enumerate(_list(fields.get("workdays", []), f"{where}.workdays")):
        at = f"{where}.workdays[{i}]"
        row = _mapping(item, at, _WORKDAY_KEYS, required=_WORKDAY_KEYS)
        day = _iso(row["date"], f"{at}.date", year)
        _unlisted(day, at, workdays, holidays)
        if day.weekday() not in WEEKEND:
            raise ValueError(f"{at}: make-up working day {day.isoformat()} is not a weekend day")
        workdays[day] = _text(row["name"], f"{at}.name")
    return label


def _source(value: object, where: str) -> str:
    source = _mapping(value, where, _SOURCE_KEYS, required={"title"})
    label = _text(source["title"], f"{where}.title")
    if "number" in source:
        label += f"（{_text(source['number'], f'{where}.number')}）"
    if "url" in source:
        _text(source["url"], f"{where}.url")
    if "published" in source:
        _iso(source["published"], f"{where}.published", None)
    return label


def _unlisted(
    day: dt.date, at: str, same: Mapping[dt.date, str], other: Mapping[dt.date, str]
) -> None:
    """Refuse a day listed twice: as the same kind, or as a holiday and a make-up working day."""
    if day in same:
        raise ValueError(f"{at}: {day.isoformat()} is listed twice")
    if day in other:
        raise ValueError(f"{at}: {day.isoformat()} is both a holiday and a make-up working day")


def _mapping(
    value: object,
    where: str,
    allowed: frozenset[str] | None,
    *,
    required: set[str] | frozenset[str],
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object, got {type(value).__name__}")
    if not all(isinstance(k, str) for k in value):
        raise ValueError(f"{where}: keys must be text")
    if allowed is not None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r}; allowed: {sorted(allowed)}")
    missing = sorted(set(required) - set(value))
    if missing:
        raise ValueError(f"{where}: missing key {missing[0]!r}")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list, got {type(value).__name__}")
    if len(value) > MAX_ENTRIES:
        raise ValueError(f"{where}: at most {MAX_ENTRIES} entries per year, got {len(value)}")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ValueError(f"{where} must be non-empty text of at most {MAX_TEXT} characters")
    if any(ord(c) < 32 for c in value):
        raise ValueError(f"{where} must not contain control characters")
    return value


def _year(key: str) -> int:
    if len(key) != 4 or not key.isascii() or not key.isdigit():
        raise ValueError(f"years: {key!r} is not a four-digit year")
    year = int(key)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"years: {year} is outside {MIN_YEAR}–{MAX_YEAR}")
    return year


def _iso(value: object, where: str, year: int | None) -> dt.date:
    """A YYYY-MM-DD date; within a year's entry it may only spill into the adjacent years (a
    元旦 break can start on 31 December, a make-up day can precede 1 January)."""
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    if year is not None and abs(day.year - year) > 1:
        raise ValueError(f"{where}: {value} is not in or next to the year {year}")
    return day

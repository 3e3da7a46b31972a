"""The working-day calendar the 20-working-day publication limit is counted on.

**Why two sources.** The national part is the State Council's yearly holiday arrangement,
kept as data in ``data/calendar/cn_workdays.json`` (read lazily and cached until the file
changes). A province sometimes adjusts days of its own (a regional festival, a typhoon day
declared a day off): those are :class:`CalendarDay` rows, added and removed by province staff
on ``/enforcement/calendar/`` with a name and a source, each change audited.
:func:`current` lays the rows over the file with :func:`yingji.kernels.workdays.merge`.

**Never a silent guess.** The calculator (:func:`due_date`) refuses a deadline that reaches
a year the national data does not cover with :class:`CalendarGap`, which says which year's
arrangement is missing and how to add it. Work that cannot wait — an inspection completed or
a penalty decided in December, before next year's notice is in the data — gets a deadline
from :func:`publication_due`: counted on weekdays only, *marked provisional* on the record
and the pages, and recounted by the daily sweep as soon as the year is added. Blocking the
inspection itself would be worse than a deadline that shows it is not final.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.enforcement.models import CalendarDay, DayKind
from yingji.kernels import workdays

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

PUBLICATION_LIMIT: Final = workdays.PUBLICATION_LIMIT
MAX_DAYS: Final = 366  # the most working days one request may count (API, calculator)
NAME_MAX: Final = 40
SOURCE_MAX: Final = 200
_lock = threading.Lock()
_cache: dict[str, tuple[float, workdays.Calendar]] = {}


class CalendarGap(Conflict):
    """A computation reached a year the national data does not cover (HTTP 409)."""

    code = "calendar_not_covered"

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            _(
                "The working-day calendar has no holiday arrangement for %(year)s, so a "
                "deadline reaching into %(year)s cannot be counted. Add the State Council "
                "notice 国务院办公厅关于%(year)s年部分节假日安排的通知 to "
                "data/calendar/cn_workdays.json (format: data/calendar/README.md) and restart."
            )
            % {"year": year}
        )


def data_file() -> Path:
    """Where the national calendar lives (setting ``YINGJI_WORKDAYS_DATA`` overrides)."""
    default = Path(settings.BASE_DIR).parent.parent / "data" / "calendar" / "cn_workdays.json"
    return Path(getattr(settings, "YINGJI_WORKDAYS_DATA", default))


def national() -> workdays.Calendar:
    """The national calendar, parsed once per version of the file (its mtime)."""
    path = data_file()
    try:
        stamp = path.stat().st_mtime
    except OSError as exc:
        raise Conflict(
            _("The national working-day calendar %(path)s cannot be read: %(error)s")
            % {"path": path, "error": exc.strerror},
            code="calendar_missing",
        ) from exc
    with _lock:
        cached = _cache.get(str(path))
        if cached is None or cached[0] != stamp:
            try:
                calendar = workdays.loads(path.read_bytes())
            except ValueError as exc:
                raise Conflict(
                    _("The national working-day calendar %(path)s is invalid: %(error)s")
                    % {"path": path, "error": exc},
                    code="calendar_invalid",
                ) from exc
            cached = (stamp, calendar)
            _cache[str(path)] = cached
    return cached[1]


def _local(rows: list[CalendarDay], covered: frozenset[int]) -> workdays.Calendar:
    years = {row.date.year for row in rows}
    missing = sorted(years - covered)
    if missing:
        raise CalendarGap(missing[0])
    names: dict[dt.date, str] = {row.date: row.name for row in rows if row.name}
    sources: dict[int, str] = {}
    for row in rows:
        sources.setdefault(row.date.year, _("provincial adjustment"))
    return workdays.Calendar(
        holidays=frozenset(r.date for r in rows if r.kind == DayKind.HOLIDAY),
        workdays=frozenset(r.date for r in rows if r.kind == DayKind.WORKDAY),
        covered_years=frozenset(years),
        names=names,
        sources=sources,
    )


def current() -> workdays.Calendar:
    """The national calendar with the province's own days laid over it."""
    base = national()
    rows = list(CalendarDay.objects.all())
    if not rows:
        return base
    return workdays.merge(base, _local(rows, base.covered_years))


def due_date(
    fact_on: dt.date, n: int = PUBLICATION_LIMIT, *, calendar: workdays.Calendar | None = None
) -> dt.date:
    """The n-th working day after ``fact_on`` (the day itself does not count): publish by."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DAYS:
        raise InvalidInput(
            _("days: a whole number of working days from 0 to %(max)s") % {"max": MAX_DAYS},
            field="days",
        )
    try:
        return (calendar or current()).add_workdays(fact_on, n)
    except workdays.NotCovered as exc:
        raise CalendarGap(exc.year) from None
    except ValueError as exc:
        raise InvalidInput(f"from: {exc}", field="from") from None


def publication_due(
    fact_on: dt.date, calendar: workdays.Calendar | None = None
) -> tuple[dt.date, bool]:
    """The publication deadline and whether it is provisional (a year not covered yet)."""
    cal = calendar or current()
    try:
        return cal.add_workdays(fact_on, PUBLICATION_LIMIT), False
    except workdays.NotCovered:
        return cal.add_workdays(fact_on, PUBLICATION_LIMIT, fallback=True), True


def workdays_left(due_on: dt.date, today: dt.date, calendar: workdays.Calendar) -> int | None:
    """Working days from today to the deadline (negative once past); None if not covered."""
    try:
        return calendar.workdays_between(today, due_on)
    except (workdays.NotCovered, ValueError):
        return None


def parse_date(value: Any, field: str) -> dt.date:
    """A date from a form or JSON value (``YYYY-MM-DD``), or InvalidInput naming the field."""
    day = parse_optional_date(value, field)
    if day is None:
        raise InvalidInput(f"{field}: " + _("a date is required"), field=field)
    return day


def parse_optional_date(value: Any, field: str) -> dt.date | None:
    """Like :func:`parse_date`, but empty input is None."""
    if isinstance(value, dt.datetime):
        raise InvalidInput(f"{field}: a date (YYYY-MM-DD) is needed, not a time", field=field)
    day: dt.date | None = value if isinstance(value, dt.date) else None
    if day is None:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        try:
            day = dt.date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise InvalidInput(
                f"{field}: {text[:20]!r} " + _("is not a date (YYYY-MM-DD)"), field=field
            )
    if not workdays.MIN_YEAR <= day.year <= workdays.MAX_YEAR:
        raise InvalidInput(f"{field}: " + _("the year is out of range"), field=field)
    return day


# ---------------------------------------------------------------- editing the local days


def _require_province(actor: Actor) -> None:
    """The calendar is province-wide: province staff (or an administrator) edit it."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    region = getattr(actor, "region", None)
    if not actor.is_superuser and (region is None or len(region.path) != 2):
        raise Forbidden(_("Only provincial staff change the working-day calendar"))


def may_edit(actor: Actor) -> bool:
    try:
        _require_province(actor)
    except Forbidden:
        return False
    return True


def _text(value: Any, field: str, limit: int) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise InvalidInput(f"{field}: " + _("this field is required"), field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field}: " + _("at most %(n)s characters") % {"n": limit}, field=field)
    if any(ord(c) < 32 for c in text):
        raise InvalidInput(f"{field}: " + _("control characters are not allowed"), field=field)
    return text


def add_day(*, actor: Actor, date: Any, kind: Any, name: Any, source: Any) -> CalendarDay:
    """Add a provincial day off or make-up working day; open deadlines it moves are recounted."""
    _require_province(actor)
    day = parse_date(date, "date")
    if str(kind) not in DayKind.values:
        raise InvalidInput(
            "kind: " + _("one of %(kinds)s") % {"kinds": ", ".join(DayKind.values)}, field="kind"
        )
    row = CalendarDay(
        date=day,
        kind=str(kind),
        name=_text(name, "name", NAME_MAX),
        source=_text(source, "source", SOURCE_MAX),
    )
    base = national()
    if day.year not in base.covered_years:
        raise CalendarGap(day.year)
    _check_meaningful(row, base)
    with transaction.atomic():
        rows = list(CalendarDay.objects.select_for_update())
        if any(r.date == day for r in rows):
            raise Conflict(
                _("%(day)s is already in the provincial calendar; remove it first") % {"day": day},
                code="calendar_day_exists",
            )
        try:
            workdays.merge(base, _local([*rows, row], base.covered_years))
        except ValueError as exc:
            raise InvalidInput(f"date: {exc}", field="date") from None
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise Conflict(_("%(day)s was added meanwhile") % {"day": day}) from None
        moved = _reschedule(day)
        audit.record(
            actor=actor, action="calendar_add", obj=row, after=audit.snapshot(row),
            message=f"deadlines recounted: {moved}",
        )  # fmt: skip
    return row


def _check_meaningful(row: CalendarDay, base: workdays.Calendar) -> None:
    """Refuse a row that would change nothing, or a make-up day on a weekday."""
    working = base.is_workday(row.date)
    if row.kind == DayKind.HOLIDAY and not working:
        raise InvalidInput(
            "date: " + _("%(day)s is not a working day already") % {"day": row.date},
            field="date",
        )
    if row.kind == DayKind.WORKDAY:
        if row.date.weekday() not in workdays.WEEKEND:
            raise InvalidInput(
                "date: " + _("a make-up working day must be a Saturday or a Sunday"),
                field="date",
            )
        if working:
            raise InvalidInput(
                "date: " + _("%(day)s is a working day already") % {"day": row.date},
                field="date",
            )


def remove_day(*, actor: Actor, pk: Any, reason: Any) -> dt.date:
    """Remove a provincial day (the audit trail keeps it); open deadlines are recounted."""
    _require_province(actor)
    why = _text(reason, "reason", 200)
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("No such calendar day")) from None
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(pk=key).first()
        if row is None:
            raise NotFound(_("No such calendar day"))
        before, day = audit.snapshot(row), row.date
        row.delete()
        moved = _reschedule(day)
        audit.record(
            actor=actor, action="calendar_remove", object_type="enforcement.calendarday",
            object_id=str(key), object_repr=f"{day} {before['kind']}", before=before,
            message=f"{why} (deadlines recounted: {moved})",
        )  # fmt: skip
    return day


def _reschedule(day: dt.date) -> int:
    from yingji.enforcement.services import publication  # noqa: PLC0415 - uses this module

    return publication.reschedule(day)

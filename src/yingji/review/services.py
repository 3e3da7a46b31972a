"""Writes of the cockpit: manual indicator values (entered and voided by the responsible
office, audited) and the daily snapshots that draw the trend lines.

A manual value may be entered by review staff (``review.manage``) whose jurisdiction covers
the region — the region's own office or one above it. Entering a value for a period that
already has one replaces it: the old row is voided, not overwritten, so what the cockpit
showed before stays on record.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from yingji.core import audit, jobs
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of
from yingji.kernels import codes
from yingji.regions.models import Level, Region
from yingji.review.indicators import INDICATORS, get
from yingji.review.indicators.base import UNITS, Row
from yingji.review.models import ManualValue, Snapshot

if TYPE_CHECKING:
    from yingji.core.models import User

SNAPSHOT_KIND: Final = "review.snapshot"
PERIOD_RE: Final = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
FIRST_YEAR, LAST_YEAR = 2020, 2035  # the plan's years, with room for the next plan
MAX_SOURCE, MAX_NOTE, MAX_REASON = 300, 1000, 300


def _text(raw: Any, field: str, limit: int, *, required: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput(f"{field} must be text", field=field)
    text = raw.strip()
    if required and not text:
        raise InvalidInput(f"{field} is required", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is limited to {limit} characters", field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in text) or text.startswith(("=", "+", "@")):
        raise InvalidInput(f"{field} must be plain text (no control characters or formulas)",
                           field=field)  # fmt: skip
    return text


def parse_period(raw: Any) -> tuple[str, dt.date]:
    """``2025`` or ``2025-06`` → the text and the period's first day; else InvalidInput."""
    text = raw.strip() if isinstance(raw, str) else ""
    match = PERIOD_RE.match(text[:8])
    if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise InvalidInput(
            f"period must be a year {FIRST_YEAR}–{LAST_YEAR} (2025) or a month (2025-06)",
            field="period",
        )
    return text, dt.date(int(match[1]), int(match[2] or 1), 1)


def parse_value(raw: Any, unit: str) -> float:
    """A finite number within the unit's range (0–100 for %, 0–1000 for ‰ …)."""
    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and len(raw) > 40):
        raise InvalidInput("value must be a number", field="value")
    try:
        number = float(Decimal(str(raw).strip()))
    except (InvalidOperation, ValueError):
        raise InvalidInput("value must be a number", field="value") from None
    low, high = UNITS.get(unit, (0.0, 1e9))
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(f"value must be between {low:g} and {high:g} {unit}", field="value")
    return round(number, 4)


def _region(actor: User, raw: Any) -> Region:
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        path = codes.short(codes.to_12(text[:12])) if text else ""
    except codes.CodeError:
        path = ""
    region = Region.objects.filter(path=path).first() if path else None
    if region is None or not jurisdiction_of(actor).covers(region.path):
        raise NotFound(f"No region {text[:12]!r} in your jurisdiction", field="region")
    return region


def enter_manual(actor: User, *, indicator: Any, region: Any, period: Any, value: Any,
                 source: Any, note: Any = "") -> ManualValue:  # fmt: skip
    """Record a manual indicator's value for a region and period (replacing a live one)."""
    require(actor, Cap.MANAGE_REVIEW)
    found = get(indicator) if isinstance(indicator, str) else None
    if found is None:
        raise NotFound(f"No indicator {str(indicator)[:64]!r}", field="indicator")
    if found.kind != "manual":
        raise InvalidInput("This indicator is computed from the platform's data; it cannot be "
                           "entered by hand", field="indicator")  # fmt: skip
    place = _region(actor, region)
    label, start = parse_period(period)
    number = parse_value(value, found.target.unit)
    source_text = _text(source, "source", MAX_SOURCE, required=True)
    note_text = _text(note, "note", MAX_NOTE)
    now = timezone.now()
    with transaction.atomic():
        old = (
            ManualValue.objects.select_for_update()
            .filter(indicator=found.id, region=place, period=label, voided_at__isnull=True)
            .first()
        )
        before = audit.snapshot(old) if old else None
        if old is not None:
            old.voided_at, old.voided_by, old.void_reason = now, actor, "replaced"
            old.save(update_fields=["voided_at", "voided_by", "void_reason"])
        row = ManualValue.objects.create(
            indicator=found.id, region=place, region_path=place.path, period=label,
            period_start=start, value=number, source=source_text, note=note_text,
            entered_by=actor, entered_at=now,
        )  # fmt: skip
        audit.record(actor=actor, action="update" if old else "create", obj=row,
                     region_path=place.path, before=before, after=audit.snapshot(row),
                     message=f"manual indicator {found.id}")  # fmt: skip
    return row


def void_manual(actor: User, pk: Any, *, reason: Any) -> ManualValue:
    """Void a live manual value (it stays on record, marked void, with who and why)."""
    require(actor, Cap.MANAGE_REVIEW)
    why = _text(reason, "reason", MAX_REASON, required=True)
    key = (
        int(pk)
        if isinstance(pk, int) or (isinstance(pk, str) and pk.isdigit() and len(pk) < 19)
        else 0
    )
    with transaction.atomic():
        row = ManualValue.objects.select_for_update().filter(pk=key, voided_at__isnull=True).first()
        if row is None or not jurisdiction_of(actor).covers(row.region_path):
            raise NotFound(f"No live manual value {str(pk)[:20]!r} in your jurisdiction")
        before = audit.snapshot(row)
        row.voided_at, row.voided_by, row.void_reason = timezone.now(), actor, why
        row.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit.record(actor=actor, action="void", obj=row, region_path=row.region_path,
                     before=before, after=audit.snapshot(row), message=why)  # fmt: skip
    return row


# ---------------------------------------------------------------- snapshots


def snapshot_scopes(depth: int = 6) -> list[str]:
    """The regions whose figure is computed for a snapshot: the province, the cities and (by
    default) the counties; each scope also yields its children, so townships get one too."""
    levels = [Level.PROVINCE, Level.CITY, Level.COUNTY][: {2: 1, 4: 2, 6: 3}[depth]]
    return list(
        Region.objects.filter(level__in=levels).order_by("path").values_list("path", flat=True)
    )


def snapshot_all(today: dt.date | None = None, *, depth: int = 6) -> dict[str, int]:
    """Compute every computed indicator for the snapshot scopes and store today's figures
    (running it twice on a day overwrites the day's rows)."""
    today = today or timezone.localdate()
    scopes = snapshot_scopes(depth)
    rows: dict[tuple[str, str], Snapshot] = {}
    for indicator in INDICATORS:
        if indicator.compute is None:
            continue
        for scope in scopes:
            result = indicator.compute(scope, today)
            rows[(indicator.id, scope)] = Snapshot(
                indicator=indicator.id, region_path=scope, date=today,
                value=result.value, num=result.num, den=result.den,
            )  # fmt: skip
            for child in result.by_region:
                _keep(rows, indicator.id, child, today)
    Snapshot.objects.bulk_create(
        list(rows.values()), batch_size=500, update_conflicts=True,
        unique_fields=["indicator", "region_path", "date"], update_fields=["value", "num", "den"],
    )  # fmt: skip
    return {"snapshots": len(rows), "scopes": len(scopes)}


def _keep(rows: dict[tuple[str, str], Snapshot], indicator: str, child: Row, day: dt.date) -> None:
    if child.own or (indicator, child.path) in rows:
        return  # a scope's own figure (computed over its whole subtree) wins
    rows[(indicator, child.path)] = Snapshot(
        indicator=indicator, region_path=child.path, date=day,
        value=child.value, num=child.num, den=child.den,
    )  # fmt: skip


@jobs.job_kind(SNAPSHOT_KIND, "规划指标快照 plan-target snapshots")
def run_snapshot(context: jobs.JobContext, today: str = "") -> dict[str, Any]:
    result = snapshot_all(dt.date.fromisoformat(today) if today else None)
    context.log(f"{result}")
    return result

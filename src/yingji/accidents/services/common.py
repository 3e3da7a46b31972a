"""Reading input the same way in every accident use case, and the timeline entry each writes.

Each reader takes the submitted mapping (a form's POST, an API body) and returns a clean
value or raises :class:`InvalidInput` naming the field and the rule; values that are not
text where text is expected, NUL characters, overlong text, numbers out of range and
malformed dates are all refused here, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone

from yingji.accidents.models import Accident, Event
from yingji.core.errors import InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_PEOPLE: Final = 100_000
MAX_LOSS: Final = Decimal("1e13")  # yuan; more than a province's GDP
TRUE: Final = frozenset({"1", "true", "on", "yes"})


def text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    raw = data.get(name)
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput(f"{name}: must be text", field=name)
    value = raw.strip()
    if "\x00" in value:
        raise InvalidInput(f"{name}: contains a NUL character", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit} characters ({len(value)} given)", field=name)
    if required and not value:
        raise InvalidInput(f"{name}: required", field=name)
    return value


def choice(data: Mapping[str, Any], name: str, choices: Sequence[str], default: str = "") -> str:
    raw = data.get(name)
    value = (raw if isinstance(raw, str) else "" if raw is None else str(raw)).strip() or default
    if value not in choices:
        if not value:
            raise InvalidInput(f"{name}: required, one of {', '.join(choices)}", field=name)
        raise InvalidInput(f"{name}: {value[:30]!r} is not one of {', '.join(choices)}", field=name)
    return value


def whole(
    data: Mapping[str, Any], name: str, *, default: int = 0, low: int = 0, high: int = MAX_PEOPLE
) -> int:
    raw = data.get(name)
    if raw is None or raw == "":
        return default
    textual = str(raw).strip()
    if isinstance(raw, bool) or not (textual.isascii() and textual.isdecimal()):
        raise InvalidInput(f"{name}: must be a whole number ≥ {low}", field=name)
    value = int(textual[:12])
    if len(textual) > 12 or not low <= value <= high:
        raise InvalidInput(f"{name}: must lie between {low} and {high}", field=name)
    return value


def yuan(data: Mapping[str, Any], name: str, *, default: Decimal | None = None) -> Decimal:
    raw = data.get(name)
    if raw is None or raw == "":
        return default if default is not None else Decimal("0.00")
    if isinstance(raw, bool) or len(str(raw)) > 30:
        raise InvalidInput(f"{name}: must be an amount of yuan ≥ 0", field=name)
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value > MAX_LOSS:
        raise InvalidInput(f"{name}: must be an amount of yuan between 0 and 10^13", field=name)
    return value.quantize(Decimal("0.01"))


def day(
    data: Mapping[str, Any], name: str, *, default: dt.date | None = None, required: bool = True
) -> dt.date | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if default is None and required:
            raise InvalidInput(f"{name}: required (YYYY-MM-DD)", field=name)
        return default
    if isinstance(raw, dt.datetime):
        return timezone.localdate(raw) if timezone.is_aware(raw) else raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        raise InvalidInput(
            f"{name}: {str(raw)[:20]!r} is not a date (YYYY-MM-DD)", field=name
        ) from None


def moment(data: Mapping[str, Any], name: str) -> dt.datetime:
    raw = data.get(name)
    if raw is None or raw == "":
        raise InvalidInput(f"{name}: required (2026-07-01T09:30)", field=name)
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw).strip()[:40])
        except ValueError:
            raise InvalidInput(
                f"{name}: {str(raw)[:30]!r} is not a date and time (2026-07-01T09:30)", field=name
            ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def flag(data: Mapping[str, Any], name: str) -> bool:
    raw = data.get(name)
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in TRUE)


def coordinate(data: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    raw = data.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(str(raw)[:30])
    except (TypeError, ValueError):
        raise InvalidInput(f"{name}: {str(raw)[:20]!r} is not a number", field=name) from None
    if not low <= value <= high:
        raise InvalidInput(f"{name}: {value} lies outside {low} … {high}", field=name)
    return value


def pk_of(raw: Any, name: str) -> int | None:
    """A primary key given as a number or digits (None when empty)."""
    if raw is None or raw == "":
        return None
    textual = str(getattr(raw, "pk", raw)).strip()
    if isinstance(raw, bool) or not (textual.isascii() and textual.isdigit()) or len(textual) > 18:
        raise InvalidInput(f"{name}: {textual[:20]!r} is not an id", field=name)
    return int(textual)


def event(
    accident: Accident,
    action: str,
    *,
    actor: Actor | None,
    note: str = "",
    before: str = "",
    after: str = "",
    at: dt.datetime | None = None,
) -> Event:
    """The timeline entry of a step (the audit entry is written next to it)."""
    user = actor if actor is not None and actor.is_authenticated else None
    return Event.objects.create(
        accident=accident,
        action=action,
        from_state=before,
        to_state=after,
        note=note[:1000],
        actor=user,
        actor_label=user.get_username() if user else "(system)",
        at=at or timezone.now(),
    )

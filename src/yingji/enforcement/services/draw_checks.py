"""Input checks of the draw part (lists, pool filters, plans): one message per mistake,
naming the field, so a form, the API and an Excel row refuse the same value the same way."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from yingji.core.errors import InvalidInput
from yingji.core.scoping import jurisdiction_of
from yingji.kernels import codes
from yingji.kernels.draws import MIN_SHARE
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

KEY_COLOURS: Final = ("red", "orange", "yellow")  # blue in full would not be a sample
PREFIX_RE: Final = re.compile(r"^[A-T]\d{0,4}$")  # GB/T 4754: a section letter, 0–4 digits
POINT_ID_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
MAX_POINTS: Final = 100
MAX_PREFIXES: Final = 30
_TRUE: Final = {"1", "true", "on", "yes", "y", "是"}
_FALSE: Final = {"", "0", "false", "off", "no", "n", "否", "none"}


def text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    raw = data.get(name)
    value = "" if raw is None else str(raw).strip()
    if "\x00" in value:
        raise InvalidInput(f"{name}: contains a NUL character", field=name)
    if required and not value:
        raise InvalidInput(f"{name}: required", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit} characters ({len(value)} given)", field=name)
    return value


def choice(data: Mapping[str, Any], name: str, allowed: Iterable[str]) -> str:
    options = list(allowed)
    value = str(data.get(name) or "").strip()
    if value not in options:
        raise InvalidInput(f"{name}: {value[:20]!r} is not one of {', '.join(options)}", field=name)
    return value


def flag(data: Mapping[str, Any], name: str, default: bool = False) -> bool:
    raw = data.get(name, default)
    if isinstance(raw, bool):
        return raw
    value = "" if raw is None else str(raw).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidInput(f"{name}: {value[:20]!r} is not yes or no", field=name)


def words(raw: Any, name: str) -> list[str]:
    """A list from a list or from text separated by commas (any width), 、 or spaces."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, list | tuple):
        items = [str(v).strip() for v in raw]
    elif isinstance(raw, str):
        items = [v.strip() for v in re.split(r"[,，、;；\s]+", raw)]
    else:
        raise InvalidInput(f"{name}: give a list or comma-separated text", field=name)
    if len(items) > 200:
        raise InvalidInput(f"{name}: too many values ({len(items)})", field=name)
    return [v for v in dict.fromkeys(items) if v]


def clean_share(raw: Any, name: str = "share") -> float:
    """A fraction 0.05–1 (also "5%"): the kernel, and the rules (≥ 5 %), refuse anything less."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise InvalidInput(f"{name}: required, a fraction between {MIN_SHARE} and 1", field=name)
    try:
        text_value = str(raw).strip()
        value = float(text_value[:-1]) / 100 if text_value.endswith("%") else float(text_value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{name}: {str(raw)[:20]!r} is not a number", field=name) from None
    if not math.isfinite(value) or not MIN_SHARE <= value <= 1:
        raise InvalidInput(
            f"{name}: must be between {MIN_SHARE:.0%} and 100% (at least 5 % of entities are "
            f"drawn; {str(raw)[:20]} given)",
            field=name,
        )
    return round(value, 6)


def clean_key_colours(raw: Any, name: str = "key_colours") -> list[str]:
    chosen = words(raw, name)
    wrong = [c for c in chosen if c not in KEY_COLOURS]
    if wrong:
        raise InvalidInput(
            f"{name}: {wrong[0][:20]!r} is not one of {', '.join(KEY_COLOURS)}", field=name
        )
    return [c for c in KEY_COLOURS if c in chosen]


def clean_prefixes(raw: Any, name: str) -> list[str]:
    """GB/T 4754 code prefixes (C, C26, C2614) an item or a filter applies to."""
    found = [p.upper() for p in words(raw, name)]
    if len(found) > MAX_PREFIXES:
        raise InvalidInput(f"{name}: at most {MAX_PREFIXES} industry codes", field=name)
    wrong = [p for p in found if not PREFIX_RE.match(p)]
    if wrong:
        raise InvalidInput(
            f"{name}: {wrong[0][:20]!r} is not a GB/T 4754 code or prefix "
            "(a letter A–T and up to 4 digits, e.g. C26)",
            field=name,
        )
    if len(",".join(found)) > 200:
        raise InvalidInput(f"{name}: at most 200 characters in all", field=name)
    return list(dict.fromkeys(found))


def clean_region(actor: Actor, raw: Any, name: str, *, levels: Iterable[str] | None) -> Region:
    """A region of the actor's jurisdiction (by 6- or 12-digit code), at an allowed level."""
    value = str(raw or "").strip()
    try:
        code = codes.to_12(value)
    except codes.CodeError as exc:
        raise InvalidInput(f"{name}: {value[:20]!r}: {exc}", field=name) from None
    region = Region.objects.filter(pk=code).first()
    if region is None or not jurisdiction_of(actor).covers(region.path):
        raise InvalidInput(f"{name}: no region {value[:20]} in your jurisdiction", field=name)
    allowed = list(levels) if levels is not None else None
    if allowed is not None and region.level not in allowed:
        raise InvalidInput(
            f"{name}: must be a {'/'.join(allowed)}, not a {region.level}", field=name
        )
    return region


def clean_checklist(raw: Any) -> list[dict[str, str]]:
    """The 抽查细则: 1–100 points ``{"id", "text", "basis"}``, ids unique (a finding per point)."""
    name = "checklist"
    if not isinstance(raw, list | tuple) or not raw:
        raise InvalidInput(f"{name}: give at least one check point", field=name)
    if len(raw) > MAX_POINTS:
        raise InvalidInput(f"{name}: at most {MAX_POINTS} check points", field=name)
    points: list[dict[str, str]] = []
    for number, point in enumerate(raw, start=1):
        if not isinstance(point, Mapping):
            raise InvalidInput(f"{name}: point {number} must have id, text and basis", field=name)
        unknown = set(point) - {"id", "text", "basis"}
        if unknown:
            raise InvalidInput(
                f"{name}: point {number}: unknown key {sorted(unknown)[0]!r}", field=name
            )
        try:
            pid, what = text(point, "id", 20), text(point, "text", 300)
            basis = text(point, "basis", 300, required=False)
        except InvalidInput as exc:
            raise InvalidInput(f"{name}: point {number}: {exc.message}", field=name) from None
        if not POINT_ID_RE.match(pid):
            raise InvalidInput(
                f"{name}: point {number}: id {pid!r} may hold letters, digits, '.', '-' or '_'",
                field=name,
            )
        if any(p["id"] == pid for p in points):
            raise InvalidInput(f"{name}: point id {pid!r} is used twice", field=name)
        points.append({"id": pid, "text": what, "basis": basis})
    return points

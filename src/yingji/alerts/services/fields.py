"""Reading a warning's fields and areas as drafters send them: every value checked, every
refusal an ``InvalidInput`` (or ``NotFound`` for a region outside the jurisdiction) naming the
field, so nothing half-checked reaches the lifecycle (:mod:`yingji.alerts.services`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.alerts import catalogue
from yingji.alerts.models import Area, Certainty, Urgency
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.scoping import jurisdiction_of
from yingji.regions.models import Region

if TYPE_CHECKING:
    from yingji.core.models import User

EDITABLE: Final = (
    "event_type", "level", "urgency", "certainty", "headline", "description", "instruction",
    "headline_en", "description_en", "instruction_en", "onset", "expires",
)  # fmt: skip
TEXT_LIMITS: Final = {
    "headline": 200, "description": 4000, "instruction": 4000,
    "headline_en": 200, "description_en": 4000, "instruction_en": 4000,
}  # fmt: skip
MAX_AREAS: Final = 200
MAX_POLYGON_POINTS: Final = 1000
LONGEST: Final = dt.timedelta(days=30)  # a warning that long is a mistake, not a warning


def sender(actor: User, code: Any) -> Region:
    if code in (None, ""):
        home: Region | None = getattr(actor, "region", None)
        if home is None:
            raise InvalidInput(_("Choose the issuing office (sender)"), field="sender")
        return home
    region = (
        Region.objects.filter(code=str(code)[:12].ljust(12, "0")).first()
        if str(code).isdigit()
        else None
    )
    if region is None or not jurisdiction_of(actor).covers(region.path):
        raise NotFound(
            _("No region %(code)r in your jurisdiction") % {"code": str(code)[:12]}, field="sender"
        )
    return region


def parse_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in data:
            if not partial and name in (
                "event_type",
                "level",
                "headline",
                "description",
                "expires",
            ):
                raise InvalidInput(_("%(field)s is required") % {"field": name}, field=name)
            continue
        out[name] = value(name, data[name])
    if not partial:
        check_times(out.get("onset"), out["expires"])
    return out


def value(name: str, raw: Any) -> Any:
    if name == "event_type":
        if raw not in catalogue.BY_CODE:
            raise InvalidInput(
                _("Unknown warning type %(given)r") % {"given": str(raw)[:20]}, field=name
            )
        return raw
    if name == "level":
        if isinstance(raw, bool) or (
            not isinstance(raw, int) and not (isinstance(raw, str) and raw.isdigit())
        ):
            raise InvalidInput(_("level must be 0 (蓝) to 3 (红)"), field=name)
        level = int(raw)
        if not 0 <= level <= 3:
            raise InvalidInput(_("level must be 0 (蓝) to 3 (红)"), field=name)
        return level
    if name in ("urgency", "certainty"):
        choices = Urgency.values if name == "urgency" else Certainty.values
        if raw not in choices:
            raise InvalidInput(
                _("%(field)s must be one of %(choices)s")
                % {"field": name, "choices": ", ".join(choices)},
                field=name,
            )
        return raw
    if name in ("onset", "expires"):
        return moment(name, raw)
    if not isinstance(raw, str):
        raise InvalidInput(_("%(field)s must be text") % {"field": name}, field=name)
    text = raw.strip()
    if len(text) > TEXT_LIMITS[name]:
        raise InvalidInput(
            _("%(field)s is %(n)d characters; at most %(max)d")
            % {"field": name, "n": len(text), "max": TEXT_LIMITS[name]},
            field=name,
        )
    return text


def moment(name: str, raw: Any) -> dt.datetime | None:
    if raw in (None, ""):
        if name == "expires":
            raise InvalidInput(_("expires is required"), field=name)
        return None
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, str) and len(raw) <= 40:
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            moment = None
    else:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise InvalidInput(
            _("%(field)s must be an ISO 8601 time with offset, e.g. 2024-07-01T08:00:00+08:00")
            % {"field": name},
            field=name,
        )
    return moment


def check_times(onset: dt.datetime | None, expires: dt.datetime) -> None:
    start = onset or timezone.now()
    if expires <= start:
        raise InvalidInput(_("expires must be after the onset"), field="expires")
    if expires - start > LONGEST:
        raise InvalidInput(_("a warning lasts at most 30 days"), field="expires")


def check_type_level(event_type: str, level: int) -> None:
    kind = catalogue.BY_CODE[event_type]
    if level not in kind.levels:
        names = "、".join(catalogue.LEVEL_NAMES[lv] for lv in kind.levels)
        raise InvalidInput(
            _("%(type)s has no %(level)s signal; it has %(levels)s")
            % {"type": kind.name, "level": catalogue.LEVEL_NAMES[level], "levels": names},
            field="level",
        )


def parse_areas(actor: User, raw: Any) -> list[Area]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(
            _("Give at least one area (a region, a polygon or a circle)"), field="areas"
        )
    if len(raw) > MAX_AREAS:
        raise InvalidInput(_("At most %(n)d areas") % {"n": MAX_AREAS}, field="areas")
    scope = jurisdiction_of(actor)
    areas = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, Mapping):
            raise InvalidInput(_("area %(i)d must be an object") % {"i": i}, field="areas")
        area = Area(description=str(item.get("description") or "")[:200])
        if item.get("region") not in (None, ""):
            code = str(item["region"])[:12]
            region = (
                Region.objects.filter(code=code.ljust(12, "0")).first() if code.isdigit() else None
            )
            if region is None or not scope.covers(region.path):
                raise NotFound(
                    _("area %(i)d: no region %(code)r in your jurisdiction")
                    % {"i": i, "code": code},
                    field="areas",
                )
            area.region = region
            area.description = area.description or region.name
        if item.get("polygon") is not None:
            area.polygon = polygon(i, item["polygon"])
        if item.get("circle") is not None:
            area.circle = circle(i, item["circle"])
        if area.region is None and area.polygon is None and area.circle is None:
            raise InvalidInput(
                _("area %(i)d needs a region, a polygon or a circle") % {"i": i}, field="areas"
            )
        if not area.description:
            raise InvalidInput(_("area %(i)d needs a description") % {"i": i}, field="areas")
        areas.append(area)
    return areas


def point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    lat, lon = value
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (lat, lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lat), float(lon)


def polygon(i: int, raw: Any) -> list[list[float]]:
    points = [point(p) for p in raw] if isinstance(raw, list) else [None]
    if None in points or not 4 <= len(points) <= MAX_POLYGON_POINTS or points[0] != points[-1]:
        raise InvalidInput(
            _("area %(i)d: a polygon is 4 to %(max)d [lat, lon] points, the first repeated last")
            % {"i": i, "max": MAX_POLYGON_POINTS},
            field="areas",
        )
    return [list(p) for p in points if p is not None]


def circle(i: int, raw: Any) -> list[float]:
    ok = isinstance(raw, list) and len(raw) == 3 and point(raw[:2]) is not None
    radius = raw[2] if ok else None
    if (
        not ok
        or isinstance(radius, bool)
        or not isinstance(radius, (int, float))
        or not 0 < radius <= 500
    ):
        raise InvalidInput(
            _("area %(i)d: a circle is [lat, lon, radius km], radius above 0 and at most 500")
            % {"i": i},
            field="areas",
        )
    return [float(raw[0]), float(raw[1]), float(radius)]

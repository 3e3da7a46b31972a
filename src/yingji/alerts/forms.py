"""What the warning pages put in their forms and read back from them.

No rule lives here: :mod:`yingji.alerts.services` decides what is valid. This module turns a
request's fields into the mapping the services take (times typed in Beijing time, region
codes, one or more shapes as JSON text) and a warning back into the form's values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.alerts import catalogue
from yingji.alerts.models import Certainty, Guidance, Urgency, Warning
from yingji.core.errors import InvalidInput
from yingji.kernels import codes
from yingji.regions.models import Level, Region

if TYPE_CHECKING:
    from yingji.core.models import User

TEXT_FIELDS: Final = (
    "headline", "description", "instruction", "headline_en", "description_en", "instruction_en",
)  # fmt: skip
MAX_REGION_CHOICES: Final = 400
LOCAL_FORMAT: Final = "%Y-%m-%dT%H:%M"
FIELD_LABELS: Final = {
    "event_type": gettext_lazy("Warning type"),
    "level": gettext_lazy("Level"),
    "urgency": gettext_lazy("Urgency"),
    "certainty": gettext_lazy("Certainty"),
    "headline": gettext_lazy("Headline"),
    "description": gettext_lazy("Warning description"),
    "instruction": gettext_lazy("Defence guide"),
    "onset": gettext_lazy("Onset"),
    "expires": gettext_lazy("Expires"),
    "areas": gettext_lazy("Areas"),
    "shapes": gettext_lazy("Polygon or circle"),
    "sender": gettext_lazy("Issuing office"),
}


def _moment(name: str, raw: str) -> str | None:
    """A ``datetime-local`` value (Beijing time) or an ISO time with offset → ISO with offset."""
    text = raw.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("%(field)s: %(value)r is not a date and time") % {"field": name, "value": text[:40]},
            field=name,
        ) from None
    if moment.utcoffset() is None:
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment.isoformat()


def _shape(item: Any, description: str) -> dict[str, Any]:
    if isinstance(item, Mapping):
        shape = {k: item[k] for k in ("polygon", "circle", "description") if k in item}
        shape.setdefault("description", description)
        return shape
    if isinstance(item, list) and item and all(isinstance(p, list) for p in item):
        return {"polygon": item, "description": description}
    if isinstance(item, list) and len(item) == 3:
        return {"circle": item, "description": description}
    raise InvalidInput(
        _("Give a polygon [[lat, lon], …], a circle [lat, lon, km] or a list of them"),
        field="shapes",
    )


def shapes(raw: str, description: str) -> list[dict[str, Any]]:
    """The JSON text of the shape field: one polygon, one circle, or a list of
    ``{"polygon"|"circle": …, "description": …}`` objects."""
    text = raw.strip()
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidInput(_("The shape is not valid JSON"), field="shapes") from None
    label = description.strip()[:200] or _("Drawn area")
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return [_shape(v, label) for v in value]
    return [_shape(value, label)]


def area_data(post: Mapping[str, Any], getlist: Any) -> list[dict[str, Any]]:
    """Region areas (the select and the code field) followed by the shapes."""
    chosen = [str(code) for code in getlist("region") if str(code).strip()]
    typed = [c for c in re.split(r"[\s,，、;；]+", str(post.get("region_codes", ""))) if c]
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for code in [*chosen, *typed]:
        key = code.strip()[:12]
        if key not in seen:
            seen.add(key)
            out.append({"region": key})
    out += shapes(str(post.get("shapes", "")), str(post.get("shape_description", "")))
    return out


def draft_data(post: Any) -> dict[str, Any]:
    """The service's input from a posted form (``post`` is ``request.POST``)."""
    data: dict[str, Any] = {name: str(post.get(name, ""))[:4100] for name in TEXT_FIELDS}
    data["event_type"] = str(post.get("event_type", ""))[:20]
    data["level"] = str(post.get("level", ""))[:2]
    data["urgency"] = str(post.get("urgency", "")) or Urgency.EXPECTED
    data["certainty"] = str(post.get("certainty", "")) or Certainty.LIKELY
    data["onset"] = _moment("onset", str(post.get("onset", ""))[:40])
    data["expires"] = _moment("expires", str(post.get("expires", ""))[:40]) or ""
    kind = catalogue.BY_CODE.get(data["event_type"])
    if not data["headline"].strip() and kind and data["level"].isdigit():
        level = int(data["level"])
        if level in kind.levels:
            data["headline"] = catalogue.title(kind.code, level)
    data["areas"] = area_data(post, post.getlist)
    return data


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime(LOCAL_FORMAT) if moment else ""


def initial(user: User) -> dict[str, Any]:
    """A new form: onset now, expiring in 24 hours, the user's home region as the area."""
    now = timezone.now()
    region = getattr(user, "region", None)
    return {
        "event_type": "",
        "level": "",
        "urgency": Urgency.EXPECTED,
        "certainty": Certainty.LIKELY,
        "onset": _local(now),
        "expires": _local(now + dt.timedelta(hours=24)),
        "regions": [region.code] if region is not None and region.level != Level.PROVINCE else [],
        "region_codes": "",
        "shapes": "",
        **dict.fromkeys(TEXT_FIELDS, ""),
    }


def values_of(warning: Warning) -> dict[str, Any]:
    """A draft's form values."""
    regions = []
    drawn = []
    for area in warning.areas.select_related("region").order_by("pk"):
        if area.region is not None and area.polygon is None and area.circle is None:
            regions.append(area.region.code)
            continue
        shape: dict[str, Any] = {"description": area.description}
        if area.region is not None:
            regions.append(area.region.code)
        if area.polygon is not None:
            shape["polygon"] = area.polygon
        if area.circle is not None:
            shape["circle"] = area.circle
        if len(shape) > 1:
            drawn.append(shape)
    return {
        "event_type": warning.event_type,
        "level": str(warning.level),
        "urgency": warning.urgency,
        "certainty": warning.certainty,
        "onset": _local(warning.onset),
        "expires": _local(warning.expires),
        "regions": regions,
        "region_codes": "",
        "shapes": json.dumps(drawn, ensure_ascii=False) if drawn else "",
        **{name: getattr(warning, name) for name in TEXT_FIELDS},
    }


def posted(post: Any) -> dict[str, Any]:
    """The values to show again when the service refused a posted form."""
    values: dict[str, Any] = {name: str(post.get(name, ""))[:4100] for name in TEXT_FIELDS}
    for name in ("event_type", "level", "urgency", "certainty", "onset", "expires",
                 "region_codes", "shapes", "shape_description"):  # fmt: skip
        values[name] = str(post.get(name, ""))[:20_000]
    values["regions"] = [str(code)[:12].ljust(12, "0") for code in post.getlist("region")]
    return values


def _depth(path: str) -> int:
    return codes.SHORT_LENGTHS.index(len(path))


def region_choices(user: User, selected: list[str]) -> list[dict[str, Any]]:
    """The home region and the counties and townships under it (at most 400), for the select."""
    home = getattr(user, "region", None)
    if home is None:
        return []
    low, high = codes.subtree_bounds(home.path)
    qs = Region.objects.filter(
        path__gte=low,
        path__lt=high,
        level__in=(Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP),
    ).order_by("path")
    rows = list(qs.only("code", "name", "level", "path")[:MAX_REGION_CHOICES])
    picked = set(selected)
    return [
        {
            "code": r.code,
            "name": r.name,
            "label": "\u3000" * (_depth(r.path) - _depth(home.path)) + r.name,
            "display": codes.display(r.code),
            "selected": r.code in picked,
        }
        for r in rows
    ]


def type_options() -> list[dict[str, Any]]:
    """Every type with the colours it has, its titles and the 防御指南 stored for it, for the
    form's script (level choices and prefills)."""
    guides: dict[str, dict[int, str]] = {}
    for guide in Guidance.objects.all():
        guides.setdefault(guide.event_type, {})[guide.level] = guide.instruction
    return [
        {
            "code": kind.code,
            "name": kind.name,
            "levels": list(kind.levels),
            "titles": {str(lv): catalogue.title(kind.code, lv) for lv in kind.levels},
            "guidance": {str(lv): text for lv, text in guides.get(kind.code, {}).items()},
        }
        for kind in catalogue.BY_CODE.values()
    ]


def level_choices() -> list[tuple[int, str]]:
    return [(lv, f"{catalogue.LEVEL_NAMES[lv]}（{catalogue.LEVEL_GRADES[lv]}）") for lv in range(4)]

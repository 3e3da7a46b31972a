"""What the incident pages put in their forms and read back from them.

No rule lives here: :mod:`yingji.incidents.services` decides what is valid and names the
field at fault. This module turns a posted form into the mapping the services take (figures
typed with a Chinese input method's full-width digits made plain, times typed in Beijing
time passed on as typed) and gives the forms their choices: the types grouped by category,
the regions of the user's jurisdiction where an incident can be placed, the people who may
hold a role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.errors import InvalidInput
from yingji.incidents import catalogue
from yingji.incidents.models import Incident
from yingji.kernels import codes
from yingji.regions.models import Level, Region

if TYPE_CHECKING:
    from yingji.core.models import User

LOCAL_FORMAT: Final = "%Y-%m-%dT%H:%M"
MAX_REGION_CHOICES: Final = 400
FIGURES: Final = ("dead", "missing", "seriously_injured", "direct_loss_yuan")
TEXTS: Final = ("title", "description", "unit", "measures", "other", "address")
CLIP: Final = 6000  # longer than any field allows, so the service still names the field
FIELD_LABELS: Final = {
    "event_type": gettext_lazy("Type"),
    "region": gettext_lazy("Place of the incident"),
    "occurred_at": gettext_lazy("Occurred at"),
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("What happened"),
    "unit": gettext_lazy("Unit overview (单位概况)"),
    "measures": gettext_lazy("Measures taken"),
    "other": gettext_lazy("Other matters"),
    "address": gettext_lazy("Address or landmark"),
    "dead": gettext_lazy("Dead"),
    "missing": gettext_lazy("Missing"),
    "seriously_injured": gettext_lazy("Seriously injured"),
    "direct_loss_yuan": gettext_lazy("Direct loss (yuan)"),
    "lon": gettext_lazy("Position on the map"),
    "photo": gettext_lazy("Photo"),
}
# Levels listed below a home region in the picker: two levels down, villages only from a
# township (a county has hundreds of villages; a village is found through its township).
_LISTED: Final = {
    Level.PROVINCE: (Level.CITY, Level.COUNTY),
    Level.CITY: (Level.COUNTY, Level.TOWNSHIP),
    Level.COUNTY: (Level.TOWNSHIP,),
    Level.TOWNSHIP: (Level.VILLAGE,),
    Level.VILLAGE: (),
}


def clip(raw: Any, n: int = CLIP) -> str:
    return str(raw or "")[:n]


_FULL_WIDTH: Final = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def _figure(raw: str) -> str:
    """Full-width digits (１２, from a Chinese input method) as plain ones. Anything else that
    is not ASCII (², ٣) is marked so that the service refuses it as not a number."""
    text = raw.strip().translate(_FULL_WIDTH)
    return text if text.isascii() else f"?{text}"


def report_data(post: Any) -> dict[str, Any]:
    """The service's input from a posted report form (``post`` is ``request.POST``)."""
    data: dict[str, Any] = {name: clip(post.get(name)) for name in TEXTS}
    for name in FIGURES:
        data[name] = _figure(clip(post.get(name), 40))
    for name in ("event_type", "region", "occurred_at", "lon", "lat", "kind"):
        data[name] = clip(post.get(name), 60).strip()
    return data


def posted(post: Any) -> dict[str, Any]:
    """The values to show again when the service refused a posted form: as typed."""
    names = (*TEXTS, *FIGURES, "event_type", "region", "occurred_at", "lon", "lat", "kind")
    return {name: clip(post.get(name)) for name in names}


def no_nul(raw: Any, field: str, n: int) -> str:
    """A short free text (a note): NUL refused, as the services do for their longer texts."""
    text = clip(raw, n + 1)
    if "\x00" in text:
        raise InvalidInput(_("%(field)s contains a NUL character") % {"field": field}, field=field)
    if len(text) > n:
        raise InvalidInput(
            _("%(field)s is longer than %(n)d characters") % {"field": field, "n": n}, field=field
        )
    return text.strip()


def local(moment: Any) -> str:
    return timezone.localtime(moment).strftime(LOCAL_FORMAT) if moment else ""


def initial(user: User) -> dict[str, Any]:
    """A new report: now, at the user's home region when an incident can be placed there."""
    home = getattr(user, "region", None)
    region = home.code if home is not None and len(home.path) >= 6 else ""
    return {
        "event_type": "",
        "region": region,
        "occurred_at": local(timezone.now()),
        **dict.fromkeys(TEXTS, ""),
        **dict.fromkeys(FIGURES, ""),
        "lon": "",
        "lat": "",
    }


def followup_initial(incident: Incident) -> dict[str, Any]:
    """The 续报 form: the current figures, to be changed where they changed."""
    loss = incident.direct_loss_yuan
    return {
        "kind": "update",
        "dead": incident.dead,
        "missing": incident.missing,
        "seriously_injured": incident.seriously_injured,
        "direct_loss_yuan": f"{loss:f}".rstrip("0").rstrip(".") if loss else "0",
        "description": "",
        "unit": "",
        "measures": "",
        "other": "",
    }


def type_groups() -> list[dict[str, Any]]:
    """The types, grouped by category, for the select."""
    names = dict(catalogue.CATEGORIES)
    return [
        {"label": names[category], "category": category, "types": list(types)}
        for category, types in catalogue.TYPES.items()
    ]


def _depth(path: str) -> int:
    return codes.SHORT_LENGTHS.index(len(path))


def region_choices(user: User, selected: str) -> list[dict[str, Any]]:
    """The user's home region and the levels listed under it (at most 400); regions above a
    county are shown as headings only (an incident is placed at a county or below)."""
    home = getattr(user, "region", None)
    if home is None:
        return []
    levels = (home.level, *_LISTED.get(home.level, ()))
    low, high = codes.subtree_bounds(home.path)
    rows = list(
        Region.objects.filter(path__gte=low, path__lt=high, level__in=levels)
        .order_by("path")
        .only("code", "name", "level", "path")[:MAX_REGION_CHOICES]
    )
    try:
        picked = codes.to_12(selected)
    except codes.CodeError:
        picked = ""
    return [
        {
            "code": r.code,
            "label": "\u3000" * (_depth(r.path) - _depth(home.path)) + r.name,
            "display": codes.display(r.code),
            "placeable": len(r.path) >= 6,
            "selected": r.code == picked,
        }
        for r in rows
    ]


def js_strings() -> dict[str, str]:
    """What the room's script says, translated here so the script holds no text."""
    return {
        "dueIn": str(_("due in {t}")),
        "overdueBy": str(_("overdue by {t}")),
        "met": str(_("met ✓")),
        "closed": str(_("window closed")),
        "late": str(_("met late, {t} after the limit")),
        "days": str(_("{n} d")),
        "live": str(_("Live")),
        "reconnecting": str(_("Reconnecting…")),
        "older": str(_("Older entries")),
        "photo": str(_("Photo")),
        "pickOnMap": str(_("Click the map to place the incident")),
        "placed": str(_("Placed at {lon}, {lat}")),
    }

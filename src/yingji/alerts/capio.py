"""The bridge between warnings and CAP 1.2 (:mod:`yingji.kernels.cap`): out and in.

- :func:`to_cap` renders a warning as a CAP alert: ``Draft`` status until it is issued (so a
  draft that leaks is never mistaken for a real warning), ``Actual`` once issued; an Update or
  Cancel ``references`` the warning it replaces; one ``zh-CN`` info, plus an ``en-US`` one
  when the English fields are filled; region areas carry their GB/T 2260 code as a geocode.
- :func:`from_cap` reads an upstream CAP file (through the kernel's hostile-input gates and
  the OASIS schema) into a new draft of the actor's office, through the same
  :func:`yingji.alerts.services.create_draft` as a hand-written one. Only the areas in the
  actor's jurisdiction are kept; a file with none, with an unknown severity or anything else
  invalid is refused whole (``InvalidInput`` with the reason) and nothing is created.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.alerts import catalogue, services
from yingji.alerts.models import MsgType, Source, State, Warning
from yingji.core.errors import InvalidInput
from yingji.core.scoping import jurisdiction_of
from yingji.kernels import cap, codes
from yingji.regions.models import Region

if TYPE_CHECKING:
    from yingji.core.models import User

GEOCODE: Final = "GB/T 2260"
EVENT_CODE: Final = "GB/T 35561"
ACTUAL_STATES: Final = (State.ISSUED, State.UPDATED, State.CANCELLED, State.EXPIRED)
CONTENT_TYPE: Final = "application/cap+xml"


def sender_id(region: Region) -> str:
    """The CAP ``sender`` of an office: stable, without spaces or commas."""
    return f"yingji@{region.code[:6]}"


def _identifier(warning: Warning) -> str:
    return warning.identifier or f"yingji-draft-{warning.sender.code[:6]}-{warning.pk}"


def _area(area: Any) -> cap.Area:
    geocodes = ((GEOCODE, codes.display(area.region.code)),) if area.region is not None else ()
    polygons = (tuple((p[0], p[1]) for p in area.polygon),) if area.polygon else ()
    circles = (cap.Circle(*area.circle),) if area.circle else ()
    return cap.Area(
        area_desc=area.description, polygons=polygons, circles=circles, geocodes=geocodes
    )


def _info(warning: Warning, areas: tuple[cap.Area, ...], *, english: bool) -> cap.Info:
    kind = catalogue.BY_CODE[warning.event_type]
    suffix = "_en" if english else ""
    return cap.Info(
        language="en-US" if english else "zh-CN",
        categories=(kind.category,),  # type: ignore[arg-type]  # coerced by Info
        event=kind.code.replace("_", " ").capitalize() if english else kind.name,
        response_types=("AllClear",) if warning.msg_type == MsgType.CANCEL else (),  # type: ignore[arg-type]
        urgency=warning.urgency,  # type: ignore[arg-type]
        severity=cap.severity_for_level(warning.level),
        certainty=warning.certainty,  # type: ignore[arg-type]
        event_codes=((EVENT_CODE, kind.event_code),) if kind.event_code else (),
        onset=warning.onset,
        expires=warning.expires,
        sender_name=warning.sender.name,
        headline=getattr(warning, "headline" + suffix) or warning.headline,
        description=getattr(warning, "description" + suffix) or warning.description,
        instruction=getattr(warning, "instruction" + suffix) or warning.instruction or None,
        areas=areas,
    )


def to_cap(warning: Warning) -> cap.Alert:
    """The warning as a CAP 1.2 alert (``Draft`` status until it has been issued)."""
    actual = warning.state in ACTUAL_STATES
    areas = tuple(_area(a) for a in warning.areas.select_related("region").order_by("pk"))
    infos = [_info(warning, areas, english=False)]
    if warning.headline_en or warning.description_en:
        infos.append(_info(warning, areas, english=True))
    references: tuple[cap.Reference, ...] = ()
    original = warning.references
    if original is not None and original.identifier and original.issued_at is not None:
        references = (
            cap.Reference(sender_id(original.sender), original.identifier, original.issued_at),
        )
    return cap.Alert(
        identifier=_identifier(warning),
        sender=sender_id(warning.sender),
        sent=warning.issued_at or warning.updated_at or timezone.now(),
        status=cap.Status.ACTUAL if actual else cap.Status.DRAFT,
        msg_type=warning.msg_type,  # type: ignore[arg-type]  # coerced by Alert
        scope=cap.Scope.PUBLIC,
        source=None if actual else f"Yingji draft #{warning.pk} ({warning.state})",
        references=references,
        infos=tuple(infos),
    )


def to_xml(warning: Warning) -> bytes:
    """The warning's CAP document, signed when a key and certificate are configured
    (``settings.WARNING_SIGNING_KEY`` and ``WARNING_SIGNING_CERT``: PEM file paths)."""
    xml = cap.to_xml(to_cap(warning))
    key = getattr(settings, "WARNING_SIGNING_KEY", "")
    cert = getattr(settings, "WARNING_SIGNING_CERT", "")
    if key and cert:
        xml = cap.sign(xml, Path(key).read_bytes(), Path(cert).read_bytes())
    return xml


# ---------------------------------------------------------------- in


def _pick(infos: tuple[cap.Info, ...]) -> tuple[cap.Info, cap.Info | None]:
    """The Chinese info (or the first) and an English one, if any."""
    chinese = next((i for i in infos if i.language.lower().startswith("zh")), infos[0])
    english = next(
        (i for i in infos if i.language.lower().startswith("en") and i is not chinese), None
    )
    return chinese, english


def _event_type(info: cap.Info) -> str:
    """The catalogue type whose name or event code the info carries; otherwise ``other``."""
    name = info.event.strip().removesuffix("预警")
    for kind in catalogue.BY_CODE.values():
        if kind.name == name or kind.code == name.lower().replace(" ", "_"):
            return kind.code
    given = {value for _name, value in info.event_codes}
    for kind in catalogue.BY_CODE.values():
        if kind.event_code and kind.event_code in given:
            return kind.code
    return "other"


def _level(info: cap.Info) -> int:
    level = cap.level_for_severity(info.severity)
    if level is None:
        raise InvalidInput(
            _("The CAP severity is Unknown: a warning needs a colour (Minor 蓝 … Extreme 红)"),
            field="severity",
        )
    return level


def _areas(actor: User, info: cap.Info) -> list[dict[str, Any]]:
    """The info's areas as draft areas: region geocodes in the actor's jurisdiction (others are
    someone else's to warn), polygons and circles."""
    scope = jurisdiction_of(actor)
    out: list[dict[str, Any]] = []
    for area in info.areas:
        desc = area.area_desc.strip()[:200]
        for _name, value in area.geocodes:
            try:
                code = codes.to_12(value)
            except codes.CodeError:
                continue
            region = Region.objects.filter(code=code).first()
            if region is not None and scope.covers(region.path):
                out.append({"region": code, "description": desc or region.name})
        for ring in area.polygons:
            out.append({"polygon": [list(p) for p in ring], "description": desc})
        for circle in area.circles:
            out.append({"circle": list(circle), "description": desc})
    if not out:
        raise InvalidInput(
            _("No area of the CAP message is in your jurisdiction (geocode, polygon or circle)"),
            field="areas",
        )
    return out


def _text(value: str | None) -> str:
    return (value or "").strip()


def _data(actor: User, alert: cap.Alert) -> dict[str, Any]:
    if alert.msg_type in (cap.MsgType.ACK, cap.MsgType.ERROR):
        raise InvalidInput(
            _("A CAP %(type)s message carries no warning") % {"type": alert.msg_type},
            field="msgType",
        )
    if not alert.infos:
        raise InvalidInput(_("The CAP message has no info block"), field="info")
    info, english = _pick(alert.infos)
    if info.expires is None:
        raise InvalidInput(_("The CAP info has no expires time"), field="expires")
    kind = _event_type(info)
    level = _level(info)
    headline = _text(info.headline) or catalogue.title(kind, level)
    onset = info.onset or info.effective
    data: dict[str, Any] = {
        "event_type": kind,
        "level": level,
        "urgency": str(info.urgency),
        "certainty": str(info.certainty),
        "headline": headline,
        "description": _text(info.description) or headline,
        "instruction": _text(info.instruction),
        "onset": onset.isoformat() if isinstance(onset, dt.datetime) else None,
        "expires": info.expires.isoformat(),
        "areas": _areas(actor, info),
        "source": Source.CAP,
    }
    if english is not None:
        data["headline_en"] = _text(english.headline)
        data["description_en"] = _text(english.description)
        data["instruction_en"] = _text(english.instruction)
    return data


def from_cap(actor: User, xml_bytes: bytes) -> Warning:
    """A new draft from an upstream CAP 1.2 document, or ``InvalidInput`` and nothing made."""
    try:
        alert = cap.from_xml(xml_bytes)
    except cap.CapError as exc:
        raise InvalidInput(
            _("Not a valid CAP 1.2 message: %(why)s") % {"why": exc}, field="cap"
        ) from None
    data = _data(actor, alert)
    with transaction.atomic():
        warning = services.create_draft(actor, data)
        text = xml_bytes.decode("utf-8", errors="replace")
        Warning.objects.filter(pk=warning.pk).update(source_cap=text)
        warning.source_cap = text
    return warning

"""The CAP 1.2 data model: enumerations, frozen dataclasses, times and references.

The dataclasses check the rules the OASIS schema cannot express (aware times, scope needs,
closed polygons, the characters CAP forbids in identifiers), so an ``Alert`` that exists can
always be rendered as a schema-valid document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, NamedTuple

__all__ = [
    "CAP_NS",
    "Alert",
    "Area",
    "CapError",
    "Category",
    "Certainty",
    "Circle",
    "Info",
    "MsgType",
    "Reference",
    "Resource",
    "ResponseType",
    "Scope",
    "Severity",
    "Status",
    "Urgency",
    "format_references",
    "format_time",
    "parse_references",
    "parse_time",
]

CAP_NS: Final = "urn:oasis:names:tc:emergency:cap:1.2"


class CapError(ValueError):
    """A CAP document, identifier or value breaks a rule; the message is one line for a user."""


class Status(StrEnum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class Scope(StrEnum):
    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class Category(StrEnum):
    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class ResponseType(StrEnum):
    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class Urgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


# --- times -------------------------------------------------------------------------------

_TIME_RE: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")


def format_time(value: dt.datetime) -> str:
    """CAP form ``YYYY-MM-DDThh:mm:ss±hh:mm``: whole seconds, no "Z", UTC written ``-00:00``.

    CAP 1.2 §3.3.2 forbids alphabetic zone designators and spells UTC as "-00:00", and its
    schema pattern has no fractional seconds, so microseconds are dropped.
    """
    offset = value.utcoffset()
    if offset is None:
        raise CapError(f"time {value.isoformat()} has no UTC offset (CAP times must be aware)")
    text = value.replace(microsecond=0).isoformat()
    if not offset:
        text = text[:-6] + "-00:00"
    return text


def parse_time(text: str, name: str = "time") -> dt.datetime:
    """Read a CAP time (the schema's pattern); ``name`` is the element named in errors."""
    if not _TIME_RE.fullmatch(text):
        raise CapError(f"element {name!r}: {text!r} is not a CAP time (YYYY-MM-DDThh:mm:ss±hh:mm)")
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise CapError(f"element {name!r}: {text!r} is not a valid time ({exc})") from exc


def _coerce(obj: Any, attr: str, kind: type[StrEnum], name: str) -> None:
    """Turn a plain string into its enumeration member; name the CAP element if it is not one."""
    value = getattr(obj, attr)
    items = value if isinstance(value, tuple) else (value,)
    try:
        members = tuple(kind(item) for item in items)
    except ValueError:
        bad = next(item for item in items if item not in kind.__members__.values())
        allowed = ", ".join(kind)
        raise CapError(f"element {name!r}: {bad!r} is not one of {allowed}") from None
    object.__setattr__(obj, attr, members if isinstance(value, tuple) else members[0])


def _aware(value: dt.datetime | None, name: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise CapError(f"{name}: time must be timezone-aware")


# --- references --------------------------------------------------------------------------


class Reference(NamedTuple):
    """One earlier message a CAP ``references`` element points at."""

    sender: str
    identifier: str
    sent: dt.datetime


def format_references(refs: Iterable[Reference]) -> str:
    """``sender,identifier,sent`` triples separated by single spaces (CAP 1.2 §3.2.1)."""
    return " ".join(f"{r.sender},{r.identifier},{format_time(r.sent)}" for r in refs)


def parse_references(text: str) -> tuple[Reference, ...]:
    """The triples of a ``references`` value; a malformed triple raises :class:`CapError`."""
    refs = []
    for item in text.split():
        parts = item.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise CapError(f"element 'references': {item!r} is not a sender,identifier,sent triple")
        refs.append(Reference(parts[0], parts[1], parse_time(parts[2], "references")))
    return tuple(refs)


_FORBIDDEN: Final = re.compile(r"[\s,<&]")


def _plain(value: str, name: str) -> None:
    """CAP forbids spaces, commas, "<" and "&" in identifier and sender (§3.2.1)."""
    if not value or _FORBIDDEN.search(value):
        raise CapError(
            f"element {name!r}: {value!r} must be non-empty, without spaces, ',' '<' '&'"
        )


# --- geometry ----------------------------------------------------------------------------

Point = tuple[float, float]
"""(latitude, longitude), WGS-84 degrees, in CAP order."""


class Circle(NamedTuple):
    """A CAP circle: centre (WGS-84 latitude, longitude) and radius in kilometres."""

    lat: float
    lon: float
    radius_km: float


def _check_point(lat: float, lon: float, name: str) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise CapError(f"element {name!r}: point {lat},{lon} is outside WGS-84 lat/lon ranges")


# --- dataclasses -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Area:
    area_desc: str
    polygons: tuple[tuple[Point, ...], ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()
    altitude: float | None = None
    ceiling: float | None = None

    def __post_init__(self) -> None:
        for ring in self.polygons:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise CapError(
                    "element 'polygon': needs at least 4 points with the first equal to the last"
                )
            for lat, lon in ring:
                _check_point(lat, lon, "polygon")
        for circle in self.circles:
            _check_point(circle.lat, circle.lon, "circle")
            if circle.radius_km < 0:
                raise CapError(f"element 'circle': radius {circle.radius_km} km is negative")
        if self.ceiling is not None and self.altitude is None:
            raise CapError("element 'ceiling': may only be used together with 'altitude'")


@dataclass(frozen=True, kw_only=True)
class Resource:
    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass(frozen=True, kw_only=True)
class Info:
    categories: tuple[Category, ...]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    language: str = "en-US"
    response_types: tuple[ResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[tuple[str, str], ...] = ()
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()

    def __post_init__(self) -> None:
        _coerce(self, "categories", Category, "category")
        _coerce(self, "response_types", ResponseType, "responseType")
        _coerce(self, "urgency", Urgency, "urgency")
        _coerce(self, "severity", Severity, "severity")
        _coerce(self, "certainty", Certainty, "certainty")
        if not self.categories:
            raise CapError("element 'info': needs at least one 'category'")
        for name in ("effective", "onset", "expires"):
            _aware(getattr(self, name), name)


@dataclass(frozen=True, kw_only=True)
class Alert:
    identifier: str
    sender: str
    sent: dt.datetime
    status: Status
    msg_type: MsgType
    scope: Scope
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: tuple[Reference, ...] = ()
    incidents: str | None = None
    infos: tuple[Info, ...] = field(default=())

    def __post_init__(self) -> None:
        _coerce(self, "status", Status, "status")
        _coerce(self, "msg_type", MsgType, "msgType")
        _coerce(self, "scope", Scope, "scope")
        _plain(self.identifier, "identifier")
        _plain(self.sender, "sender")
        _aware(self.sent, "sent")
        if self.scope is Scope.RESTRICTED and not self.restriction:
            raise CapError("element 'restriction': required when scope is Restricted")
        if self.scope is Scope.PRIVATE and not self.addresses:
            raise CapError("element 'addresses': required when scope is Private")
        for ref in self.references:
            _plain(ref.sender, "references")
            _plain(ref.identifier, "references")
            _aware(ref.sent, "references")

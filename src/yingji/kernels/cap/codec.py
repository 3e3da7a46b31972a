"""CAP 1.2 XML in and out: render in the schema's element order; read through the gates of
:mod:`yingji.kernels.cap.schema` into the dataclasses of :mod:`yingji.kernels.cap.model`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar

from lxml import etree  # type: ignore[import-untyped]

from yingji.kernels.cap.model import (
    CAP_NS,
    Alert,
    Area,
    CapError,
    Circle,
    Info,
    Point,
    Resource,
    format_references,
    format_time,
    parse_references,
    parse_time,
)
from yingji.kernels.cap.schema import MAX_BYTES, parse_safely, validate

__all__ = ["from_xml", "to_xml"]

T = TypeVar("T")
_STRING = etree.XPath("string()")  # text of an element, CDATA included, comments left out


def _at(element: Any, build: Callable[[], T]) -> T:
    """Run ``build``; report a bad value as a CapError with the line of ``element``."""
    try:
        return build()
    except ValueError as exc:  # CapError, or a number the schema let through
        text = str(exc)
        raise CapError(
            text if text.startswith("line ") else f"line {element.sourceline}: {text}"
        ) from None


def _children(element: Any) -> dict[str, list[Any]]:
    kids: dict[str, list[Any]] = {}
    for child in element:
        if isinstance(child.tag, str) and child.tag.startswith("{" + CAP_NS + "}"):
            kids.setdefault(etree.QName(child).localname, []).append(child)
    return kids


def _one(kids: dict[str, list[Any]], name: str) -> str | None:
    found = kids.get(name)
    return str(_STRING(found[0])) if found else None


def _all(kids: dict[str, list[Any]], name: str) -> tuple[str, ...]:
    return tuple(str(_STRING(el)) for el in kids.get(name, ()))


def _pairs(kids: dict[str, list[Any]], name: str) -> tuple[tuple[str, str], ...]:
    out = []
    for el in kids.get(name, ()):
        inner = _children(el)
        out.append((_one(inner, "valueName") or "", _one(inner, "value") or ""))
    return tuple(out)


def _time(kids: dict[str, list[Any]], name: str) -> Any:
    text = _one(kids, name)
    return None if text is None else parse_time(text, name)


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def _floats(text: str, count: int, name: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise CapError(f"element {name!r}: {text!r} is not a lat,lon pair")
    return values


def _polygon(text: str) -> tuple[Point, ...]:
    return tuple((lat, lon) for lat, lon in (_floats(pair, 2, "polygon") for pair in text.split()))


def _circle(text: str) -> Circle:
    parts = text.split()
    if len(parts) != 2:
        raise CapError(f"element 'circle': {text!r} is not 'lat,lon radius'")
    lat, lon = _floats(parts[0], 2, "circle")
    try:
        radius = float(parts[1])
    except ValueError:
        raise CapError(f"element 'circle': radius {parts[1]!r} is not a number") from None
    return Circle(lat, lon, radius)


def _area(element: Any) -> Area:
    kids = _children(element)
    return Area(
        area_desc=_one(kids, "areaDesc") or "",
        polygons=tuple(_polygon(text) for text in _all(kids, "polygon")),
        circles=tuple(_circle(text) for text in _all(kids, "circle")),
        geocodes=_pairs(kids, "geocode"),
        altitude=_number(_one(kids, "altitude")),
        ceiling=_number(_one(kids, "ceiling")),
    )


def _resource(element: Any) -> Resource:
    kids = _children(element)
    size = _one(kids, "size")
    return Resource(
        resource_desc=_one(kids, "resourceDesc") or "",
        mime_type=_one(kids, "mimeType") or "",
        size=None if size is None else int(size),
        uri=_one(kids, "uri"),
        deref_uri=_one(kids, "derefUri"),
        digest=_one(kids, "digest"),
    )


def _info(element: Any) -> Info:
    kids = _children(element)
    return Info(
        language=_one(kids, "language") or "en-US",
        categories=_all(kids, "category"),  # type: ignore[arg-type]  # coerced by Info
        event=_one(kids, "event") or "",
        response_types=_all(kids, "responseType"),  # type: ignore[arg-type]
        urgency=_one(kids, "urgency"),  # type: ignore[arg-type]
        severity=_one(kids, "severity"),  # type: ignore[arg-type]
        certainty=_one(kids, "certainty"),  # type: ignore[arg-type]
        audience=_one(kids, "audience"),
        event_codes=_pairs(kids, "eventCode"),
        effective=_time(kids, "effective"),
        onset=_time(kids, "onset"),
        expires=_time(kids, "expires"),
        sender_name=_one(kids, "senderName"),
        headline=_one(kids, "headline"),
        description=_one(kids, "description"),
        instruction=_one(kids, "instruction"),
        web=_one(kids, "web"),
        contact=_one(kids, "contact"),
        parameters=_pairs(kids, "parameter"),
        resources=tuple(_resource(el) for el in kids.get("resource", ())),
        areas=tuple(_at(el, partial(_area, el)) for el in kids.get("area", ())),
    )


def _alert(root: Any) -> Alert:
    kids = _children(root)
    references = _one(kids, "references")
    return Alert(
        identifier=_one(kids, "identifier") or "",
        sender=_one(kids, "sender") or "",
        sent=parse_time(_one(kids, "sent") or "", "sent"),
        status=_one(kids, "status"),  # type: ignore[arg-type]  # coerced by Alert
        msg_type=_one(kids, "msgType"),  # type: ignore[arg-type]
        source=_one(kids, "source"),
        scope=_one(kids, "scope"),  # type: ignore[arg-type]
        restriction=_one(kids, "restriction"),
        addresses=_one(kids, "addresses"),
        codes=_all(kids, "code"),
        note=_one(kids, "note"),
        references=parse_references(references) if references is not None else (),
        incidents=_one(kids, "incidents"),
        infos=tuple(_at(el, partial(_info, el)) for el in kids.get("info", ())),
    )


def from_xml(data: bytes, *, max_bytes: int = MAX_BYTES) -> Alert:
    """Read an untrusted CAP 1.2 document: hostile-input gates, OASIS schema, dataclasses.

    A trailing ``ds:Signature`` is allowed by the schema and ignored here; check it first
    with :func:`yingji.kernels.cap.signing.verify` and read what that returns.
    """
    root = parse_safely(data, max_bytes=max_bytes)
    validate(root)
    return _at(root, partial(_alert, root))


# --- writing -----------------------------------------------------------------------------


def _num(value: float) -> str:
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text.removesuffix(".0")


def _add(parent: Any, name: str, value: str | None) -> None:
    if value is not None:
        etree.SubElement(parent, f"{{{CAP_NS}}}{name}").text = value


def _add_all(parent: Any, name: str, values: Iterable[str]) -> None:
    for value in values:
        _add(parent, name, value)


def _add_pairs(parent: Any, name: str, pairs: Iterable[tuple[str, str]]) -> None:
    for value_name, value in pairs:
        pair = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
        _add(pair, "valueName", value_name)
        _add(pair, "value", value)


def _time_or_none(value: Any) -> str | None:
    return None if value is None else format_time(value)


def _render_area(parent: Any, area: Area) -> None:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}area")
    _add(el, "areaDesc", area.area_desc)
    _add_all(el, "polygon", (" ".join(f"{_num(a)},{_num(o)}" for a, o in p) for p in area.polygons))
    _add_all(
        el, "circle", (f"{_num(c.lat)},{_num(c.lon)} {_num(c.radius_km)}" for c in area.circles)
    )
    _add_pairs(el, "geocode", area.geocodes)
    _add(el, "altitude", None if area.altitude is None else _num(area.altitude))
    _add(el, "ceiling", None if area.ceiling is None else _num(area.ceiling))


def _render_info(parent: Any, info: Info) -> None:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}info")
    _add(el, "language", info.language)
    _add_all(el, "category", info.categories)
    _add(el, "event", info.event)
    _add_all(el, "responseType", info.response_types)
    for name in ("urgency", "severity", "certainty", "audience"):
        _add(el, name, getattr(info, name))
    _add_pairs(el, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        _add(el, name, _time_or_none(getattr(info, name)))
    _add(el, "senderName", info.sender_name)
    for name in ("headline", "description", "instruction", "web", "contact"):
        _add(el, name, getattr(info, name))
    _add_pairs(el, "parameter", info.parameters)
    for res in info.resources:
        sub = etree.SubElement(el, f"{{{CAP_NS}}}resource")
        _add(sub, "resourceDesc", res.resource_desc)
        _add(sub, "mimeType", res.mime_type)
        _add(sub, "size", None if res.size is None else str(res.size))
        _add(sub, "uri", res.uri)
        _add(sub, "derefUri", res.deref_uri)
        _add(sub, "digest", res.digest)
    for area in info.areas:
        _render_area(el, area)


def to_xml(alert: Alert, *, check: bool = True) -> bytes:
    """The alert as a UTF-8 CAP 1.2 document, elements in the schema's order.

    With ``check`` (the default) the result is validated against the OASIS schema, so an
    invalid value (say a language tag ``zh_CN``) fails here rather than at the receiver.
    """
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    try:
        _add(root, "identifier", alert.identifier)
        _add(root, "sender", alert.sender)
        _add(root, "sent", format_time(alert.sent))
        _add(root, "status", alert.status)
        _add(root, "msgType", alert.msg_type)
        _add(root, "source", alert.source)
        _add(root, "scope", alert.scope)
        _add(root, "restriction", alert.restriction)
        _add(root, "addresses", alert.addresses)
        _add_all(root, "code", alert.codes)
        _add(root, "note", alert.note)
        _add(root, "references", format_references(alert.references) or None)
        _add(root, "incidents", alert.incidents)
        for info in alert.infos:
            _render_info(root, info)
    except ValueError as exc:  # lxml refuses control characters and the like
        raise CapError(f"cannot render alert {alert.identifier!r}: {exc}") from None
    if check:
        validate(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))

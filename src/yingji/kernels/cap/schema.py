"""Reading untrusted CAP safely, and the OASIS CAP 1.2 schema.

Four gates, cheapest first: a size limit; defusedxml, which refuses any DTD or entity (XXE,
billion laughs, external DTDs) before lxml sees the bytes; an lxml parse with entities, DTD
loading and the network off; and the official OASIS schema (``data/cap/CAP-v1.2.xsd``,
loaded from disk, never from the network). Every failure is a
:class:`~yingji.kernels.cap.model.CapError` with one line naming the line and element.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring as defused_fromstring  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

from yingji.kernels.cap.model import CAP_NS, CapError

__all__ = ["MAX_BYTES", "parse_safely", "schema_path", "validate"]

MAX_BYTES: Final = 1_048_576
"""Largest CAP document accepted (1 MiB); real alerts are a few kilobytes."""

_OTHER_CAP: Final = {
    "urn:oasis:names:tc:emergency:cap:1.1": "CAP 1.1",
    "http://www.incident.com/cap/1.0": "CAP 1.0",
}
_TIMES: Final = ("sent", "effective", "onset", "expires")
_LOCK = threading.Lock()


def schema_path() -> Path:
    """``data/cap/CAP-v1.2.xsd`` at the repository root, like the other ``data/`` files."""
    return Path(__file__).resolve().parents[4] / "data" / "cap" / "CAP-v1.2.xsd"


def _parser() -> Any:
    """An lxml parser that never resolves entities, loads a DTD or touches the network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
    )


@lru_cache(maxsize=4)
def _schema(path: Path) -> Any:
    try:
        return etree.XMLSchema(etree.parse(str(path), _parser()))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise CapError(f"cannot load the CAP 1.2 schema {path}: {exc}") from exc


def _refuse_hostile(data: bytes, max_bytes: int) -> None:
    """Size limit, then defusedxml with DTDs, entities and external references forbidden."""
    if len(data) > max_bytes:
        raise CapError(f"document is {len(data):,} bytes; the limit is {max_bytes:,}")
    if not data.strip():
        raise CapError("document is empty")
    try:
        defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        if b"<!ENTITY" in data:
            raise CapError("XML entities are not allowed (possible XXE / billion laughs)") from None
        raise CapError(
            "a DOCTYPE (DTD) is not allowed in CAP (possible XXE / external DTD)"
        ) from None
    except (ParseError, LookupError, ValueError) as exc:
        raise CapError(f"not well-formed XML: {exc}") from None


def parse_safely(data: bytes, *, max_bytes: int = MAX_BYTES) -> Any:
    """The root element of an untrusted CAP 1.2 document, after the hostile-input gates.

    The namespace is checked but not the schema: :func:`validate` does that.
    """
    if not isinstance(data, bytes | bytearray):
        raise CapError(f"CAP input must be bytes, not {type(data).__name__}")
    data = bytes(data)
    _refuse_hostile(data, max_bytes)
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise CapError(f"not well-formed XML: {exc}") from None
    qname = etree.QName(root)
    if qname.namespace in _OTHER_CAP:
        raise CapError(
            f"{_OTHER_CAP[qname.namespace]} is not accepted: namespace {qname.namespace}; "
            f"expected CAP 1.2 ({CAP_NS})"
        )
    if qname.namespace != CAP_NS or qname.localname != "alert":
        raise CapError(f"root element is {root.tag}; expected <alert> in namespace {CAP_NS}")
    return root


def _describe(message: str) -> str:
    """Turn a libxml2 schema message into "element 'x': what is wrong"."""
    text = message.replace("{" + CAP_NS + "}", "")
    match = re.match(r"Element '([^']+)': (.*)", text, re.S)
    if not match:
        return text.rstrip(".")
    name, rest = match.groups()
    expected = re.search(r"Expected is (?:one of )?\( (.*) \)", rest)
    wanted = f"; expected {expected.group(1)}" if expected else ""
    if enum := re.search(r"The value '(.*)' is not an element of the set \{(.*)\}", rest, re.S):
        allowed = ", ".join(item.strip(" '") for item in enum.group(2).split(","))
        detail = f"{enum.group(1)!r} is not one of {allowed}"
    elif (pattern := re.search(r"The value '(.*)' is not accepted by the pattern", rest)) and (
        name in _TIMES
    ):
        detail = (
            f"{pattern.group(1)!r} is not a CAP time YYYY-MM-DDThh:mm:ss±hh:mm "
            "(no 'Z', no fractions of a second)"
        )
    elif "This element is not expected" in rest:
        detail = f"not expected here (missing or out-of-order element){wanted}"
    elif "Missing child element" in rest:
        detail = f"missing child element{wanted}"
    else:
        detail = re.sub(r"^\[facet '\w+'\] ", "", rest).rstrip(".")
    return f"element {name!r}: {detail}"


def validate(root: Any) -> None:
    """Check an element tree against the official OASIS CAP 1.2 schema."""
    schema = _schema(schema_path())
    with _LOCK:
        ok = schema.validate(root)
        errors = list(schema.error_log)
    if not ok:
        first = errors[0]
        raise CapError(f"line {first.line}: {_describe(first.message)}")

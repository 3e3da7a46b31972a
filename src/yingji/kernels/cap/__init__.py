"""CAP 1.2 (OASIS Common Alerting Protocol, ITU-T X.1303) with the Chinese profile GB/T 35965.1.

- :mod:`.model` — frozen dataclasses (``Alert`` → ``Info`` → ``Area``), enumerations,
  CAP times (``YYYY-MM-DDThh:mm:ss±hh:mm``, UTC as ``-00:00``) and ``references``.
- :mod:`.profile` — GB/T 35965.1 identifiers and signal colour ↔ CAP severity.
- :mod:`.schema` — the hostile-input gates (size limit, defusedxml) and the OASIS schema.
- :mod:`.codec` — ``to_xml`` and ``from_xml`` (through those gates) to and from the model.
- :mod:`.signing` — enveloped XML-DSig (RSA-SHA256) ``sign`` and ``verify``.

Everything raises :class:`CapError` (a ``ValueError``) with a one-line message.
"""

from yingji.kernels.cap.codec import from_xml, to_xml
from yingji.kernels.cap.model import (
    CAP_NS,
    Alert,
    Area,
    CapError,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    Reference,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
    format_references,
    format_time,
    parse_references,
    parse_time,
)
from yingji.kernels.cap.profile import (
    BEIJING,
    LEVEL_SEVERITY,
    Identifier,
    level_for_severity,
    make_identifier,
    parse_identifier,
    severity_for_level,
)
from yingji.kernels.cap.schema import MAX_BYTES, parse_safely, schema_path, validate
from yingji.kernels.cap.signing import sign, verify

__all__ = [
    "BEIJING",
    "CAP_NS",
    "LEVEL_SEVERITY",
    "MAX_BYTES",
    "Alert",
    "Area",
    "CapError",
    "Category",
    "Certainty",
    "Circle",
    "Identifier",
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
    "from_xml",
    "level_for_severity",
    "make_identifier",
    "parse_identifier",
    "parse_references",
    "parse_safely",
    "parse_time",
    "schema_path",
    "severity_for_level",
    "sign",
    "to_xml",
    "validate",
    "verify",
]

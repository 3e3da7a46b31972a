"""Shaping the draw part's form posts into the services' input (the services decide).

The forms send what a person types — a share in per cent, colours as check boxes, a
checklist as rows of three inputs — and these helpers turn it into the shape the API takes,
so a page and the API go through one validation.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from yingji.enforcement.services.draw_pool import FILTER_KEYS

MAX_FIELD: Final = 20_000  # longer posts are cut: the services then refuse them by length
COLOUR_LABELS: Final = {
    "red": _("red"),
    "orange": _("orange"),
    "yellow": _("yellow"),
    "blue": _("blue"),
    "none": _("not assessed"),
}
FIELD_LABELS: Final = {
    "code": _("Item code"),
    "name": _("Item name"),
    "legal_basis": _("Legal basis"),
    "region": _("Region"),
    "share": _("Share drawn, per cent"),
    "key_colours": _("Key colours drawn in full"),
    "industries": _("Industries"),
    "hazchem_only": _("Hazardous-chemical enterprises only"),
    "checklist": _("Checklist"),
    "title": _("Title"),
    "item": _("Inspection item"),
    "per_entity": _("Inspectors per entity"),
    "starts_on": _("Inspections start"),
    "due_on": _("Inspections due"),
    "replaces": _("Replaces plan"),
    "seed": _("Seed"),
    "reason": _("Reason"),
    "user": _("Account"),
    "certificate_number": _("Certificate number"),
    "qualifications": _("Qualifications"),
    "inspector": _("Inspector"),
    "enterprise": _("Enterprise"),
    "note": _("Note"),
    "file": _("File"),
    "scales": _("Scale"),
    "colours": _("Risk colour"),
    "hazchem": _("Hazardous-chemical role"),
}


def colour_list(text: str) -> list[tuple[str, Any]]:
    """ "red,orange" → [("red", label), ("orange", label)] for display."""
    return [(c, COLOUR_LABELS[c]) for c in (text or "").split(",") if c in COLOUR_LABELS]


def clip(value: Any, limit: int = MAX_FIELD) -> str:
    return str(value or "")[:limit]


def percent(raw: str) -> str:
    """ "5" (per cent, as the form asks) → "5%" for the services; blank stays blank."""
    value = clip(raw, 40).strip().rstrip("%").strip()
    return f"{value}%" if value else ""


def item_data(post: QueryDict) -> dict[str, Any]:
    """The item form: fields, check boxes, and the checklist rows (blank rows skipped)."""
    ids, texts, bases = (post.getlist(n)[:200] for n in ("point_id", "point_text", "point_basis"))
    checklist = [
        {"id": clip(i, 100), "text": clip(t, 1000), "basis": clip(b, 1000)}
        for i, t, b in zip(ids, texts, bases, strict=False)
        if any(str(v).strip() for v in (i, t, b))
    ]
    return {
        "code": clip(post.get("code"), 100),
        "name": clip(post.get("name"), 1000),
        "legal_basis": clip(post.get("legal_basis")),
        "region": clip(post.get("region"), 40),
        "share": percent(post.get("share", "")),
        "key_colours": post.getlist("key_colours")[:10],
        "industries": clip(post.get("industries"), 1000),
        "hazchem_only": bool(post.get("hazchem_only")),
        "active": bool(post.get("active")),
        "checklist": checklist,
    }


def pool_filters(params: QueryDict) -> dict[str, Any]:
    """Pool filters from a query string or a plan form (lists of check boxes; industries text)."""
    found: dict[str, Any] = {}
    for name in FILTER_KEYS:
        values = [clip(v, 40) for v in params.getlist(name)[:40] if str(v).strip()]
        if name == "industries":
            values = [clip(params.get(name), 400)] if params.get(name, "").strip() else []
        if values:
            found[name] = values if name != "industries" else values[0]
    return found


def plan_data(post: QueryDict) -> dict[str, Any]:
    return {
        "title": clip(post.get("title"), 1000),
        "item": clip(post.get("item"), 40),
        "region": clip(post.get("region"), 40),
        "share": percent(post.get("share", "")),
        "key_colours": post.getlist("key_colours")[:10],
        "per_entity": clip(post.get("per_entity"), 20),
        "starts_on": clip(post.get("starts_on"), 40),
        "due_on": clip(post.get("due_on"), 40),
        "replaces": clip(post.get("replaces"), 40),
        "filters": pool_filters(post),
    }


def failure(exc: Any) -> dict[str, Any]:
    """A refusal as a form shows it: the field's label, then the service's message."""
    field = exc.field or ""
    message = exc.message
    if field and message.startswith(f"{field}: "):
        message = message[len(field) + 2 :]
    return {
        "field": field,
        "label": FIELD_LABELS.get(field, ""),
        "message": message,
        "errors": getattr(exc, "errors", None),
    }

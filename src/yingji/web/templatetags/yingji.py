"""Template filters shared by all pages."""

from __future__ import annotations

from typing import Any

from django import template

from yingji.core.audit import ACTION_LABELS

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The audit action as people read it, falling back to its code."""
    return str(ACTION_LABELS.get(action, action))


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """``mapping[key]`` in a template (``params|get_item:name``)."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""

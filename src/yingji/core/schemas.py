"""API schemas and shapes the routers share: strict bodies (an unknown field is 422) and one
page of a list (``limit``/``offset`` in, ``total``/``limit``/``offset``/``items`` out)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

from ninja import Field, Schema
from pydantic import ConfigDict

MAX_LIMIT: Final = 200


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class Page(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class _Window(Protocol):
    limit: int
    offset: int


def paged(found: Any, page: _Window, convert: Callable[[Any], Any], **extra: Any) -> dict[str, Any]:
    """One page of the queryset ``found``, each row through ``convert``, with its total."""
    total = found.count()
    rows = found[page.offset : page.offset + page.limit]
    return {
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "items": [convert(r) for r in rows],
        **extra,
    }

"""API schemas and shapes the routers share: strict bodies (an unknown field is 422) and one
page of a list (``limit``/``offset`` in, ``total``/``limit``/``offset``/``items`` out)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, Final, Protocol

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict

MAX_LIMIT: Final = 200
MAX_ID: Final = 2**63 - 1

# An object id as the database can hold it (a larger number would be a server error, not 422).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?"
)


def _written(pattern: re.Pattern[str], form: str) -> Any:
    """Pydantic also reads a number (or "2024") as seconds since 1970: refuse all but ISO."""

    def check(value: Any) -> Any:
        if isinstance(value, (int, float)) or (
            isinstance(value, str) and not pattern.fullmatch(value.strip())
        ):
            raise ValueError(f"write it as {form}")
        return value

    return BeforeValidator(check)


# A date or a moment as the API documents them (ISO 8601), never a count of seconds.
IsoDate = Annotated[dt.date, _written(_DATE, "YYYY-MM-DD")]
IsoDateTime = Annotated[dt.datetime, _written(_DATETIME, "ISO 8601, e.g. 2025-07-01T08:00+08:00")]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    """The one error shape of the API (see yingji.api), for operations that declare errors."""

    code: str
    message: str
    field: str | None = None


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

"""Columns of a registry, derived from the model's fields, with one parser per column.

The same parser serves the web form, the API and the Excel import, so a value accepted or
refused in one is accepted or refused in all, with the same message.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from yingji.core.validators import MultiChoiceValidator

if TYPE_CHECKING:
    from yingji.core.registry.validation import Context

_TRUE = {"1", "true", "yes", "y", "是", "有", "√", "✓"}
_FALSE = {"0", "false", "no", "n", "否", "无", "×", ""}
# A point outside this box is almost always a typo or swapped longitude/latitude.
PROVINCE_BOX = {"lon": (118.0, 123.5), "lat": (27.0, 31.5)}


class FieldError(ValueError):
    """A value is unacceptable; the message says why in the user's terms."""


@dataclass(frozen=True)
class Column:
    """One editable field of a registry entity."""

    name: str
    label: str
    kind: str  # text, int, float, decimal, date, bool, choice, region, ref, coord
    required: bool
    model_field: models.Field[Any, Any] = field(repr=False)
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    ref: str | None = None  # registry name of a referenced entity
    example: Any = None

    @property
    def attname(self) -> str:
        """Attribute to set on the instance (``region_id`` for a foreign key)."""
        return str(self.model_field.attname)

    def parse(self, raw: Any, ctx: Context) -> Any:
        """The value to store for ``raw`` (text from a form or a cell), or :class:`FieldError`."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise FieldError("is required")
            return self.empty()
        value = _PARSERS[self.kind](self, raw, ctx)
        if self.kind == "text":
            value = self.model_field.to_python(value)  # the field's own normalisation
        try:
            for validator in self.model_field.validators:
                validator(value)
        except ValidationError as exc:
            raise FieldError(" ".join(str(m) for m in exc.messages)) from exc
        for validator in self.model_field.validators:
            if isinstance(validator, MultiChoiceValidator):  # one stored form: "a,b"
                value = validator.canonical(value)
        return value

    def empty(self) -> Any:
        """The value an empty cell or field stands for: the model's default, else nothing."""
        if self.model_field.has_default():
            return self.model_field.get_default()
        if self.model_field.null:
            return None
        return False if self.kind == "bool" else ""

    @cached_property
    def _choice_labels(self) -> dict[str, str]:
        return dict(self.choices)  # once per column, not per cell shown

    def display(self, value: Any) -> Any:
        """How a stored value is shown in lists and exports."""
        if value is None:
            return ""
        if self.choices:  # stored as their text (see RegistrySpec._column)
            return self._choice_labels.get(str(value), value)
        if self.kind == "bool":
            return "是" if value else "否"
        if isinstance(value, dt.datetime):  # Excel cannot hold time zones: local wall time
            return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
        return value


def _text(column: Column, raw: Any, ctx: Context) -> str:
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))  # Excel turns codes typed as numbers into floats
    if "\x00" in text:
        raise FieldError("contains a NUL character")
    if column.max_length and len(text) > column.max_length:
        raise FieldError(f"is {len(text)} characters long; at most {column.max_length}")
    return text


def _int(column: Column, raw: Any, ctx: Context) -> int:
    try:
        number = float(str(raw).strip().replace(",", ""))
    except ValueError as exc:
        raise FieldError(f"{raw!r} is not a whole number") from exc
    if not number.is_integer():
        raise FieldError(f"{raw!r} is not a whole number")
    return int(number)


def _float(column: Column, raw: Any, ctx: Context) -> float:
    try:
        number = float(str(raw).strip().replace(",", ""))
    except ValueError as exc:
        raise FieldError(f"{raw!r} is not a number") from exc
    if not math.isfinite(number):
        raise FieldError("is not a finite number")
    return number


def _decimal(column: Column, raw: Any, ctx: Context) -> decimal.Decimal:
    value = decimal.Decimal(str(_float(column, raw, ctx)))
    places = getattr(column.model_field, "decimal_places", None)
    return value.quantize(decimal.Decimal(1).scaleb(-places)) if places is not None else value


def _coord(column: Column, raw: Any, ctx: Context) -> float:
    value = _float(column, raw, ctx)
    low, high = PROVINCE_BOX[column.name]
    if not low <= value <= high:
        raise FieldError(
            f"{value} is outside Zhejiang ({low}–{high}); longitude and latitude may be swapped"
        )
    return round(value, 6)


def _date(column: Column, raw: Any, ctx: Context) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError(f"{raw!r} is not a date like 2025-06-30") from exc


def _datetime(column: Column, raw: Any, ctx: Context) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        moment = raw
    else:
        text = str(raw).strip().replace("/", "-")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise FieldError(f"{raw!r} is not a time like 2025-06-30 14:30") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # the platform's zone: Asia/Shanghai
    return moment


def _bool(column: Column, raw: Any, ctx: Context) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(f"{raw!r} is not 是/否 (yes/no)")


def _choice(column: Column, raw: Any, ctx: Context) -> Any:
    text = _text(column, raw, ctx)
    for value, label in column.choices:
        if text in (value, label):
            return column.model_field.to_python(value)  # 2 for an integer field's "2"
    allowed = "、".join(label for _v, label in column.choices)
    raise FieldError(f"{text!r} is not one of: {allowed}")


def _region(column: Column, raw: Any, ctx: Context) -> str:
    return ctx.region_code(_text(column, raw, ctx))


def _ref(column: Column, raw: Any, ctx: Context) -> int:
    assert column.ref is not None  # noqa: S101 - set whenever kind == "ref"
    return ctx.reference(column.ref, _text(column, raw, ctx))


_PARSERS: dict[str, Callable[[Column, Any, Context], Any]] = {
    "text": _text,
    "int": _int,
    "float": _float,
    "decimal": _decimal,
    "coord": _coord,
    "date": _date,
    "datetime": _datetime,
    "bool": _bool,
    "choice": _choice,
    "region": _region,
    "ref": _ref,
}


_KINDS: tuple[tuple[type[models.Field[Any, Any]], str], ...] = (
    (models.BooleanField, "bool"),
    (models.IntegerField, "int"),
    (models.DecimalField, "decimal"),
    (models.FloatField, "float"),
    (models.DateTimeField, "datetime"),  # before DateField, its parent class
    (models.DateField, "date"),
)


def kind_of(model_field: models.Field[Any, Any]) -> str:
    """The parser kind for a model field (foreign keys are decided by the spec)."""
    if model_field.choices:
        return "choice"
    kind = next((k for cls, k in _KINDS if isinstance(model_field, cls)), "text")
    return "coord" if kind == "float" and model_field.name in PROVINCE_BOX else kind

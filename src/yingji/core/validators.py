"""Django validators wrapping the identifier kernels, for model fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.deconstruct import deconstructible

from yingji.kernels import identifiers


def validate_credit_code(value: str) -> None:
    """统一社会信用代码 (GB 32100): 18 characters with a valid check character."""
    problem = identifiers.credit_code_problem(value)
    if problem:
        raise ValidationError(f"统一社会信用代码 {problem}", code="credit_code")


def validate_id_number(value: str) -> None:
    problem = identifiers.id_number_problem(value)
    if problem:
        raise ValidationError(f"身份证号 {problem}", code="id_number")


def validate_mobile(value: str) -> None:
    problem = identifiers.mobile_problem(value)
    if problem:
        raise ValidationError(f"手机号 {problem}", code="mobile")


_SEPARATORS = re.compile(r"[,，、;；\s]+")


@deconstructible
class MultiChoiceValidator:
    """A comma-separated list whose every item is an allowed value (or its label).

    People type lists with ``,``, ``，`` or ``、``; all are accepted, and :meth:`values`
    turns any accepted text into the stored values, so readers never parse it themselves.
    """

    def __init__(self, choices: Mapping[str, str], what: str = "value") -> None:
        self.choices = dict(choices)  # value → label
        self.what = what
        self._by_label: dict[str | None, dict[str, str]] = {}  # per language: label → value

    def _values_by_label(self) -> dict[str, str]:
        """Label → value in the active language (labels are translated), built once per
        language: a page may read hundreds of rows' lists."""
        language = translation.get_language()
        found = self._by_label.get(language)
        if found is None:
            found = {str(label): value for value, label in self.choices.items()}
            self._by_label[language] = found
        return found

    def values(self, text: str | None) -> list[str]:
        by_label = self._values_by_label()
        items = [item for item in _SEPARATORS.split(text or "") if item]
        return [item if item in self.choices else by_label.get(item, item) for item in items]

    def canonical(self, text: str | None) -> str:
        """The stored form of an accepted text: values, once each, joined by ``,`` — what
        SQL can match with ``',' || column || ',' LIKE '%,value,%'``."""
        return ",".join(dict.fromkeys(self.values(text)))

    def __call__(self, text: Any) -> None:
        items = [item for item in _SEPARATORS.split(str(text or "")) if item]
        labels = set(self.choices.values())
        unknown = [item for item in items if item not in self.choices and item not in labels]
        if unknown:
            allowed = ",".join(
                value if value == label else f"{value}({label})"
                for value, label in self.choices.items()
            )
            raise ValidationError(
                f"{unknown[0]!r} is not a known {self.what}; use comma-separated values from: "
                f"{allowed}",
                code="choice",
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, MultiChoiceValidator)
            and self.choices == other.choices
            and self.what == other.what
        )

    def __hash__(self) -> int:
        return hash((tuple(self.choices.items()), self.what))

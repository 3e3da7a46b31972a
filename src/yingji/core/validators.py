"""Django validators wrapping the identifier kernels, for model fields."""

from __future__ import annotations

from django.core.exceptions import ValidationError

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

"""Check characters of Chinese identifiers (pure, no Django).

- 统一社会信用代码, GB 32100-2015: 18 characters over a 31-symbol alphabet, weights 3^(i-1) mod 31.
- 公民身份号码, GB 11643-1999: ISO 7064 MOD 11-2.
See ../shared/STANDARDS.md §7 for the rules and the test vectors used in tests/kernels.
"""

from __future__ import annotations

import datetime as dt
import re

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # I, O, S, V, Z are excluded
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def credit_code_check(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, or None when it is.

    >>> credit_code_problem("91350100M000100Y43") is None
    True
    """
    text = code.strip().upper()
    if len(text) != 18:
        return f"must have 18 characters, not {len(text)}"
    if not _CREDIT_RE.match(text):
        return (
            "may only use digits and the letters A–Y except I, O, S, V, Z; "
            "characters 3–8 are digits"
        )
    expected = credit_code_check(text[:17])
    if text[17] != expected:
        return f"check character is {text[17]}, but the code computes to {expected}"
    return None


def id_number_problem(number: str) -> str | None:
    """Why ``number`` is not a valid 18-digit 公民身份号码, or None when it is."""
    text = number.strip().upper()
    if not _ID_RE.match(text):
        return "must be 17 digits followed by a digit or X"
    try:
        dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return f"birth date {text[6:14]} does not exist"
    total = sum(int(ch) * w for ch, w in zip(text[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != text[17]:
        return f"check character is {text[17]}, but the number computes to {ID_CHECK[total % 11]}"
    return None


def mobile_problem(phone: str) -> str | None:
    """Why ``phone`` is not a mainland mobile number (11 digits starting 13–19), or None."""
    return None if MOBILE_RE.match(phone.strip()) else "must be 11 digits starting with 13–19"

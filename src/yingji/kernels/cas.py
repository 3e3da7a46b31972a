"""CAS Registry Numbers: format and check digit (pure, no Django).

A CAS number is 2–7 digits, a hyphen, 2 digits, a hyphen and one check digit, e.g. 7782-50-5
(chlorine). The check digit is the sum of the other digits, each multiplied by its position
counted from the right (1, 2, 3 …), modulo 10. Checking it catches most typing errors before a
wrong substance is matched to a GB 18218 threshold.
"""

from __future__ import annotations

import re

_CAS_RE = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_check_digit(digits: str) -> int:
    """The check digit for the CAS digits before it (hyphens ignored).

    >>> cas_check_digit("7782-50")
    5
    """
    body = digits.replace("-", "")
    if not body.isascii() or not body.isdigit():
        raise ValueError(f"{digits!r} is not a run of digits")
    return sum(int(d) * i for i, d in enumerate(reversed(body), start=1)) % 10


def cas_problem(text: str) -> str | None:
    """Why ``text`` is not a valid CAS number, or None when it is.

    >>> cas_problem("7664-41-7") is None
    True
    """
    match = _CAS_RE.match(text.strip())
    if match is None:
        return "must look like 7782-50-5 (2–7 digits, 2 digits, 1 check digit)"
    expected = cas_check_digit(match[1] + match[2])
    if int(match[3]) != expected:
        return f"check digit is {match[3]}, but the number computes to {expected}"
    return None

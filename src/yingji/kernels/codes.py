"""Administrative-division codes (统计用区划代码): normalisation and hierarchy.

A 12-digit statistical code is made of segments of 2+2+2+3+3 digits (province, city,
county, township, village). The *short code* drops the trailing all-zero segments, so the
short code of a region is a string prefix of the short codes of all its descendants.
"""

from __future__ import annotations

SEGMENTS = (2, 2, 2, 3, 3)
LEVELS = ("province", "city", "county", "township", "village")
SHORT_LENGTHS = (2, 4, 6, 9, 12)


class CodeError(ValueError):
    """The text is not a region code."""


def to_12(code: str) -> str:
    """Normalise a 2/4/6/9/12-digit region code to its 12-digit form.

    >>> to_12("330106")
    '330106000000'
    """
    text = code.strip()
    if not text.isascii() or not text.isdigit() or len(text) not in SHORT_LENGTHS:
        raise CodeError("a region code has 2, 4, 6, 9 or 12 digits, e.g. 330106 or 330106000000")
    return text.ljust(12, "0")


def short(code12: str) -> str:
    """The short code (materialised path) of a 12-digit code: trailing zero segments dropped.

    >>> short("330106001000")
    '330106001'
    """
    full = to_12(code12)
    length = 12
    for cut in reversed(SHORT_LENGTHS[:-1]):
        if full[cut:length].strip("0"):
            break
        length = cut
    return full[:length]


def level(code: str) -> str:
    """Level name of a code, from the length of its short form."""
    return LEVELS[SHORT_LENGTHS.index(len(short(code)))]


def parent(code: str) -> str | None:
    """12-digit code of the parent region, or None for a province."""
    path = short(code)
    index = SHORT_LENGTHS.index(len(path))
    if index == 0:
        return None
    return path[: SHORT_LENGTHS[index - 1]].ljust(12, "0")


def display(code: str) -> str:
    """The code as people write it: GB/T 2260's 6 digits down to county, 12 digits below.

    >>> display("330100000000"), display("330106001000")
    ('330100', '330106001000')
    """
    full = to_12(code)
    return full[:6] if len(short(full)) <= 6 else full


def subtree_bounds(path: str) -> tuple[str, str]:
    """Half-open string range ``[low, high)`` holding exactly the codes that start with ``path``.

    A range on a B-tree index is what both SQLite and PostgreSQL can always use; SQLite's
    planner cannot use an index for ``LIKE 'path%'`` (case-insensitive by default). For
    digit strings the upper bound is the same-length number plus one, so it never relies on
    how a collation orders punctuation.

    >>> subtree_bounds("330109")
    ('330109', '330110')
    """
    if not path.isascii() or not path.isdigit():
        raise CodeError(f"not a region path: {path!r}")
    upper = str(int(path) + 1).zfill(len(path))
    if len(upper) > len(path):  # "99…9": nothing sorts after it within the digits
        upper = path + ":"
    return path, upper

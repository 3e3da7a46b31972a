"""Region code helpers: normalisation, hierarchy and the subtree range used by scoping."""

from __future__ import annotations

import random

import pytest

from yingji.kernels import codes


@pytest.mark.parametrize(
    ("code", "full", "short", "level", "parent", "display"),
    [
        ("33", "330000000000", "33", "province", None, "330000"),
        ("330100", "330100000000", "3301", "city", "330000000000", "330100"),
        ("330106", "330106000000", "330106", "county", "330100000000", "330106"),
        ("330106002", "330106002000", "330106002", "township", "330106000000", "330106002000"),
        ("330106002051", "330106002051", "330106002051", "village", "330106002000",
         "330106002051"),
    ],
)  # fmt: skip
def test_code_forms(code, full, short, level, parent, display):
    assert codes.to_12(code) == full
    assert codes.short(code) == short
    assert codes.level(code) == level
    assert codes.parent(code) == parent
    assert codes.display(code) == display


@pytest.mark.parametrize(
    "bad", ["", "3", "3301001", "33010600200", "33a106", "３３", " ", "x" * 12]
)
def test_malformed_codes_are_refused(bad):
    with pytest.raises(codes.CodeError):
        codes.to_12(bad)


def test_subtree_bounds_select_exactly_the_prefixed_codes():
    rng = random.Random(7)
    universe = {str(rng.randrange(10**n)).zfill(n) for n in (2, 4, 6, 9, 12) for _ in range(3000)}
    universe |= {"330109", "330109999999", "330110", "3301", "339999", "99", "999999"}
    for prefix in ("330109", "3301", "33", "99", "999999", "0"):
        low, high = codes.subtree_bounds(prefix)
        in_range = {c for c in universe if low <= c < high}
        assert in_range == {c for c in universe if c.startswith(prefix)}, prefix


def test_subtree_bounds_carry():
    assert codes.subtree_bounds("330109") == ("330109", "330110")
    assert codes.subtree_bounds("3309") == ("3309", "3310")
    with pytest.raises(codes.CodeError):
        codes.subtree_bounds("33%")

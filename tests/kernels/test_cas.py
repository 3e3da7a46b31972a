"""CAS numbers: the check digit catches typing errors in the GB 18218 inventories."""

from __future__ import annotations

import pytest

from yingji.kernels import cas


@pytest.mark.parametrize(
    "number",
    [
        "7782-50-5",  # 氯 chlorine
        "7664-41-7",  # 氨 ammonia
        "68476-85-7",  # 液化石油气 LPG
        "67-56-1",  # 甲醇 methanol
        "108-88-3",  # 甲苯 toluene
        "8006-14-2",  # 天然气 natural gas
        "1333-74-0",  # 氢 hydrogen
        "7732-18-5",  # water, the textbook example
        "86290-81-5",  # 汽油 gasoline
    ],
)
def test_real_cas_numbers_are_valid(number):
    assert cas.cas_problem(number) is None


def test_check_digit_of_water_is_5():
    # 7732-18-? : 8·1 + 1·2 + 2·3 + 3·4 + 7·5 + 7·6 = 105 → 5
    assert cas.cas_check_digit("7732-18") == 5
    assert cas.cas_check_digit("773218") == 5


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("7782-50-4", "computes to 5"),  # wrong check digit
        ("7782-05-5", "computes to"),  # swapped digits
        ("7782505", "must look like"),  # no hyphens
        ("1-50-5", "must look like"),  # too short a first part
        ("12345678-50-5", "must look like"),  # too long a first part
        ("7782-50-X", "must look like"),
        ("", "must look like"),
    ],
)
def test_bad_cas_numbers_say_why(number, fragment):
    problem = cas.cas_problem(number)
    assert problem is not None
    assert fragment in problem


def test_surrounding_spaces_are_tolerated():
    assert cas.cas_problem(" 7664-41-7 ") is None


def test_check_digit_rejects_non_digits():
    with pytest.raises(ValueError, match="not a run of digits"):
        cas.cas_check_digit("77a2-50")

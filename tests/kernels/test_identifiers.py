"""GB 32100 credit codes and GB 11643 ID numbers, with the standards' own examples."""

from __future__ import annotations

import pytest

from yingji.kernels import identifiers as ids


def test_credit_weights_are_the_standard_table():
    assert ids.CREDIT_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_annex_example():
    assert ids.credit_code_check("91350100M000100Y4") == "3"
    assert ids.credit_code_problem("91350100M000100Y43") is None
    assert ids.credit_code_problem("91350100m000100y43") is None  # case-insensitive entry


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y4Z", "letters"),  # Z is not in the alphabet
        ("91310115MA1H8R7C6D", "computes to 7"),
        ("91350100M000100Y4", "18 characters"),
        ("9135010OM000100Y43", "characters 3–8 are digits"),
        ("", "18 characters"),
        ("9135 0100M000100Y4", "letters"),
    ],
)
def test_bad_credit_codes_say_why(code, fragment):
    problem = ids.credit_code_problem(code)
    assert problem is not None
    assert fragment in problem


def test_id_number_examples():
    for number in ("11010519491231002X", "513101198201130014", "370101190102039973"):
        assert ids.id_number_problem(number) is None, number
    assert "computes to X" in ids.id_number_problem("110105194912310021")
    assert "does not exist" in ids.id_number_problem("110105194902301234")


def test_mobile():
    assert ids.mobile_problem("13812345678") is None
    assert ids.mobile_problem("12812345678") is not None

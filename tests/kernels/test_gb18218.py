"""GB 18218-2018: a unit is a 重大危险源 when S = Σq/Q ≥ 1, graded by R = α·Σβ·q/Q.

Expected values are transcribed here from ../shared/STANDARDS.md §2 independently of the
tables in the code, so a typing error in either shows up as a failure.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingji.kernels import cas as cas_kernel
from yingji.kernels.gb18218 import (
    Chemical,
    Gb18218Error,
    alpha,
    assess_unit,
    category,
    find_table1,
    find_table3,
    grade,
)
from yingji.kernels.gb18218_tables import CATEGORIES, TABLE1, TABLE3

# (name in STANDARDS.md, CAS numbers, Q in tonnes): the 48 rows of the Table 1 excerpt.
TABLE1_EXPECTED = [
    ("氨", ("7664-41-7",), 10), ("氯", ("7782-50-5",), 5), ("二氧化硫", ("7446-09-5",), 20),
    ("硫化氢", ("7783-06-4",), 5), ("氯化氢(无水)", ("7647-01-0",), 20),
    ("氟化氢", ("7664-39-3",), 1), ("氰化氢", ("74-90-8",), 1), ("碳酰氯", ("75-44-5",), 0.3),
    ("环氧乙烷", ("75-21-8",), 10), ("甲醛(含量>90%)", ("50-00-0",), 5),
    ("溴甲烷", ("74-83-9",), 10), ("煤气", (), 20), ("异氰酸甲酯", ("624-83-9",), 0.75),
    ("甲苯二异氰酸酯", ("26471-62-5",), 100), ("1,3-丁二烯", ("106-99-0",), 5),
    ("二甲醚", ("115-10-6",), 50), ("天然气", ("74-82-8", "8006-14-2"), 50),
    ("氯乙烯", ("75-01-4",), 50), ("氢", ("1333-74-0",), 5),
    ("液化石油气", ("68476-85-7",), 50), ("一甲胺", ("74-89-5",), 5), ("乙炔", ("74-86-2",), 1),
    ("乙烯", ("74-85-1",), 50), ("氧", ("7782-44-7",), 200), ("苯", ("71-43-2",), 50),
    ("苯乙烯", ("100-42-5",), 500), ("丙酮", ("67-64-1",), 500), ("丙烯腈", ("107-13-1",), 50),
    ("二硫化碳", ("75-15-0",), 50), ("环己烷", ("110-82-7",), 500),
    ("环氧丙烷", ("75-56-9",), 10), ("甲苯", ("108-88-3",), 500), ("甲醇", ("67-56-1",), 500),
    ("汽油", ("86290-81-5",), 200), ("乙醇", ("64-17-5",), 500), ("乙醚", ("60-29-7",), 10),
    ("乙酸乙酯", ("141-78-6",), 500), ("正己烷", ("110-54-3",), 500),
    ("过氧乙酸", ("79-21-0",), 10), ("氯酸钾", ("3811-04-9",), 100),
    ("氯酸钠", ("7775-09-9",), 100), ("硝酸", ("7697-37-2",), 100),
    ("发烟硝酸", ("52583-42-3",), 20), ("碳化钙", ("75-20-7",), 100), ("钾", ("7440-09-7",), 1),
    ("钠", ("7440-23-5",), 10), ("硝化甘油", ("55-63-0",), 1), ("TNT", ("118-96-7",), 5),
]  # fmt: skip

# Table 2 Q and Table 4 β by category code.
CATEGORY_EXPECTED = {
    "J1": (5, 4), "J2": (50, 1), "J3": (50, 2), "J4": (50, 2), "J5": (500, 1),
    "W1.1": (1, 2), "W1.2": (10, 2), "W1.3": (50, 2), "W2": (10, 1.5), "W3": (150, 1),
    "W4": (50, 1), "W5.1": (10, 1.5), "W5.2": (50, 1), "W5.3": (1000, 1), "W5.4": (5000, 1),
    "W6.1": (10, 1.5), "W6.2": (50, 1), "W7.1": (10, 1.5), "W7.2": (50, 1), "W8": (50, 1),
    "W9.1": (50, 1), "W9.2": (200, 1), "W10": (200, 1), "W11": (200, 1),
}  # fmt: skip

# Table 3: toxic gases and their β.
TABLE3_EXPECTED = [
    ("一氧化碳", "630-08-0", 2), ("二氧化硫", "7446-09-5", 2), ("氨", "7664-41-7", 2),
    ("环氧乙烷", "75-21-8", 2), ("氯化氢", "7647-01-0", 3), ("溴甲烷", "74-83-9", 3),
    ("氯", "7782-50-5", 4), ("硫化氢", "7783-06-4", 5), ("氟化氢", "7664-39-3", 5),
    ("二氧化氮", "10102-44-0", 10), ("氰化氢", "74-90-8", 10), ("碳酰氯", "75-44-5", 20),
    ("磷化氢", "7803-51-2", 20), ("异氰酸甲酯", "624-83-9", 20),
]  # fmt: skip


def worked_example() -> list[Chemical]:
    return [
        Chemical(30, name="液氯"),
        Chemical(50, name="液氨"),
        Chemical(1000, name="甲醇", category="W5.3"),
    ]


# ---------------------------------------------------------------- the worked example


def test_worked_example_s_13_r_54_grade_2():
    report = assess_unit(worked_example(), people_within_500m=60)
    assert report.S == 13.0 and report.is_major
    assert report.alpha == 1.5 and report.weighted_sum == 36.0
    assert report.R == 54.0 and report.grade == "二级"
    explained = [(t.chemical, t.cas, t.q, t.Q, t.beta, t.q_source, t.beta_source)
                 for t in report.terms]  # fmt: skip
    assert explained == [
        ("氯", "7782-50-5", 30, 5, 4, "表1", "表3"),
        ("氨", "7664-41-7", 50, 10, 2, "表1", "表3"),
        ("甲醇", "67-56-1", 1000, 500, 1, "表1", "表4 W5.3"),
    ]
    assert [t.weighted for t in report.terms] == [24, 10, 2]


def test_worked_example_by_cas_gives_the_same_report():
    by_cas = [Chemical(30, cas="7782-50-5"), Chemical(50, cas="7664-41-7"),
              Chemical(1000, cas="67-56-1", category="W5.3")]  # fmt: skip
    assert assess_unit(by_cas, 60).R == assess_unit(worked_example(), 60).R == 54


def test_explanation_names_every_source_and_the_result():
    text = assess_unit(worked_example(), 60).explain()
    assert "氯 (7782-50-5) [液氯]: q = 30 t, Q = 5 t (表1), q/Q = 6; β = 4 (表3)" in text
    assert "β = 1 (表4 W5.3), β·q/Q = 2" in text
    assert "S = Σq/Q = 13 ≥ 1，构成重大危险源" in text
    assert "R = α·Σβ·q/Q = 1.5 × 36 = 54，二级重大危险源" in text


# ---------------------------------------------------------------- α and grade boundaries


@pytest.mark.parametrize(
    ("people", "expected"),
    [(0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0),
     (250_000, 2.0)],
)  # fmt: skip
def test_alpha_bands(people, expected):
    assert alpha(people) == expected
    assert assess_unit(worked_example(), people).alpha == expected


@pytest.mark.parametrize("people", [-1, 1.5, 60.0, True, "60", None])
def test_alpha_refuses_what_is_not_a_head_count(people):
    with pytest.raises(Gb18218Error, match="whole number"):
        alpha(people)


@pytest.mark.parametrize(
    ("r", "expected"),
    [(100, "一级"), (1e9, "一级"), (math.nextafter(100, 0), "二级"), (50, "二级"),
     (math.nextafter(50, 0), "三级"), (10, "三级"), (math.nextafter(10, 0), "四级"), (1, "四级")],
)  # fmt: skip
def test_grade_bands(r, expected):
    assert grade(r) == expected


@pytest.mark.parametrize(
    ("q", "expected_r", "expected_grade"),
    [(100_000, 100, "一级"), (99_999.99, 99.99999, "二级"), (50_000, 50, "二级"),
     (49_999.99, 49.99999, "三级"), (10_000, 10, "三级"), (9_999.99, 9.99999, "四级")],
)  # fmt: skip
def test_unit_grade_at_exact_boundaries(q, expected_r, expected_grade):
    # α = 1 (one resident), β = 1 and Q = 1000 (W5.3): R = q / 1000.
    report = assess_unit([Chemical(q, name="某溶剂", category="W5.3")], 1)
    assert pytest.approx(expected_r, rel=1e-12) == report.R
    assert report.grade == expected_grade


def test_boundaries_are_exact_where_floats_would_miss_them():
    # Methyl isocyanate (Q 0.75, β 20), 30 people (α 1.2): R = 1.2 × 20 × q/0.75 is 100 and 50
    # exactly, but 1.2 * (20 * q / 0.75) in floats is 99.99999999999999 and 49.99999999999999.
    top = assess_unit([Chemical(3.125, name="异氰酸甲酯")], 30)
    assert (top.R, top.grade) == (100, "一级")
    assert assess_unit([Chemical(1.5625, name="异氰酸甲酯")], 30).grade == "二级"
    # 0.7 + 0.2 + 0.1 is 0.9999999999999999 in floats; the unit is still a major hazard.
    thirds = [Chemical(q, name=f"溶剂{q}", category="W5.4") for q in (3500, 1000, 500)]
    report = assess_unit(thirds, 1)
    assert report.S == 1.0 and report.is_major


# ---------------------------------------------------------------- q = Q for every Table 1 row


@pytest.mark.parametrize("entry", TABLE1, ids=lambda e: e.name)
def test_single_chemical_at_its_critical_quantity_is_major(entry):
    report = assess_unit([Chemical(entry.Q, name=entry.name)], 0)
    assert report.S == 1.0 and report.is_major and report.grade is not None


@pytest.mark.parametrize("entry", TABLE1, ids=lambda e: e.name)
def test_single_chemical_just_below_its_critical_quantity_is_not(entry):
    report = assess_unit([Chemical(math.nextafter(entry.Q, 0), name=entry.name)], 500)
    assert report.S < 1 and not report.is_major
    assert report.R is None and report.grade is None
    assert report.alpha == 2.0  # α is still reported


# ---------------------------------------------------------------- look-up


def test_table1_holds_at_least_the_48_rows_of_standards_md():
    assert len(TABLE1) >= 48 and len(TABLE1_EXPECTED) == 48


@pytest.mark.parametrize(("name", "numbers", "q_critical"), TABLE1_EXPECTED,
                         ids=[row[0] for row in TABLE1_EXPECTED])  # fmt: skip
def test_table1_lookup_by_name_and_by_cas(name, numbers, q_critical):
    entry = find_table1(name=name)
    assert entry is not None and q_critical == entry.Q
    for number in numbers:
        assert find_table1(cas=number) is entry
        assert q_critical == assess_unit([Chemical(1, cas=number)], 0).terms[0].Q
    term = assess_unit([Chemical(1, name=name)], 0).terms[0]
    assert (term.Q, term.q_source, term.chemical) == (q_critical, "表1", entry.name)


@pytest.mark.parametrize(
    ("name", "same_as"),
    [("液氯", "氯"), ("氯气", "氯"), ("液氨", "氨"), ("甲烷", "天然气"), ("LNG", "天然气"),
     ("丙烷", "液化石油气"), ("LPG", "液化石油气"), ("光气", "碳酰氯"), ("一氧化碳", "煤气"),
     ("氯化氢（无水）", "氯化氢(无水)"), (" 液 氯 ", "氯"), ("tnt", "TNT"), ("电石", "碳化钙"),
     ("酒精", "乙醇"), ("甲醛", "甲醛(含量>90%)")],
)  # fmt: skip
def test_aliases_share_the_standards_row(name, same_as):
    assert find_table1(name=name) is find_table1(name=same_as) is not None


def test_table_data_is_consistent():
    assert all(cas_kernel.cas_problem(n) is None for e in TABLE1 for n in (*e.cas, *e.also_cas))
    names = [n for e in TABLE1 for n in e.names]
    assert len({find_table1(name=n).number for n in names}) == len(TABLE1)  # no alias collides
    assert all(find_table1(name=n) is e for e in TABLE1 for n in e.names)
    gases = {g.cas for g in TABLE3}
    for entry in TABLE1:  # every row has a β: Table 3, or its default category in Table 4
        in_table3 = any(n in gases for n in (*entry.cas, *entry.also_cas))
        assert in_table3 or entry.default_categories, entry.name
        assert all(c in CATEGORIES for c in entry.default_categories)


@pytest.mark.parametrize(("code", "expected"), CATEGORY_EXPECTED.items())
def test_table2_q_and_table4_beta_by_category(code, expected):
    assert (category(code).Q, category(code).beta) == expected
    term = assess_unit([Chemical(1, name="某物质", category=code)], 0).terms[0]
    assert (term.Q, term.beta) == expected
    assert (term.q_source, term.beta_source) == (f"表2 {code}", f"表4 {code}")


def test_category_codes_cover_j1_to_w11_and_accept_lower_case():
    assert set(CATEGORIES) == set(CATEGORY_EXPECTED)
    assert category(" w5.3 ").code == "W5.3"


@pytest.mark.parametrize(("name", "number", "beta"), TABLE3_EXPECTED,
                         ids=[row[0] for row in TABLE3_EXPECTED])  # fmt: skip
def test_table3_beta_for_toxic_gases(name, number, beta):
    assert find_table3(name=name).beta == beta and find_table3(cas=number).beta == beta
    # In Table 1 or not, a Table 3 gas takes its Table 3 β whatever category is given.
    term = assess_unit([Chemical(1, cas=number, category="J3")], 0).terms[0]
    assert (term.beta, term.beta_source) == (beta, "表3")


def test_table3_gas_outside_table1_takes_q_from_its_category():
    term = assess_unit([Chemical(0.5, name="二氧化氮", category="J1")], 0).terms[0]
    assert (term.Q, term.q_source, term.beta, term.beta_source) == (5, "表2 J1", 10, "表3")


# ---------------------------------------------------------------- β rules for Table 1 rows


@pytest.mark.parametrize(
    ("name", "beta", "source"),
    [("甲醇", 1, "表4 W5.3 默认类别"), ("天然气", 1.5, "表4 W2 默认类别"),
     ("TNT", 2, "表4 W1.1 默认类别"), ("乙醚", 1.5, "表4 W5.1 默认类别"),
     ("甲醛", 2, "表4 J3 默认类别"), ("煤气", 2, "表3")],
)  # fmt: skip
def test_table1_chemical_without_category_uses_its_recorded_category(name, beta, source):
    term = assess_unit([Chemical(1, name=name)], 0).terms[0]
    assert (term.beta, term.beta_source) == (beta, source)


def test_given_category_sets_beta_but_not_table1_q():
    # Benzene worked above its boiling point is W5.1 (β 1.5); its Q stays 50 t from Table 1.
    term = assess_unit([Chemical(10, name="苯", category="W5.1")], 0).terms[0]
    assert (term.Q, term.q_source, term.beta, term.beta_source) == (50, "表1", 1.5, "表4 W5.1")


@pytest.mark.parametrize("given_category", [("W5.4", "J3"), "W5.4, J3", "W5.4、J3", "W5.4 j3"])
def test_several_categories_take_the_lowest_q_and_the_highest_beta(given_category):
    term = assess_unit([Chemical(10, name="某有毒溶剂", category=given_category)], 0).terms[0]
    assert (term.Q, term.q_source, term.beta, term.beta_source) == (50, "表2 J3", 2, "表4 J3")


# ---------------------------------------------------------------- errors and hostile input


def test_unknown_chemical_without_category_is_refused_by_name():
    with pytest.raises(Gb18218Error, match=r"^柴油: not in GB 18218 Table 1.*category"):
        assess_unit([Chemical(100, name="柴油")], 0)
    assert issubclass(Gb18218Error, ValueError)


@pytest.mark.parametrize(
    ("chemical", "fragment"),
    [(Chemical(1, name="某物质", category="W12"), "'W12' is not a GB 18218 Table 2 category"),
     (Chemical(1, name="某物质", category=""), "category is empty"),
     (Chemical(1, cas="7782-50-4"), "computes to 5"),
     (Chemical(1, cas="7664-41-7", name="氯"), "the name is GB 18218 表1 氯, but CAS 7664-41-7 is "
                                             "GB 18218 表1 氨"),
     (Chemical(1, cas="7732-18-5", name="液氯"), "but CAS 7732-18-5 is not GB 18218 表1"),
     (Chemical(1), "needs a name or a CAS"), (Chemical(1, name="  ", cas=" "), "needs a name"),
     (Chemical(-1, name="液氯"), "液氯: quantity must be ≥ 0"),
     (Chemical(-0.001, name="液氯"), "must be ≥ 0"),
     (Chemical(math.nan, name="液氯"), "finite"), (Chemical(math.inf, name="液氯"), "finite"),
     (Chemical(-math.inf, name="液氯"), "finite"), (Chemical(10**400, name="液氯"), "finite"),
     (Chemical(True, name="液氯"), "must be a number"),
     (Chemical("30", name="液氯"), "must be a number")],
)  # fmt: skip
def test_hostile_chemicals_are_refused_with_a_clear_message(chemical, fragment):
    with pytest.raises(Gb18218Error) as caught:
        assess_unit([Chemical(1, name="甲苯"), chemical], 10)
    assert fragment in str(caught.value)


def test_an_empty_unit_is_refused():
    with pytest.raises(Gb18218Error, match="at least one chemical"):
        assess_unit([], 10)


def test_zero_quantity_counts_as_nothing():
    report = assess_unit([Chemical(0, name="液氯")], 10)
    assert report.S == 0 and not report.is_major and report.R is None


# ---------------------------------------------------------------- properties

POOL = [
    {"name": "液氯"}, {"name": "甲醇"}, {"cas": "74-82-8"}, {"name": "TNT"}, {"name": "光气"},
    {"name": "苯", "category": "W5.1"}, {"name": "某溶剂", "category": "W5.3"},
    {"name": "某毒物", "category": "J1"}, {"name": "二氧化氮", "category": ["J3", "W4"]},
]  # fmt: skip
quantities = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
units = st.lists(st.tuples(st.sampled_from(POOL), quantities), min_size=1, max_size=6)
GRADE_ORDER = {None: 0, "四级": 1, "三级": 2, "二级": 3, "一级": 4}


def build(unit):
    return [Chemical(q, **spec) for spec, q in unit]


@given(units, st.integers(0, 500), st.data())
def test_s_and_r_never_fall_when_a_quantity_grows(unit, people, data):
    index = data.draw(st.integers(0, len(unit) - 1))
    extra = data.draw(quantities)
    bigger = list(unit)
    bigger[index] = (unit[index][0], unit[index][1] + extra)
    before, after = assess_unit(build(unit), people), assess_unit(build(bigger), people)
    assert after.S >= before.S and after.weighted_sum >= before.weighted_sum
    assert after.is_major >= before.is_major
    if before.R is not None:
        assert after.R is not None and after.R >= before.R
    assert GRADE_ORDER[after.grade] >= GRADE_ORDER[before.grade]


@given(units, st.integers(0, 500), st.integers(0, 500))
def test_r_never_falls_when_more_people_live_nearby(unit, people, more):
    before, after = assess_unit(build(unit), people), assess_unit(build(unit), people + more)
    assert after.S == before.S
    if before.R is not None:
        assert after.R >= before.R


@given(units, st.integers(0, 500))
def test_report_is_the_sum_of_its_terms(unit, people):
    report = assess_unit(build(unit), people)
    assert pytest.approx(math.fsum(t.ratio for t in report.terms), rel=1e-9) == report.S
    if report.S != 1.0:  # decided exactly; only a float of exactly 1.0 can hide which side
        assert report.is_major == (report.S > 1)
    if report.R is not None:
        assert pytest.approx(report.alpha * report.weighted_sum, rel=1e-9) == report.R
        if report.R not in {10.0, 50.0, 100.0}:
            assert report.grade == grade(report.R)

"""Enterprise credit rating: every rule, the edges of the look-back windows, the 严重失信 caps,
信用修复 eligibility dates, bad input, and properties (order does not matter, a record never
raises the score)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels import credit
from yingji.kernels.credit import Accident, Hazards, Inspection, Penalty, Record, Refusal

D = dt.date.fromisoformat


def rate(today: str, **facts):
    return credit.rate(Record(today=D(today), **facts))


def keys(result) -> list[str]:
    return [i.key for i in result.items]


def test_an_enterprise_with_nothing_recorded_is_a():
    got = rate("2026-03-01")
    assert (got.score, got.rating, got.label) == (90, "A", "守信")
    assert got.items == () and got.lapsed == () and got.capped_by == ()
    assert not got.repair.eligible and got.repair.blocking == ("没有需要修复的失信记录",)


@pytest.mark.parametrize(
    ("circumstance", "points", "key", "rating"),
    [("轻微", -2, "penalty.minor", "B"), ("一般", -5, "penalty.general", "B"),
     ("严重", -15, "penalty.serious", "C")],
)  # fmt: skip
def test_a_penalty_deducts_by_circumstance(circumstance, points, key, rating):
    got = rate("2025-09-01", penalties=[Penalty(D("2025-03-10"), 10_000, circumstance)])
    assert keys(got) == [key] and got.items[0].points == points
    assert got.score == 90 + points and got.rating == rating
    assert "情节" + circumstance in got.items[0].reason and "10,000元" in got.items[0].reason


def test_a_general_penalty_counts_one_year_to_the_day():
    penalty = Penalty(D("2025-03-10"), 5_000, "一般")
    last = rate("2026-03-09", penalties=[penalty])
    assert last.score == 85 and last.items[0].counts_until == D("2026-03-10")
    gone = rate("2026-03-10", penalties=[penalty])
    assert (gone.score, gone.rating, gone.items) == (90, "A", ())
    assert [i.key for i in gone.lapsed] == ["penalty.general"]


def test_a_serious_penalty_counts_three_years_and_caps_the_rating_at_c():
    penalty = Penalty(D("2025-03-10"), 1_000, "严重")
    bonuses = {"risk_colour": "blue", "inspections": [Inspection(D("2026-01-05"), True)] * 5,
               "hazards": Hazards(closed_on_time=4)}  # fmt: skip
    got = rate("2026-03-01", penalties=[penalty], **bonuses)
    assert got.score == 90 - 15 + 2 + 5 + 3 == 85  # B by score …
    assert got.rating == "C" and got.capped_by == ("penalty.serious",)  # … capped at C
    assert rate("2028-03-09", penalties=[penalty]).rating == "C"
    assert rate("2028-03-10", penalties=[penalty]).rating == "A"


def test_a_large_fine_deducts_extra_from_fifty_thousand_yuan():
    below = rate("2025-06-01", penalties=[Penalty(D("2025-05-01"), Decimal("49999.99"), "一般")])
    at = rate("2025-06-01", penalties=[Penalty(D("2025-05-01"), 50_000, "一般")])
    assert keys(below) == ["penalty.general"] and "49,999.99元" in below.items[0].reason
    assert keys(at) == ["penalty.general", "penalty.large_fine"] and at.score == 82


@pytest.mark.parametrize(
    ("grade", "deaths", "key", "points", "rating", "until"),
    [
        ("一般", 0, "accident.general", -5, "B", "2026-04-01"),
        ("一般", 2, "accident.general_fatal", -10, "B", "2026-04-01"),
        ("较大", 0, "accident.larger", -30, "C", "2028-04-01"),  # 60 by score, capped C anyway
        ("较大", 3, "accident.larger", -30, "D", "2028-04-01"),  # 严重失信: forced D
        ("重大", 0, "accident.major", -50, "D", "2028-04-01"),  # 重大 by loss: still D
        ("特别重大", 30, "accident.especially_major", -60, "D", "2028-04-01"),
    ],
)
def test_accidents_deduct_by_grade_and_deaths(grade, deaths, key, points, rating, until):
    got = rate("2025-06-01", accidents=[Accident(D("2025-04-01"), grade, deaths)])
    item = got.items[0]
    assert (item.key, item.points, item.counts_until) == (key, points, D(until))
    assert got.score == max(0, 90 + points) and got.rating == rating
    assert grade in item.reason and (f"死亡{deaths}人" in item.reason) == bool(deaths)


def test_a_fatal_larger_accident_is_d_for_three_years_then_lapses():
    accident = Accident(D("2024-02-29"), "较大", 4)
    assert rate("2027-02-27", accidents=[accident]).rating == "D"
    assert rate("2027-02-28", accidents=[accident]).rating == "A"  # Feb 29 → 28


def test_refusing_inspection_is_d_for_three_years():
    got = rate("2025-06-01", refusals=[Refusal(D("2025-05-20"))], risk_colour="blue")
    assert got.score == 72 and got.rating == "D" and got.capped_by == ("refusal",)
    assert got.items[0].reason == "2025-05-20 拒绝、阻碍安全生产监督检查"
    assert rate("2028-05-20", refusals=[Refusal(D("2025-05-20"))]).rating == "A"


def test_hidden_hazard_behaviour():
    overdue = rate("2025-06-01", hazards=Hazards(closed_on_time=9, closed_overdue=7))
    assert keys(overdue) == ["hazard.overdue"] and overdue.score == 80  # −14 capped at −10
    on_time = rate("2025-06-01", hazards=Hazards(closed_on_time=9))
    assert keys(on_time) == ["hazard.on_time"] and on_time.score == 93
    major = rate("2025-06-01", hazards=Hazards(closed_on_time=2, open_major=3))
    assert major.score == 90 - 20 + 3 and major.rating == "C"  # −30 capped at −20; C by score
    one_major = rate(
        "2025-06-01",
        hazards=Hazards(closed_on_time=1, open_major=1),
        risk_colour="blue",
        inspections=[Inspection(D("2025-05-01"), True)] * 8,
    )
    assert one_major.score == 90 and one_major.rating == "B"  # A by score, at best B
    assert one_major.capped_by == ("hazard.open_major",)
    alone = credit.rate(Record(D("2025-06-01"), hazards=Hazards(open_major=1)),
                        credit.Params(open_major_points=0))  # fmt: skip
    assert alone.rating == "A"  # a rule set to 0 points neither deducts nor caps


@pytest.mark.parametrize(
    ("colour", "score"), [("red", 80), ("orange", 85), ("yellow", 88), ("blue", 92), (None, 90)]
)
def test_risk_colour(colour, score):
    assert rate("2025-06-01", risk_colour=colour).score == score


def test_inspections_count_for_twelve_months_up_to_five_points():
    passed = [Inspection(D("2024-06-01"), True)] + [Inspection(D("2025-01-10"), True)] * 7
    got = rate("2025-06-01", inspections=passed)
    assert keys(got) == ["inspection.passed"] and got.score == 95
    assert got.items[0].reason == "近12个月7次监督检查未发现问题"  # the 2024-06-01 one lapsed
    issues = [Inspection(D("2025-01-10"), False)] * 2
    assert rate("2025-06-01", inspections=issues).score == 88
    assert rate("2026-01-10", inspections=issues).score == 90


def test_the_score_never_leaves_zero_to_one_hundred():
    worst = rate("2025-06-01", accidents=[Accident(D("2025-05-01"), "特别重大", 40)] * 3)
    assert worst.score == 0 and worst.rating == "D"
    best = credit.rate(Record(D("2025-06-01"), risk_colour="blue"), credit.Params(base=100))
    assert best.score == 100


def test_repair_needs_rectification_and_the_minimum_period():
    general = Penalty(D("2025-06-15"), 2_000, "一般", rectified=True)
    early = rate("2025-09-14", penalties=[general])
    assert not early.repair.eligible and early.repair.possible_from == D("2025-09-15")
    assert early.repair.blocking == ("2025-09-15起方可申请（一般记录满3个月、严重记录满12个月）",)
    assert rate("2025-09-15", penalties=[general]).repair.eligible
    undone = Penalty(D("2025-06-15"), 2_000, "一般")
    blocked = rate("2025-12-01", penalties=[undone])
    assert not blocked.repair.eligible
    assert blocked.repair.blocking == ("2025-06-15 行政处罚：整改措施尚未完成",)


def test_the_latest_minimum_period_decides_when_repair_opens():
    records = {
        "penalties": [Penalty(D("2025-06-15"), 2_000, "一般", rectified=True)],
        "accidents": [Accident(D("2025-03-01"), "较大", 3, rectified=True)],  # serious: 12 months
    }
    assert rate("2026-02-28", **records).repair.possible_from == D("2026-03-01")
    assert not rate("2026-02-28", **records).repair.eligible
    assert rate("2026-03-01", **records).repair.eligible


def test_a_repaired_record_no_longer_counts():
    repaired = Penalty(D("2025-06-15"), 2_000, "严重", repaired=True, rectified=True)
    got = rate("2025-09-01", penalties=[repaired])
    assert (got.score, got.rating, got.items) == (90, "A", ())
    assert [i.key for i in got.lapsed] == ["penalty.serious"]
    assert got.repair.blocking == ("没有需要修复的失信记录",)


def test_periods_are_parameters():
    params = credit.Params(general_months=6, general_repair_months=1)
    record = Record(D("2025-07-15"), penalties=[Penalty(D("2025-01-15"), 1, "一般")])
    assert credit.rate(record, params).rating == "A"
    assert credit.rate(record).rating == "B"


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert credit.add_months(D("2025-01-31"), 1) == D("2025-02-28")
    assert credit.add_months(D("2024-02-29"), 12) == D("2025-02-28")
    assert credit.add_months(D("2025-11-30"), 3) == D("2026-02-28")
    assert credit.add_months(D("2025-05-10"), 36) == D("2028-05-10")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Penalty(D("2025-01-01"), -1, "一般"), "finite and ≥ 0"),
        (lambda: Penalty(D("2025-01-01"), math.nan, "一般"), "finite and ≥ 0"),
        (lambda: Penalty(D("2025-01-01"), True, "一般"), "must be a number"),
        (lambda: Penalty(D("2025-01-01"), 1, "较重"), "circumstance must be one of"),
        (lambda: Penalty(dt.datetime(2025, 1, 1), 1, "一般"), "not a datetime"),  # noqa: DTZ001
        (lambda: Penalty(D("2025-01-01"), 1, "一般", repaired=1), "True or False"),
        (lambda: Accident(D("2025-01-01"), "大", 0), "grade must be one of"),
        (lambda: Accident(D("2025-01-01"), "一般", 3), "not 一般 .at most 2 deaths"),
        (lambda: Accident(D("2025-01-01"), "较大", -1), "whole number ≥ 0"),
        (lambda: Hazards(open_major=1.5), "whole number ≥ 0"),
        (lambda: Record(D("2025-01-01"), risk_colour="green"), "risk_colour must be one of"),
        (lambda: Record(D("2025-01-01"), penalties=[Refusal(D("2025-01-01"))]), "Penalty entries"),
        (lambda: Record(D("2025-01-01"), hazards=None), "Hazards entry"),
        (lambda: Record("2025-01-01"), "today must be a date"),
        (lambda: credit.Params(thresholds=(90, 90, 60)), "fall strictly"),
        (lambda: credit.Params(general_months=0), "whole months"),
        (lambda: credit.Params(serious_repair_months=40), "must not exceed"),
        (lambda: credit.Params(base=120), "base must be"),
        (lambda: rate("2025-01-01", refusals=[Refusal(D("2025-01-02"))]), "dated after today"),
    ],
)
def test_bad_input_is_refused_by_name(build, message):
    with pytest.raises(ValueError, match=message):
        build()


PENALTIES = st.builds(
    Penalty,
    st.dates(dt.date(2020, 1, 1), dt.date(2025, 12, 31)),
    st.integers(0, 200_000),
    st.sampled_from(credit.CIRCUMSTANCES),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(penalties=st.lists(PENALTIES, max_size=8), extra=PENALTIES, seed=st.randoms())
def test_order_does_not_matter_and_a_penalty_never_raises_the_score(penalties, extra, seed):
    today = D("2026-01-01")
    got = credit.rate(Record(today, penalties=penalties))
    shuffled = list(penalties)
    seed.shuffle(shuffled)
    again = credit.rate(Record(today, penalties=shuffled))
    assert (again.score, again.rating, again.items, again.repair) == (
        got.score, got.rating, got.items, got.repair)  # fmt: skip
    assert 0 <= got.score <= 100 and got.rating in credit.RATINGS
    worse = credit.rate(Record(today, penalties=[*penalties, extra]))
    assert worse.score <= got.score and worse.rating >= got.rating

"""安全码: each rule fires, and not one day outside its window; the most severe colour wins;
every reason is listed, red first; the rule table is printable; bad facts are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels import safety_code
from yingji.kernels.credit import Accident, Penalty
from yingji.kernels.safety_code import Facts, Reason

D = dt.date.fromisoformat
TODAY = D("2026-03-10")


def code(**facts) -> safety_code.SafetyCode:
    return safety_code.decide(Facts(today=TODAY, **facts))


def ids(result) -> list[str]:
    return [r.rule_id for r in result.reasons]


def test_nothing_wrong_is_green_with_no_reasons():
    got = code(risk_colour="blue", credit_rating="A", licence_expires_on=TODAY,
               insurance_expires_on=D("2026-12-31"))  # fmt: skip
    assert (got.colour, got.label, got.reasons) == ("green", "绿码", ())


@pytest.mark.parametrize(
    ("facts", "rule", "colour", "text"),
    [
        ({"supervised_major_hazards": 2}, "R1", "red", "存在挂牌督办的重大事故隐患尚未销号（2项）"),
        ({"open_major_hazards": 1, "overdue_major_hazards": 1}, "R2", "red",
         "重大事故隐患逾期未整改（1项）"),
        ({"accidents": [Accident(D("2025-03-11"), "较大", 0)]}, "R3", "red",
         "近12个月发生较大及以上生产安全事故（2025-03-11）"),
        ({"penalties": [Penalty(D("2025-03-11"), 1, "严重")]}, "R4", "red",
         "近12个月受到情节严重的安全生产行政处罚（2025-03-11）"),
        ({"credit_rating": "D"}, "R5", "red", "安全生产信用评价为D级（严重失信）（D级）"),
        ({"open_major_hazards": 3}, "Y1", "yellow", "存在尚未整改的重大事故隐患（3项）"),
        ({"overdue_hazards": 4}, "Y2", "yellow", "存在逾期未整改的事故隐患（4项）"),
        ({"accidents": [Accident(D("2025-03-11"), "一般", 1)]}, "Y3", "yellow",
         "近12个月发生造成人员死亡的生产安全事故（2025-03-11）"),
        ({"penalties": [Penalty(D("2025-03-11"), 1, "一般")]}, "Y4", "yellow",
         "近12个月受到安全生产行政处罚（2025-03-11）"),
        ({"risk_colour": "orange"}, "Y5", "yellow", "安全风险等级为红色或橙色（橙色）"),
        ({"credit_rating": "C"}, "Y6", "yellow", "安全生产信用评价为C级（失信）（C级）"),
        ({"licence_expires_on": D("2026-03-09")}, "Y7", "yellow",
         "安全生产许可证已过期（2026-03-09到期）"),
        ({"insurance_expires_on": D("2026-03-09")}, "Y8", "yellow",
         "安全生产责任保险已过期（2026-03-09到期）"),
    ],
)  # fmt: skip
def test_each_rule_fires_with_its_reason(facts, rule, colour, text):
    got = code(**facts)
    assert got.colour == colour and got.label == safety_code.CODES[colour]
    assert rule in ids(got)
    assert Reason(rule, colour, text) in got.reasons


@pytest.mark.parametrize(
    "facts",
    [
        {"accidents": [Accident(D("2025-03-10"), "重大", 10)]},  # R3: 12 months ago today
        {"penalties": [Penalty(D("2025-03-10"), 1, "严重")]},  # R4
        {"accidents": [Accident(D("2025-03-10"), "一般", 2)]},  # Y3
        {"penalties": [Penalty(D("2025-03-10"), 1, "轻微")]},  # Y4
        {"licence_expires_on": TODAY},  # Y7: still valid on its last day
        {"insurance_expires_on": TODAY},  # Y8
        {"accidents": [Accident(D("2026-01-05"), "一般", 0)]},  # an accident without deaths
        {"risk_colour": "yellow", "credit_rating": "B"},
        {"penalties": [Penalty(D("2026-01-05"), 1, "严重", repaired=True)]},  # 信用修复 granted
    ],
)
def test_not_one_day_outside_a_window_and_nothing_for_lesser_facts(facts):
    assert code(**facts).colour == "green"


def test_an_event_fires_only_its_most_severe_rule():
    fatal_larger = code(accidents=[Accident(D("2025-12-01"), "较大", 3)])
    assert ids(fatal_larger) == ["R3"]  # not Y3 as well
    serious = code(penalties=[Penalty(D("2025-12-01"), 1, "严重")])
    assert ids(serious) == ["R4"]  # not Y4 as well
    both = code(
        accidents=[Accident(D("2025-12-01"), "较大", 3), Accident(D("2026-01-02"), "一般", 1)]
    )
    assert ids(both) == ["R3", "Y3"]


def test_red_wins_and_every_reason_is_listed_red_first_in_table_order():
    got = code(
        overdue_hazards=1, risk_colour="red", credit_rating="D", supervised_major_hazards=1,
        insurance_expires_on=D("2025-12-31"),
        penalties=[Penalty(D("2025-06-01"), 1, "一般"), Penalty(D("2025-09-01"), 1, "轻微")],
    )  # fmt: skip
    assert got.colour == "red" and got.label == "红码"
    assert ids(got) == ["R1", "R5", "Y2", "Y4", "Y5", "Y8"]
    assert [r.colour for r in got.reasons] == ["red"] * 2 + ["yellow"] * 4
    assert got.reasons[3].text == "近12个月受到安全生产行政处罚（2025-09-01、2025-06-01）"


def test_yellow_when_only_yellow_rules_fire():
    got = code(open_major_hazards=1, credit_rating="C")
    assert got.colour == "yellow" and ids(got) == ["Y1", "Y6"]


def test_the_rule_table_is_printable_and_ordered():
    table = [rule.as_dict() for rule in safety_code.RULES]
    assert [row["id"] for row in table] == [f"R{i}" for i in range(1, 6)] + [
        f"Y{i}" for i in range(1, 9)
    ]
    assert all(set(row) == {"id", "colour", "text", "condition"} for row in table)
    assert all(row["text"] and row["condition"] for row in table)


def test_a_province_may_pass_its_own_rules():
    extra = safety_code.Rule("Y9", "yellow", "未开展年度应急演练", "本年度未开展应急演练",
                             lambda f: "无记录")  # fmt: skip
    got = safety_code.decide(Facts(today=TODAY), (*safety_code.RULES, extra))
    assert got.reasons == (Reason("Y9", "yellow", "未开展年度应急演练（无记录）"),)
    with pytest.raises(ValueError, match="colour must be red or yellow"):
        safety_code.Rule("X1", "green", "t", "c", lambda f: None)


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"overdue_hazards": -1}, "whole number ≥ 0"),
        ({"open_major_hazards": True}, "whole number ≥ 0"),
        ({"overdue_major_hazards": 2, "open_major_hazards": 1}, "cannot exceed"),
        ({"accidents": [Penalty(D("2025-01-01"), 1, "一般")]}, "Accident entries"),
        ({"penalties": [Penalty(D("2026-03-11"), 1, "一般")]}, "dated after today"),
        ({"risk_colour": "green"}, "risk_colour must be one of"),
        ({"credit_rating": "E"}, "credit_rating must be one of"),
        ({"licence_expires_on": "2026-01-01"}, "licence_expires_on must be a date"),
    ],
)
def test_bad_facts_are_refused_by_name(facts, message):
    with pytest.raises(ValueError, match=message):
        Facts(today=TODAY, **facts)
    with pytest.raises(ValueError, match="today must be a date"):
        Facts(today=dt.datetime(2026, 3, 10, 8))  # noqa: DTZ001


FACTS = st.builds(
    Facts,
    today=st.just(TODAY),
    supervised_major_hazards=st.integers(0, 2),
    open_major_hazards=st.integers(0, 2),
    overdue_hazards=st.integers(0, 2),
    risk_colour=st.sampled_from([None, "red", "orange", "yellow", "blue"]),
    credit_rating=st.sampled_from([None, "A", "B", "C", "D"]),
    licence_expires_on=st.one_of(st.none(), st.dates(D("2025-01-01"), D("2027-01-01"))),
)


@settings(max_examples=200, deadline=None)
@given(facts=FACTS)
def test_the_colour_is_the_most_severe_reason_and_reasons_are_sorted(facts):
    got = safety_code.decide(facts)
    severity = {"green": 0, "yellow": 1, "red": 2}
    assert severity[got.colour] == max((severity[r.colour] for r in got.reasons), default=0)
    order = [rule.id for rule in safety_code.RULES]
    ranks = [(-severity[r.colour], order.index(r.rule_id)) for r in got.reasons]
    assert ranks == sorted(ranks) and len(set(ids(got))) == len(got.reasons)

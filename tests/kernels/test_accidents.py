"""Decree 493 grades with the boundary cases of STANDARDS.md §3, and the reporting limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingji.kernels import accidents

CN = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("dead", "injured", "loss", "expected", "decided"),
    [
        (3, 0, 0, "较大", ("dead",)),
        (2, 10, 0, "较大", ("seriously_injured",)),
        (9, 0, 49_990_000, "较大", ("dead", "loss_yuan")),
        (10, 0, 0, "重大", ("dead",)),
        (0, 0, 50_000_000, "重大", ("loss_yuan",)),
        (29, 99, 0, "重大", ("dead", "seriously_injured")),
        (0, 100, 0, "特别重大", ("seriously_injured",)),
        (30, 0, 0, "特别重大", ("dead",)),
        (0, 0, Decimal("100000000"), "特别重大", ("loss_yuan",)),
        (2, 9, 9_999_999.99, "一般", ("dead", "seriously_injured", "loss_yuan")),
        (0, 0, 0, "一般", ()),
    ],
)
def test_the_most_severe_criterion_decides(dead, injured, loss, expected, decided):
    got = accidents.grade(dead, injured, loss)
    assert (got.grade, got.decided_by) == (expected, decided)
    assert accidents.GRADES[got.level] == expected


@pytest.mark.parametrize(
    "bad",
    [
        (-1, 0, 0),
        (1.5, 0, 0),
        (0, 0, float("nan")),
        (0, 0, float("inf")),
        ("3", 0, 0),
        (True, 0, 0),
        (0, None, 0),
    ],
)
def test_bad_figures_are_refused_by_name(bad):
    with pytest.raises(ValueError, match="must be"):
        accidents.grade(*bad)


def test_deadlines_climb_the_chain_two_hours_a_level_from_each_receipt():
    at = dt.datetime(2026, 7, 1, 9, 0, tzinfo=CN)
    general = accidents.deadlines(at, 0)
    assert [(d.level, d.due.hour) for d in general] == [("county", 10), ("city", 12)]
    serious = accidents.deadlines(at, 2, {"county": at + dt.timedelta(minutes=40)})
    assert [d.level for d in serious] == ["county", "city", "province", "ministry"]
    assert serious[0].met and serious[1].due == at + dt.timedelta(minutes=160)
    assert serious[3].due == serious[1].due + dt.timedelta(hours=4)
    late = accidents.deadlines(at, 1, {"county": at + dt.timedelta(minutes=61)})
    assert late[0].overdue(at) and not late[0].met
    assert not late[1].overdue(at + dt.timedelta(hours=3)) and late[1].overdue(
        at + dt.timedelta(hours=4)
    )
    with pytest.raises(ValueError, match="unknown report level"):
        accidents.deadlines(at, 0, {"town": at})
    with pytest.raises(ValueError, match="time-zone-aware"):
        accidents.deadlines(at.replace(tzinfo=None), 0)


def test_the_supplement_window_closes_after_30_or_7_days_not_counting_the_first():
    at = dt.datetime(2026, 7, 1, 23, 30, tzinfo=CN)
    assert accidents.supplement_window_closes(at) == dt.datetime(2026, 8, 1, 0, 0, tzinfo=CN)
    road = accidents.supplement_window_closes(at, road_or_fire=True)
    assert road == dt.datetime(2026, 7, 9, 0, 0, tzinfo=CN)
    utc = dt.datetime(2026, 7, 1, 16, 30, tzinfo=dt.UTC)  # 00:30 on 2 July in China
    assert accidents.supplement_window_closes(utc).date() == dt.date(2026, 8, 2)


def test_updates_are_due_daily_or_twice_daily_by_grade():
    at = dt.datetime(2026, 7, 1, 9, 0, tzinfo=CN)
    assert accidents.next_update_due(at, 1) - at == dt.timedelta(hours=24)
    assert accidents.next_update_due(at, 2) - at == dt.timedelta(hours=12)

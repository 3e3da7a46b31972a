"""Working days on the national holiday calendar: the 20-working-day publication limit across
国庆 and 春节, make-up working days that count, holiday Mondays that do not, strict loading of
the data file, local adjustments, and properties over random dates."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels import workdays
from yingji.kernels.workdays import Calendar, NotCovered

DATA = Path(__file__).resolve().parents[2] / "data" / "calendar" / "cn_workdays.json"
RAW = json.loads(DATA.read_text(encoding="utf-8"))
CAL = workdays.load(RAW)
D = dt.date.fromisoformat

# Every weekday off and every weekend day worked in 2024–2026, as the independent
# `chinesecalendar` 1.11.0 package has them (the day-by-day cross-check of data/calendar/README.md).
WEEKDAYS_OFF = {
    2024: "01-01 02-12 02-13 02-14 02-15 02-16 04-04 04-05 05-01 05-02 05-03 06-10 09-16 09-17 "
    "10-01 10-02 10-03 10-04 10-07",
    2025: "01-01 01-28 01-29 01-30 01-31 02-03 02-04 04-04 05-01 05-02 05-05 06-02 10-01 10-02 "
    "10-03 10-06 10-07 10-08",
    2026: "01-01 01-02 02-16 02-17 02-18 02-19 02-20 02-23 04-06 05-01 05-04 05-05 06-19 09-25 "
    "10-01 10-02 10-05 10-06 10-07",
}
WEEKENDS_WORKED = {
    2024: "02-04 02-18 04-07 04-28 05-11 09-14 09-29 10-12",
    2025: "01-26 02-08 04-27 09-28 10-11",
    2026: "01-04 02-14 02-28 05-09 09-20 10-10",
}


def test_the_data_file_agrees_day_by_day_with_the_independent_source():
    for year in (2024, 2025, 2026):
        off = {D(f"{year}-{md}") for md in WEEKDAYS_OFF[year].split()}
        worked = {D(f"{year}-{md}") for md in WEEKENDS_WORKED[year].split()}
        day = dt.date(year, 1, 1)
        while day.year == year:
            expected = (day.weekday() < 5 and day not in off) or day in worked
            assert CAL.is_workday(day) is expected, day
            day += dt.timedelta(days=1)
    assert CAL.covered_years == {2024, 2025, 2026}
    assert "国办发明电〔2024〕12号" in CAL.sources[2025]
    assert CAL.holiday_name(D("2025-10-08")) == "国庆节、中秋节"
    assert CAL.holiday_name(D("2026-02-14")) == "春节"  # a make-up day names its festival
    assert CAL.holiday_name(D("2025-03-03")) is None


def test_twenty_working_days_across_national_day_2025():
    # Decided Fri 2025-09-26. Sat 27 off; Sun 28 is a make-up day (1); Mon 29 (2), Tue 30 (3);
    # Oct 1–8 off; Thu 9 (4), Fri 10 (5), Sat 11 make-up (6); Mon 13 – Fri 17 (7–11);
    # Mon 20 – Fri 24 (12–16); Mon 27 – Thu 30 (17–20) → Thu 2025-10-30.
    assert CAL.add_workdays(D("2025-09-26"), workdays.PUBLICATION_LIMIT) == D("2025-10-30")
    assert CAL.workdays_between(D("2025-09-26"), D("2025-10-30")) == 20
    assert CAL.workdays_between(D("2025-09-26"), D("2025-10-31")) == 21  # a day late


def test_twenty_working_days_across_spring_festival_2026():
    # Decided Fri 2026-02-06. Mon 9 – Fri 13 (1–5), Sat 14 make-up (6); Feb 15–23 off;
    # Tue 24 – Fri 27 (7–10), Sat 28 make-up (11); Mon Mar 2 – Fri 6 (12–16);
    # Mon 9 – Thu 12 (17–20) → Thu 2026-03-12.
    assert CAL.add_workdays(D("2026-02-06"), 20) == D("2026-03-12")


def test_a_make_up_working_day_is_counted():
    # Fri 2024-02-02: the next working day is Sun 2024-02-04 (春节 make-up), not Mon 5.
    assert CAL.add_workdays(D("2024-02-02"), 1) == D("2024-02-04")
    # Across the year end: 2026 元旦 is Jan 1–3 and Sun Jan 4 is worked.
    assert CAL.add_workdays(D("2025-12-31"), 1) == D("2026-01-04")


def test_a_holiday_monday_is_skipped():
    assert CAL.add_workdays(D("2024-06-07"), 1) == D("2024-06-11")  # 端午 Mon 2024-06-10
    assert CAL.add_workdays(D("2025-04-30"), 1) == D("2025-05-06")  # 劳动节 until Mon May 5
    assert CAL.workdays_between(D("2024-06-07"), D("2024-06-10")) == 0


def test_the_start_day_never_counts_and_zero_is_the_start():
    assert CAL.add_workdays(D("2025-03-03"), 1) == D("2025-03-04")
    assert CAL.add_workdays(D("2025-10-03"), 0) == D("2025-10-03")
    assert CAL.workdays_between(D("2025-03-04"), D("2025-03-03")) == -1


def test_an_uncovered_year_is_an_error_unless_the_caller_asks_for_the_fallback():
    with pytest.raises(NotCovered, match="does not cover 2027") as caught:
        CAL.add_workdays(D("2026-12-25"), 10)
    assert caught.value.year == 2027
    with pytest.raises(NotCovered):
        CAL.is_workday(D("2023-12-29"))
    # Fallback: weekdays only in 2027, so 1 January 2027 (a Friday) counts, and the caller
    # learns that 2027 was assumed.
    got = CAL.add_workdays(D("2026-12-25"), 5, fallback=True)
    assert got == D("2027-01-01")
    assert CAL.assumed_years(D("2026-12-25"), got) == (2027,)
    assert CAL.assumed_years(D("2025-01-01"), D("2026-06-01")) == ()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: CAL.add_workdays(D("2025-01-01"), -1), "integer in 0"),
        (lambda: CAL.add_workdays(D("2025-01-01"), True), "integer in 0"),
        (lambda: CAL.add_workdays(D("2025-01-01"), 10_000), "integer in 0"),
        (lambda: CAL.is_workday(dt.datetime(2025, 1, 2, 9)), "not a datetime"),  # noqa: DTZ001
        (lambda: CAL.is_workday("2025-01-02"), "must be a date"),
        (lambda: CAL.is_workday(dt.date(1900, 1, 1)), "must lie in"),
    ],
)
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _broken(path: str, value: object) -> dict:
    data = copy.deepcopy(RAW)
    *parents, last = path.split("/")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_broken("years/2025/holidays/0/from", "2025-13-01"), r"holidays\[0\]\.from.*not a date"),
        (_broken("years/2025/holidays/0/to", "2024-12-31"), "on or after"),
        (_broken("years/2025/workdays/0/date", "2025-10-02"), "both a holiday and a make-up"),
        (_broken("years/2025/workdays/0/date", "2025-03-04"), "not a weekend day"),
        (_broken("years/2025/workdays/1", {"date": "2025-01-26", "name": "x"}), "listed twice"),
        (
            _broken(
                "years/2025/holidays/2", {"name": "x", "from": "2025-01-01", "to": "2025-01-01"}
            ),
            "listed twice",
        ),
        (_broken("years/2025/workdays/0/extra", 1), "unknown key 'extra'"),
        (_broken("years/2025/source/title", ""), "source.title must be non-empty"),
        (_broken("years/2025/source", "国办"), "source must be an object"),
        (_broken("years/2025/holidays/0/name", {"nested": ["x"]}), "name must be non-empty text"),
        (_broken("years/2025/holidays", {"a": 1}), "holidays must be a list"),
        (_broken("years/2025/holidays/0/from", "2027-01-01"), "not in or next to the year"),
        (_broken("years/2025/holidays/0/to", "2025-03-01"), "within 31 days"),
        (_broken("years/2025/workdays", [{"date": "2025-03-01", "name": "x"}] * 41), "at most 40"),
        (_broken("years/20x5", {}), "not a four-digit year"),
        (_broken("years/1800", {}), "outside"),
        (_broken("schema", 2), "only version 1"),
        (_broken("colour", "red"), "unknown key 'colour'"),
        ({"schema": 1}, "missing key 'years'"),
        ([], "the calendar must be an object"),
    ],
)
def test_bad_data_is_refused_naming_the_problem(data, message):
    with pytest.raises(ValueError, match=message):
        workdays.load(data)


def test_json_text_is_size_limited_and_checked():
    assert workdays.loads(DATA.read_bytes()) == CAL
    with pytest.raises(ValueError, match="at most"):
        workdays.loads(" " * (workdays.MAX_BYTES + 1))
    with pytest.raises(ValueError, match="not valid JSON"):
        workdays.loads("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        workdays.loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="JSON text"):
        workdays.loads(None)


def test_the_calendar_itself_refuses_inconsistent_days():
    sat, mon = D("2025-03-01"), D("2025-03-03")
    with pytest.raises(ValueError, match="both a holiday"):
        Calendar(frozenset({sat}), frozenset({sat}), frozenset({2025}))
    with pytest.raises(ValueError, match="is a weekday"):
        Calendar(frozenset(), frozenset({mon}), frozenset({2025}))
    with pytest.raises(ValueError, match="frozenset"):
        Calendar({mon}, frozenset(), frozenset({2025}))  # type: ignore[arg-type]


LOCAL = {
    "years": {
        "2025": {
            "source": {"title": "某省2025年地方节日安排（示例）"},
            "holidays": [
                {"name": "地方节日", "from": "2025-04-01", "to": "2025-04-02"},
                {"name": "地方节日", "from": "2025-09-28", "to": "2025-09-28"},
            ],
            "workdays": [{"date": "2025-03-29", "name": "地方节日"}],
        }
    }
}


def test_local_adjustments_add_days_on_top_of_the_national_calendar():
    merged = workdays.merge(CAL, workdays.load(LOCAL))
    assert not merged.is_workday(D("2025-04-01")) and CAL.is_workday(D("2025-04-01"))
    assert merged.is_workday(D("2025-03-29")) and not CAL.is_workday(D("2025-03-29"))
    # the local day off wins over the national make-up Sunday 2025-09-28
    assert not merged.is_workday(D("2025-09-28")) and CAL.is_workday(D("2025-09-28"))
    assert merged.covered_years == CAL.covered_years
    assert "某省" in merged.sources[2025] and "国办发明电" in merged.sources[2025]
    assert merged.holiday_name(D("2025-04-02")) == "地方节日"


def test_local_adjustments_may_not_contradict_or_reach_beyond_the_national_data():
    clash = copy.deepcopy(LOCAL)
    clash["years"]["2025"]["workdays"] = [{"date": "2025-10-04", "name": "x"}]  # national 国庆
    with pytest.raises(ValueError, match="is a national holiday"):
        workdays.merge(CAL, workdays.load(clash))
    later = {"years": {"2027": LOCAL["years"]["2025"] | {"holidays": [], "workdays": []}}}
    with pytest.raises(ValueError, match="covers 2027"):
        workdays.merge(CAL, workdays.load(later))


DAYS = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 10, 31))


@settings(max_examples=200, deadline=None)
@given(start=DAYS, n=st.integers(min_value=1, max_value=40))
def test_the_deadline_is_a_working_day_exactly_n_working_days_later(start, n):
    due = CAL.add_workdays(start, n)
    assert CAL.is_workday(due)
    assert CAL.workdays_between(start, due) == n
    assert CAL.workdays_between(start, due - dt.timedelta(days=1)) == n - 1
    assert CAL.add_workdays(start, n + 1) > due  # strictly monotonic in n


@settings(max_examples=200, deadline=None)
@given(a=DAYS, b=DAYS)
def test_counting_is_antisymmetric_and_additive(a, b):
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)
    mid = min(a, b) + (max(a, b) - min(a, b)) / 2
    low, high = min(a, b), max(a, b)
    assert CAL.workdays_between(low, high) == (
        CAL.workdays_between(low, mid) + CAL.workdays_between(mid, high)
    )

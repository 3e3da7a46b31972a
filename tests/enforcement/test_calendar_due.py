"""Done-means 3: the publication deadline counts working days across holidays and make-up
working days, on the real national data file; a provincial day changes it; a year without
data is refused, never guessed. Also the calendar page, its editing rules and the API."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest

from tests.enforcement.penalty_fixtures import decided, load_rules
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import AuditEntry
from yingji.enforcement.models import CalendarDay, CaseState, Publication
from yingji.enforcement.services import calendar, publication

NATIONAL_DAY = dt.date(2025, 9, 26)  # a Friday, four days before 国庆/中秋 2025
# By hand, on the State Council's 2025 notice (国办发明电〔2024〕12号): the decision day does not
# count. Sat 09-27 off; Sun 09-28 is a make-up working day (1); Mon 09-29 (2); Tue 09-30 (3);
# 10-01 … 10-08 off (国庆节、中秋节); Thu 10-09 (4); Fri 10-10 (5); Sat 10-11 make-up day (6);
# Sun 10-12 off; 10-13 … 10-17 (7–11); 10-20 … 10-24 (12–16); 10-27 (17), 10-28 (18),
# 10-29 (19), Thu 10-30 (20).
DUE: dt.date = dt.date(2025, 10, 30)
WEEKDAYS_ONLY = dt.date(2025, 10, 24)  # what counting Monday–Friday alone would give


@pytest.fixture
def province(make_user: Any) -> Any:
    return make_user("zj_bureau", "33", "province_staff")


@pytest.fixture
def rules(db: None) -> dict[tuple[str, str], Any]:
    return load_rules()


def test_twenty_working_days_across_national_day_and_make_up_days(db: None) -> None:
    assert calendar.due_date(NATIONAL_DAY) == DUE
    assert DUE != WEEKDAYS_ONLY
    cal = calendar.current()
    assert cal.is_workday(dt.date(2025, 9, 28)) and cal.is_workday(dt.date(2025, 10, 11))
    assert not cal.is_workday(dt.date(2025, 10, 8))
    # the 20th working day, not the 19th or 21st
    assert calendar.due_date(NATIONAL_DAY, 19) == dt.date(2025, 10, 29)
    assert calendar.due_date(NATIONAL_DAY, 21) == dt.date(2025, 10, 31)


def test_a_decision_before_national_day_is_due_on_the_hand_counted_day(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    case = decided(crew.county, firms.own, rules[("AQF97-7", "general")], on=NATIONAL_DAY)
    item = Publication.objects.get(case=case)
    assert (item.fact_on, item.due_on) == (NATIONAL_DAY, DUE)


def test_a_provincial_day_off_or_make_up_day_moves_open_deadlines(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], province: Any
) -> None:
    case = decided(crew.county, firms.own, rules[("AQF97-7", "general")], on=NATIONAL_DAY)
    typhoon = calendar.add_day(actor=province, date="2025-10-20", kind="holiday",
                               name="台风停工", source="浙江省人民政府通告〔2025〕1号")  # fmt: skip
    assert calendar.due_date(NATIONAL_DAY) == dt.date(2025, 10, 31)
    assert Publication.objects.get(case=case).due_on == dt.date(2025, 10, 31)
    calendar.remove_day(actor=province, pk=typhoon.pk, reason="通告撤回，恢复上班")
    assert calendar.due_date(NATIONAL_DAY) == DUE
    assert Publication.objects.get(case=case).due_on == DUE
    calendar.add_day(actor=province, date="2025-10-25", kind="workday", name="调休上班",
                     source="浙江省人民政府办公厅通知")  # fmt: skip
    assert calendar.due_date(NATIONAL_DAY) == dt.date(2025, 10, 29)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"calendar_add", "calendar_remove"} <= actions


def test_a_year_without_the_state_council_notice_is_refused(db: None) -> None:
    with pytest.raises(calendar.CalendarGap) as caught:
        calendar.due_date(dt.date(2099, 3, 2))
    assert caught.value.year == 2099
    assert "2099" in caught.value.message and "cn_workdays.json" in caught.value.message
    # a deadline that only spills into the next year is refused too
    last_covered = max(calendar.national().covered_years)
    with pytest.raises(calendar.CalendarGap, match=str(last_covered + 1)):
        calendar.due_date(dt.date(last_covered, 12, 28))


def test_a_decision_reaching_an_uncovered_year_gets_a_provisional_deadline_recounted_later(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], settings: Any,
    tmp_path: Any,
) -> None:  # fmt: skip
    """A decision in a year whose holiday notice is not in the data yet is not blocked: its
    deadline counts weekdays only, marked provisional, and the sweep recounts it once the
    year's arrangement is added."""
    full = calendar.data_file()
    data = json.loads(full.read_text(encoding="utf-8"))
    data["years"] = {"2025": data["years"]["2025"]}
    only_2025 = tmp_path / "workdays.json"
    only_2025.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.YINGJI_WORKDAYS_DATA = str(only_2025)
    on = dt.date(2026, 9, 25)  # Fri; 国庆 2026 (Oct 1-7 off, Sun Sep 20 and Sat Oct 10 worked)
    case = decided(crew.county, firms.own, rules[("AQF97-7", "general")], on=on)
    item = Publication.objects.get(case=case)
    # weekdays only: Sep 28-30 (3), Oct 1-2 (5), 5-9 (10), 12-16 (15), 19-23 (20) → Oct 23
    assert (item.due_on, item.due_provisional) == (dt.date(2026, 10, 23), True)
    assert case.state == CaseState.DECIDED
    settings.YINGJI_WORKDAYS_DATA = str(full)  # the 2026 notice arrives
    publication.sweep(dt.date(2026, 9, 28))
    item.refresh_from_db()
    # Sep 28-30 (3), Oct 8-9 (5), Sat Oct 10 (6), 12-16 (11), 19-23 (16), 26-29 (20) → Oct 29
    assert (item.due_on, item.due_provisional) == (dt.date(2026, 10, 29), False)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "2025-13-01"}, "date"),
        ({"date": "2025-10-20'; DROP TABLE x"}, "date"),
        ({"kind": "festival"}, "kind"),
        ({"name": "节" * 5000}, "name"),
        ({"name": "  "}, "name"),
        ({"source": ""}, "source"),
        ({"source": "通知\x00"}, "source"),
        ({"kind": "workday", "date": "2025-10-22"}, "date"),  # a Wednesday
        ({"kind": "holiday", "date": "2025-10-03"}, "date"),  # a national holiday already
        ({"kind": "workday", "date": "2025-10-11"}, "date"),  # a national make-up day already
        ({"kind": "workday", "date": "2025-10-05"}, "date"),  # a national holiday (Sunday)
    ],
)
def test_bad_calendar_input_names_the_field_and_changes_nothing(
    province: Any, data: dict[str, str], field: str
) -> None:
    values = {"date": "2025-10-20", "kind": "holiday", "name": "台风", "source": "通告", **data}
    with pytest.raises(InvalidInput) as caught:
        calendar.add_day(actor=province, **values)
    assert caught.value.field == field
    assert not CalendarDay.objects.exists()
    assert calendar.due_date(NATIONAL_DAY) == DUE


def test_only_province_staff_edit_and_an_uncovered_year_is_refused(
    crew: SimpleNamespace, province: Any
) -> None:
    args = {"date": "2025-10-20", "kind": "holiday", "name": "台风", "source": "通告"}
    for user in (crew.county, crew.city, crew.i1, crew.viewer):
        with pytest.raises(Forbidden):
            calendar.add_day(actor=user, **args)
    with pytest.raises(calendar.CalendarGap, match="2099"):
        calendar.add_day(actor=province, **{**args, "date": "2099-06-01"})
    calendar.add_day(actor=province, **args)
    with pytest.raises(Conflict):
        calendar.add_day(actor=province, **args)
    assert CalendarDay.objects.count() == 1


def test_calendar_page_shows_years_calculator_and_errors(
    login: Any, crew: SimpleNamespace, province: Any
) -> None:
    client = login(crew.county)
    page = client.get("/enforcement/calendar/", {"from": "2025-09-26", "days": "20"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "2025-10-30" in text and "国办发明电〔2024〕12号" in text
    assert 'id="ef-calendar-add"' not in text  # county staff do not edit
    refused = client.get("/enforcement/calendar/", {"from": "2099-03-02"}).content.decode()
    assert 'id="ef-calc-error"' in refused and "2099" in refused and "cn_workdays.json" in refused
    assert client.post("/enforcement/calendar/add/", {"date": "2025-10-20"}).status_code == 403
    client = login(province)
    bad = client.post(
        "/enforcement/calendar/add/",
        {"date": "2025-10-20", "kind": "holiday", "name": "<script>x</script>", "source": ""},
    )
    assert bad.status_code == 422 and "<script>x</script>" not in bad.content.decode()
    good = client.post(
        "/enforcement/calendar/add/",
        {"date": "2025-10-20", "kind": "holiday", "name": "台风停工", "source": "通告"},
    )
    assert good.status_code == 302
    day = CalendarDay.objects.get()
    assert client.post(f"/enforcement/calendar/{day.pk}/remove/", {"reason": ""}).status_code == 422
    assert client.post(f"/enforcement/calendar/{day.pk}/remove/",
                       {"reason": "撤回通告"}).status_code == 302  # fmt: skip
    assert not CalendarDay.objects.exists()


def test_due_date_api(client: Any, login: Any, crew: SimpleNamespace) -> None:
    url = "/api/enforcement/calendar/due"
    assert client.get(url, {"from": "2025-09-26"}).status_code == 401
    api = login(crew.i1)
    body = api.get(url, {"from": "2025-09-26", "days": "20"}).json()
    assert body["due"] == "2025-10-30" and body["days"] == 20
    gap = api.get(url, {"from": "2099-03-02"})
    assert gap.status_code == 409 and gap.json()["code"] == "calendar_not_covered"
    start = "2025-09-26"
    for params in ({"from": "2025-02-30"}, {"from": "x" * 5000}, {"from": start, "days": "-1"},
                   {"from": start, "days": "1e309"}, {"from": start, "days": "99999"},
                   {}):  # fmt: skip
        answer = api.get(url, params)
        assert answer.status_code == 422, params

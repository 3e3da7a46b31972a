"""The investigation state machine: who leads by grade (Art. 19), the 60-day limit with one
extension of at most 60 days and appraisal days not counted (Art. 29), the report upload,
findings, measures with 回头看, closing, evaluation and typical cases; every step audited
and illegal steps refused without changing anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.accidents.conftest import docx, pdf, record
from yingji.accidents.models import Accident, Event, Investigation, State
from yingji.accidents.services import followup
from yingji.accidents.services import investigation as inv_service
from yingji.accidents.services.investigation import TRANSITIONS, IllegalTransition
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry

pytestmark = pytest.mark.django_db
TEAM = "王强，西湖区应急管理局，组长\n李娜，西湖区公安分局，成员"


def opened(people, **changes):
    changes.setdefault("occurred_at", (timezone.now() - dt.timedelta(days=20)).isoformat())
    accident = record(people.county, **changes)
    started = timezone.localdate() - dt.timedelta(days=10)
    inv = inv_service.open_investigation(
        actor=people.county, pk=accident.pk, data={"team": TEAM, "started_on": started}
    )
    return accident, inv


def step(actor, accident, action, upload=None, **data):
    return inv_service.transition(
        actor=actor, pk=accident.pk, action=action, data=data, upload=upload
    )


def test_the_transition_table_is_complete_and_explicit():
    assert [t.action for t in TRANSITIONS] == [
        "open",
        "extend",
        "pause",
        "resume",
        "submit",
        "return",
        "close",
    ]
    assert {s for t in TRANSITIONS for s in t.sources} <= {"", *State.values}


def test_a_general_accident_is_investigated_by_the_county_for_60_days(people):
    _accident, inv = opened(people)
    assert (inv.level, inv.office_path, inv.state) == ("county", "330106", "open")
    assert inv.office == "西湖区人民政府事故调查组"
    assert inv.team[0] == {"name": "王强", "unit": "西湖区应急管理局", "role": "组长"}
    assert inv.due_on == inv.started_on + dt.timedelta(days=60)
    assert AuditEntry.objects.filter(action="investigation_open").count() == 1


def test_the_start_defaults_to_the_accident_day(people):
    accident = record(people.county)
    inv = inv_service.open_investigation(actor=people.county, pk=accident.pk, data={"team": TEAM})
    assert inv.started_on == timezone.localtime(accident.occurred_at).date()


def test_a_larger_accident_is_led_by_the_city_not_the_county(people):
    accident = record(people.county, dead=3)
    with pytest.raises(Forbidden):
        inv_service.open_investigation(actor=people.county, pk=accident.pk, data={"team": TEAM})
    with pytest.raises(InvalidInput) as caught:  # never a lower level than Art. 19 names
        inv_service.open_investigation(
            actor=people.city, pk=accident.pk, data={"team": TEAM, "level": "county"}
        )
    assert caught.value.field == "level"
    inv = inv_service.open_investigation(actor=people.city, pk=accident.pk, data={"team": TEAM})
    assert (inv.level, inv.office, inv.office_path) == ("city", "杭州市人民政府事故调查组", "3301")
    with pytest.raises(Forbidden):  # the county sees it but does not act on the city's work
        step(people.county, accident, "extend", days=30, reason="需要补充取证")
    big = record(people.province, region="330106", dead=30)
    done = inv_service.open_investigation(actor=people.province, pk=big.pk, data={"team": TEAM})
    assert (done.level, done.office) == ("state_council", "国务院事故调查组")


def test_a_higher_government_may_take_an_investigation_over(people):
    accident = record(people.county)
    inv = inv_service.open_investigation(
        actor=people.city, pk=accident.pk, data={"team": TEAM, "level": "city"}
    )
    assert inv.level == "city"


def test_one_extension_of_at_most_60_days(people):
    accident, inv = opened(people)
    with pytest.raises(InvalidInput) as caught:
        step(people.county, accident, "extend", days=61, reason="需要补充取证")
    assert caught.value.field == "days"
    with pytest.raises(InvalidInput) as caught:
        step(people.county, accident, "extend", days=30, reason="")
    assert caught.value.field == "reason"
    later = step(people.county, accident, "extend", days=45, reason="需要等待尸检和补充取证")
    assert later.due_on == inv.due_on + dt.timedelta(days=45)
    with pytest.raises(Conflict) as refused:
        step(people.county, accident, "extend", days=5, reason="再延期五天")
    assert "one extension" in refused.value.message
    assert Investigation.objects.get(pk=inv.pk).extension_days == 45


def test_appraisal_days_do_not_count(people):
    accident, inv = opened(people)
    today = timezone.localdate()
    paused = step(
        people.county,
        accident,
        "pause",
        on=today - dt.timedelta(days=8),
        note="压力容器爆破原因技术鉴定",
    )
    assert paused.state == "appraisal"
    assert paused.effective_due(today) == inv.due_on + dt.timedelta(days=8)
    with pytest.raises(IllegalTransition):
        step(people.county, accident, "submit", pdf(), cause="x")
    resumed = step(people.county, accident, "resume", on=today - dt.timedelta(days=2))
    assert (resumed.state, resumed.appraisal_days) == ("open", 6)
    assert resumed.due_on == inv.due_on + dt.timedelta(days=6)
    with pytest.raises(InvalidInput):  # an appraisal cannot end before it began
        step(people.county, accident, "pause", on=today - dt.timedelta(days=30), note="再次鉴定")


def test_the_report_is_a_checked_pdf_or_docx(people, settings):
    accident, inv = opened(people)
    with pytest.raises(InvalidInput) as caught:
        step(people.county, accident, "submit", cause="设备缺陷，违章作业")
    assert caught.value.field == "report"
    for bad, code in [
        (pdf("report.docx"), "report_extension"),
        (docx(macro=True), "report_type"),
        (docx("evil.pdf"), "report_extension"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            step(people.county, accident, "submit", bad, cause="原因")
        assert caught.value.code == code
    settings.YINGJI_DOCUMENT_MAX_BYTES = 1000
    with pytest.raises(InvalidInput) as caught:
        step(people.county, accident, "submit", pdf(size=2000), cause="原因")
    assert caught.value.code == "report_too_large"
    assert Investigation.objects.get(pk=inv.pk).state == "open"
    del settings.YINGJI_DOCUMENT_MAX_BYTES
    done = step(people.county, accident, "submit", docx("调查报告.docx"), cause="设备缺陷")
    assert (done.state, done.report_name, done.submitted_on) == (
        "reported",
        "调查报告.docx",
        timezone.localdate(),
    )
    stored = settings.DATA_DIR / "accidents" / "reports" / done.report_file
    assert stored.is_file() and len(done.report_sha256) == 64


def test_the_whole_life_of_an_investigation(people):
    accident, _inv = opened(people)
    finding = inv_service.add_finding(
        actor=people.county,
        pk=accident.pk,
        data={
            "subject": "张某",
            "position": "车间主任",
            "responsibility": "direct",
            "handling": "judicial",
        },
    )
    assert finding.get_handling_display() == "移送司法机关"
    measure = followup.add_measure(
        actor=people.county,
        pk=accident.pk,
        data={
            "text": "加装联锁防护装置",
            "owner_unit": "西湖机械厂",
            "due_on": timezone.localdate() + dt.timedelta(days=30),
        },
    )
    with pytest.raises(IllegalTransition):
        step(people.county, accident, "close", approval="同意")
    with pytest.raises(IllegalTransition):  # 回头看 comes after the report
        followup.record_followup(
            actor=people.county, pk=accident.pk, measure_id=measure.pk, data={"result": "yes"}
        )
    step(people.county, accident, "submit", pdf(), cause="设备缺陷，违章作业")
    returned = step(people.county, accident, "return", note="责任认定不完整")
    assert (returned.state, returned.submitted_on) == ("open", None)
    step(people.county, accident, "submit", cause="")  # the stored report and cause stay
    followup.complete_measure(
        actor=people.county, pk=accident.pk, measure_id=measure.pk, data={"note": "已加装"}
    )
    checked = followup.record_followup(
        actor=people.county,
        pk=accident.pk,
        measure_id=measure.pk,
        data={"result": "partly", "note": "一台设备未加装"},
    )
    assert (checked.check_result, checked.checked_by) == ("partly", "xh_county")
    with pytest.raises(IllegalTransition):
        followup.evaluate(actor=people.county, pk=accident.pk, data={})
    closed = step(people.county, accident, "close", approval="区政府批复同意调查报告")
    assert (closed.state, closed.closed_on) == ("closed", timezone.localdate())
    with pytest.raises(IllegalTransition):
        inv_service.add_finding(actor=people.county, pk=accident.pk, data={"subject": "x"})
    evaluation = followup.evaluate(
        actor=people.county,
        pk=accident.pk,
        data={"measures_implemented": "partly", "score": "82", "conclusion": "整改基本到位"},
    )
    assert evaluation.score == 82
    with pytest.raises(Conflict):
        followup.evaluate(
            actor=people.county,
            pk=accident.pk,
            data={"measures_implemented": "yes", "score": "90", "conclusion": "again"},
        )
    case = followup.publish_case(
        actor=people.county,
        pk=accident.pk,
        data={"title": "某机械厂机械伤害事故", "body": "经过", "lessons": "教训"},
    )
    assert case.public
    actions = list(Event.objects.filter(accident=accident).values_list("action", flat=True))
    assert actions == [
        "record",
        "open",
        "finding",
        "measure",
        "submit",
        "return",
        "submit",
        "measure_done",
        "followup",
        "close",
        "evaluate",
        "case",
    ]
    audited = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "investigation_submit",
        "investigation_return",
        "investigation_close",
        "accident_finding",
        "accident_measure",
        "measure_done",
        "measure_followup",
        "accident_evaluate",
        "case_publish",
    } <= audited


def test_closing_needs_measures_and_a_reply(people):
    accident, _inv = opened(people)
    step(people.county, accident, "submit", pdf(), cause="原因")
    with pytest.raises(InvalidInput) as caught:
        step(people.county, accident, "close", approval="同意")
    assert caught.value.field == "measure"
    followup.add_measure(
        actor=people.county,
        pk=accident.pk,
        data={"text": "培训", "owner_unit": "厂", "due_on": timezone.localdate().isoformat()},
    )
    with pytest.raises(InvalidInput) as caught:
        step(people.county, accident, "close", approval="")
    assert caught.value.field == "approval"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"team": ""}, "team"),
        ({"team": [{"unit": "无名"}]}, "team"),
        ({"team": "\n".join(f"成员{i}，单位，职务" for i in range(60))}, "team"),
        ({"team": TEAM, "started_on": "2026-13-01"}, "started_on"),
        ({"team": TEAM, "started_on": "2001-01-01"}, "started_on"),
        ({"team": TEAM, "level": "village"}, "level"),
        ({"team": TEAM, "office": "办" * 101}, "office"),
    ],
)
def test_opening_refuses_bad_input_and_writes_nothing(people, data, field):
    accident = record(people.county)
    with pytest.raises(InvalidInput) as caught:
        inv_service.open_investigation(actor=people.county, pk=accident.pk, data=data)
    assert caught.value.field == field
    assert not Investigation.objects.exists()


def test_others_cannot_see_or_touch_an_investigation(people):
    accident, _inv = opened(people)
    with pytest.raises(NotFound):
        step(people.other_county, accident, "extend", days=3, reason="越权尝试")
    with pytest.raises(Forbidden):
        step(people.viewer, accident, "extend", days=3, reason="越权尝试")
    with pytest.raises(InvalidInput):
        step(people.county, accident, "explode")
    with pytest.raises(IllegalTransition) as caught:
        inv_service.open_investigation(actor=people.county, pk=accident.pk, data={"team": TEAM})
    assert caught.value.allowed == ["extend", "pause", "submit"]
    assert Accident.objects.count() == 1

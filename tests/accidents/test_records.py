"""Recording accidents: graded by Decree 493 from the figures, numbered per county and year,
linked to its incident and enterprise, 补报 inside and outside the window, void; hostile or
malformed input is refused naming the field, and nothing is half-written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.accidents.conftest import NOW, record
from tests.incidents.conftest import accident as incident_accident
from yingji.accidents.models import Accident, Event
from yingji.accidents.selectors import for_enterprise
from yingji.accidents.services import records
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_record_is_graded_numbered_and_audited(people):
    accident = record(people.county, dead=3, direct_loss_yuan="2000000")
    assert (accident.grade, accident.grade_name, accident.grade_decided_by) == (1, "较大", "dead")
    year = timezone.localtime(NOW - dt.timedelta(days=2)).year
    assert accident.code == f"SG-330106-{year}-0001"
    assert record(people.county).code == f"SG-330106-{year}-0002"
    assert accident.region_path == "330106002"
    assert AuditEntry.objects.filter(action="accident_record", object_id=str(accident.pk)).count()
    assert Event.objects.get(accident=accident).action == "record"


@pytest.mark.parametrize(
    ("figures", "grade", "decided"),
    [
        ({"dead": 2, "seriously_injured": 10}, 1, "seriously_injured"),
        ({"dead": 10}, 2, "dead"),
        ({"direct_loss_yuan": "50000000"}, 2, "loss_yuan"),
        ({"dead": 0, "seriously_injured": 100}, 3, "seriously_injured"),
        ({"dead": 0, "direct_loss_yuan": "9999999.99"}, 0, "loss_yuan"),
    ],
)
def test_the_grade_is_the_kernels(people, figures, grade, decided):
    accident = record(people.county, **figures)
    assert (accident.grade, accident.grade_decided_by.split(",")[0]) == (grade, decided)


def test_an_enterprise_accident_copies_its_industry_and_region(people):
    accident = record(
        people.county,
        enterprise=str(people.factory.pk),
        region="",
        industry_code="A01",
        industry_name="农业",
    )
    assert (accident.industry_code, accident.industry_name) == ("C3411", "锅炉及辅助设备制造")
    assert accident.region_id == people.factory.region_id
    by_code = record(people.county, enterprise=people.factory.credit_code.lower())
    assert by_code.enterprise_id == people.factory.pk
    assert [a.pk for a in for_enterprise(people.factory.pk, dt.date(2000, 1, 1))] == [
        by_code.pk,
        accident.pk,
    ]


def test_for_enterprise_leaves_out_voided_and_older_accidents(people):
    old = record(
        people.county,
        enterprise=people.factory.pk,
        occurred_at=(NOW - dt.timedelta(days=400)).isoformat(),
    )
    kept = record(people.county, enterprise=people.factory.pk)
    gone = record(people.county, enterprise=people.factory.pk)
    records.void_accident(actor=people.county, pk=gone.pk, reason="重复录入的记录")
    since = (NOW - dt.timedelta(days=30)).date()
    assert [a.pk for a in for_enterprise(people.factory.pk, since)] == [kept.pk]
    assert old.pk in [a.pk for a in for_enterprise(people.factory.pk, dt.date(2000, 1, 1))]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"summary": "ok\x00nul"}, "summary"),
        ({"summary": ["not", "text"]}, "summary"),
        ({"dead": "-1"}, "dead"),
        ({"dead": "2.5"}, "dead"),
        ({"dead": True}, "dead"),
        ({"dead": "9" * 40}, "dead"),
        ({"seriously_injured": "１２"}, "seriously_injured"),  # full-width digits
        ({"direct_loss_yuan": "NaN"}, "direct_loss_yuan"),
        ({"direct_loss_yuan": "-5"}, "direct_loss_yuan"),
        ({"direct_loss_yuan": "1e30"}, "direct_loss_yuan"),
        ({"direct_loss_yuan": "1" * 200}, "direct_loss_yuan"),
        ({"accident_type": "meteor"}, "accident_type"),
        ({"accident_type": ""}, "accident_type"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": (NOW + dt.timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"occurred_at": "1980-01-01T00:00"}, "occurred_at"),
        ({"region": "33"}, "region"),
        ({"region": "abc"}, "region"),
        ({"region": "999999"}, "region"),
        ({"industry_code": "ZZ"}, "industry_code"),
        ({"lon": "120.1"}, "lat"),
        ({"lon": "200", "lat": "30"}, "lon"),
        ({"incident": "1; DROP TABLE"}, "incident"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(people, changes, field):
    with pytest.raises(InvalidInput) as caught:
        record(people.county, **changes)
    assert caught.value.field == field
    assert not Accident.objects.exists()
    assert not AuditEntry.objects.filter(action="accident_record").exists()


def test_places_outside_the_jurisdiction_are_not_found(people):
    with pytest.raises(NotFound) as caught:
        record(people.county, region="330108001")
    assert caught.value.field == "region"
    with pytest.raises(NotFound):
        record(people.county, enterprise=str(people.other.pk))
    assert not Accident.objects.exists()


def test_only_accident_managers_record(people):
    for actor in (people.viewer, people.manager, people.duty):
        with pytest.raises(Forbidden):
            record(actor)


def test_an_incident_becomes_its_accident_record_once(people):
    incident = incident_accident(
        people.duty, dead=3, seriously_injured=0, direct_loss_yuan="100000"
    )
    prefill = records.prefill_from_incident(people.county, incident.pk)
    assert prefill["accident_type"] == "poisoning" and prefill["dead"] == 3
    accident = records.from_incident(
        actor=people.county, incident_pk=incident.pk, changes={"accident_type": "vessel_explosion"}
    )
    assert accident.incident_id == incident.pk
    assert (accident.accident_type, accident.dead, accident.grade) == ("vessel_explosion", 3, 1)
    assert accident.occurred_at == incident.occurred_at
    with pytest.raises(Conflict):
        records.from_incident(actor=people.county, incident_pk=incident.pk)
    with pytest.raises(NotFound):
        records.from_incident(actor=people.other_county, incident_pk=incident.pk)


def test_a_drill_or_a_natural_disaster_has_no_accident_record(people):
    drill = incident_accident(people.duty, exercise=True)
    typhoon = incident_accident(people.duty, event_type="typhoon")
    for incident in (drill, typhoon):
        with pytest.raises(InvalidInput) as caught:
            records.from_incident(actor=people.county, incident_pk=incident.pk)
        assert caught.value.field == "incident"


def test_casualties_regrade_within_the_window_only(people):
    accident = record(people.county, dead=1)
    later = records.update_casualties(
        actor=people.county, pk=accident.pk, data={"dead": "3", "note": "医院确认"}, now=NOW
    )
    assert (later.dead, later.grade) == (3, 1)
    assert "一般 → 较大" in Event.objects.filter(accident=accident).last().note
    after = NOW + dt.timedelta(days=40)
    final = records.update_casualties(
        actor=people.county, pk=accident.pk, data={"dead": "12"}, now=after
    )
    assert (final.dead, final.grade) == (12, 1)  # recorded, grade unchanged after 30 days
    assert "补报期已过" in Event.objects.filter(accident=accident).last().note


def test_fires_have_a_seven_day_window(people):
    fire = record(people.county, accident_type="fire", dead=1)
    eight_days = NOW + dt.timedelta(days=8)
    done = records.update_casualties(
        actor=people.county, pk=fire.pk, data={"dead": 3}, now=eight_days
    )
    assert done.grade == 0
    with pytest.raises(InvalidInput) as caught:
        records.update_casualties(actor=people.county, pk=fire.pk, data={"dead": 3}, now=NOW)
    assert caught.value.field == "dead"  # nothing changed


def test_void_needs_a_reason_and_happens_once(people):
    accident = record(people.county)
    with pytest.raises(InvalidInput):
        records.void_accident(actor=people.county, pk=accident.pk, reason=" ")
    records.void_accident(actor=people.county, pk=accident.pk, reason="非生产安全事故，误录")
    with pytest.raises(Conflict):
        records.void_accident(actor=people.county, pk=accident.pk, reason="再次作废试试")
    with pytest.raises(Conflict):
        records.update_casualties(actor=people.county, pk=accident.pk, data={"dead": 4})
    assert Accident.objects.get(pk=accident.pk).direct_loss_yuan == Decimal("1500000.00")

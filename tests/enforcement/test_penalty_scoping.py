"""Scoping of cases, documents, publications and the enforcement record (done-means 6): another
county gets 404, an enterprise sees its own only, an inspector only their tasks' cases."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.enforcement.penalty_fixtures import completed_task, decided, filed, load_rules
from yingji.core.errors import Forbidden, NotFound
from yingji.enforcement.models import EnforcementDocument, Publication
from yingji.enforcement.services import penalties, publication
from yingji.hazards.models import HiddenHazard

GENERAL = ("AQF97-7", "general")


@pytest.fixture
def world(crew: SimpleNamespace, firms: SimpleNamespace, item: Any, db: None) -> SimpleNamespace:
    rules = load_rules()
    task = completed_task(item, firms.own, [crew.i1, crew.i2])
    hazard = HiddenHazard.objects.create(
        code="YH-TEST-0001", source="inspection", enterprise=firms.own, category="management",
        grade="general", title="特种作业人员无证上岗", description="两名电工无证",
        region_id=firms.own.region_id,
    )  # fmt: skip
    task.findings.filter(point_id="2").update(hazard=hazard)
    from_task = filed(crew.i1, firms.own, rules[GENERAL], task=task.pk)
    own_decided = decided(crew.county, firms.own, rules[GENERAL])
    other_firm = decided(crew.county, firms.xihu[1], rules[GENERAL])
    return SimpleNamespace(task=task, hazard=hazard, from_task=from_task, own=own_decided,
                           other_firm=other_firm, rules=rules)  # fmt: skip


def test_another_county_sees_nothing_of_it(
    login: Any, crew: SimpleNamespace, firms: SimpleNamespace, world: SimpleNamespace
) -> None:
    stranger = crew.other_county
    client = login(stranger)
    case = world.own
    assert client.get(f"/enforcement/cases/{case.pk}/").status_code == 404
    assert case.code not in client.get("/enforcement/cases/").content.decode()
    assert client.get(f"/enforcement/enterprises/{firms.own.pk}/").status_code == 404
    assert client.get(f"/api/enforcement/cases/{case.pk}").status_code == 404
    assert client.get("/api/enforcement/cases").json()["total"] == 0
    item = Publication.objects.get(case=case)
    assert client.post(f"/api/enforcement/publications/{item.pk}/publish").status_code == 404
    assert client.post(f"/enforcement/cases/{case.pk}/pay/", {"payment": "paid"}).status_code == 404
    with pytest.raises(NotFound):
        penalties.act(actor=stranger, pk=case.pk, action="pay", data={"payment": "paid"})
    document = case.documents.first()
    assert (
        client.get(f"/enforcement/cases/{case.pk}/documents/{document.pk}.pdf").status_code == 404
    )


def test_an_enterprise_sees_its_own_record_only_and_cannot_act(
    login: Any, firms: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = login(firms.manager)
    record = client.get(f"/enforcement/enterprises/{firms.own.pk}/")
    text = record.content.decode()
    assert record.status_code == 200
    assert world.own.code in text and world.from_task.code in text
    assert world.task.code in text and world.hazard.code in text  # the hazard from the finding
    assert world.other_firm.code not in text
    assert client.get(f"/enforcement/enterprises/{firms.xihu[1].pk}/").status_code == 404
    assert client.get(f"/enforcement/cases/{world.other_firm.pk}/").status_code == 404
    assert client.get(f"/enforcement/cases/{world.own.pk}/").status_code == 200
    document = world.own.documents.get(kind="pen_decision")
    pdf = client.get(f"/enforcement/cases/{world.own.pk}/documents/{document.pk}.pdf")
    assert pdf.status_code == 200
    listed = client.get("/api/enforcement/cases").json()
    assert {c["id"] for c in listed["items"]} == {world.own.pk, world.from_task.pk}
    with pytest.raises(Forbidden):
        penalties.act(actor=firms.manager, pk=world.own.pk, action="pay", data={"payment": "paid"})
    assert client.post(f"/enforcement/cases/{world.own.pk}/pay/",
                       {"payment": "paid"}).status_code == 403  # fmt: skip
    assert client.get(f"/enforcement/enterprises/{firms.other.pk}/").status_code == 404
    other = login(firms.other_manager)
    assert other.get(f"/enforcement/enterprises/{firms.own.pk}/").status_code == 404


def test_an_inspector_sees_the_cases_of_their_tasks_only(
    login: Any, crew: SimpleNamespace, firms: SimpleNamespace, world: SimpleNamespace
) -> None:
    mine = login(crew.i1)
    assert mine.get(f"/enforcement/cases/{world.from_task.pk}/").status_code == 200
    assert mine.get(f"/enforcement/cases/{world.own.pk}/").status_code == 404  # no task
    ids = {c["id"] for c in mine.get("/api/enforcement/cases").json()["items"]}
    assert ids == {world.from_task.pk}
    # the inspector issues the notice of their own case, but does not publish anything
    penalties.act(actor=crew.i1, pk=world.from_task.pk, action="notify", data={"amount": "40000"})
    notice = EnforcementDocument.objects.get(case=world.from_task, kind="pen_notice")
    url = f"/enforcement/cases/{world.from_task.pk}/documents/{notice.pk}.pdf"
    assert mine.get(url).status_code == 200
    item = Publication.objects.get(case=world.own)
    with pytest.raises(Forbidden):
        publication.publish(actor=crew.i1, pk=item.pk)
    other = login(crew.i3)
    assert other.get(f"/enforcement/cases/{world.from_task.pk}/").status_code == 404
    assert other.get(url).status_code == 404
    assert other.get("/api/enforcement/cases").json()["total"] == 0
    record = other.get(f"/enforcement/enterprises/{firms.own.pk}/").content.decode()
    assert world.from_task.code not in record and world.task.code not in record
    with pytest.raises(NotFound):
        penalties.act(actor=crew.i3, pk=world.from_task.pk, action="withdraw",
                      data={"reason": "不是我的案件"})  # fmt: skip


def test_staff_of_the_city_see_the_county_and_the_record_is_complete(
    login: Any, crew: SimpleNamespace, firms: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = login(crew.city)
    page = client.get(f"/enforcement/enterprises/{firms.own.pk}/").content.decode()
    for text in (world.own.code, world.from_task.code, world.task.code, world.hazard.code,
                 world.own.decision_number, "行政处罚决定书"):  # fmt: skip
        assert text in page
    assert client.get("/enforcement/enterprises/99999999999999999999/").status_code == 404

"""What the incident page and the list cost: their queries do not grow with what an incident
holds (reports, receipts, tasks, timeline entries, forces to suggest), the shortcuts they take
show the same figures, and the suggestions' SQL narrowing keeps every way of writing a list."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.incidents.conftest import accident
from tests.incidents.test_dispatch import force
from yingji.incidents import services, views
from yingji.incidents.services import dispatch, room


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_room_costs_the_same_queries_however_much_the_incident_holds(client, offices):
    county = offices["county"]
    force("F1", "危化", 5)
    incident = accident(county)
    url = f"/incidents/{incident.pk}/"
    client.force_login(county)
    small, _ = queries_for(client, url)
    for n in range(3):
        services.add_report(county, incident.pk, {"description": f"第{n + 2}次续报。", "dead": 2})
        room.add_task(county, incident.pk, {"title": f"任务{n}"})
        force(f"F{n + 2}", "危化", 6 + n)
    services.forward(county, incident.pk)  # a second receipt: the city's
    large, html = queries_for(client, url)
    assert large == small
    assert "第4次续报" in html and "任务2" in html and 'data-code="F4"' in html
    assert html.count('class="inc-entry ') > 6  # the reports, tasks and forward, in the log


def test_suggestions_find_a_specialty_written_with_any_separator(offices):
    force("F1", "山岳，危化", 5)  # typed with a full-width comma
    force("F2", "防汛、水域", 1)
    force("F3", "危化", 9)
    incident = accident(offices["county"])
    got = dispatch.suggest(offices["county"], incident.pk)
    assert [(row["code"], row["matches"]) for row in got] == [("F1", ["危化"]), ("F3", ["危化"])]
    assert got[0]["specialties"] == "山岳，危化" and got[0]["name"] == "F1救援队"
    flood = dispatch.suggest(offices["county"], incident.pk, specialty="水域", incident=incident)
    assert [row["code"] for row in flood] == ["F2"]


def test_the_list_total_is_the_same_with_and_without_the_tabs_shortcut(
    client, offices, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        accident(offices["county"], title=f"第{n}起化工事故")
    client.force_login(offices["county"])
    pager = "（共 3 条）"
    by_status, page = queries_for(client, "/incidents/?status=open")
    assert pager in page and page.count('class="hz-item inc-item') == 2
    counted, page = queries_for(client, "/incidents/?category=accident&status=open")
    assert pager in page and counted == by_status + 1  # a COUNT of its own
    _, page = queries_for(client, "/incidents/?status=closed")
    assert "（共" not in page and "inc-item" not in page

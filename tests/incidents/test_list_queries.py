"""The incident list reads every open incident's last report in one query, not one each."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.incidents.conftest import accident


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_five_open_incidents_cost_the_queries_of_one(client, offices):
    client.force_login(offices["county"])
    accident(offices["county"])
    one_page, _ = queries_for(client, "/incidents/")
    one_api, _ = queries_for(client, "/api/incidents/")
    for number in range(4):
        accident(offices["county"], title=f"第{number}起化工事故")
    five_page, page = queries_for(client, "/incidents/")
    five_api, listed = queries_for(client, "/api/incidents/")
    assert (five_page, five_api) == (one_page, one_api)
    assert listed.json()["total"] == 5 and page.content.decode().count("化工") >= 5

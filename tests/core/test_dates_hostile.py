"""Dates and moments in the API are ISO 8601 only (core.schemas.IsoDate/IsoDateTime).

Pydantic on its own reads a number — or a year such as "2024" — as seconds since 1970, so
``?start=2024`` silently meant 1 January 1970 (found by tests/api/test_schemathesis.py).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

URLS = [
    "/api/hazards/stats/trend?start={}",
    "/api/hazards/stats/?end={}",
    "/api/monitoring/alarms?since={}",
    "/api/audit/?until={}",
    "/api/enforcement/calendar/due?from={}",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("value", ["2024", "0.0", "5.8e-179", "1700000000", "2024-1-1", "today"])
def test_a_date_not_written_in_iso_form_is_422(client, xihu_staff, url, value):
    client.force_login(xihu_staff)
    response = client.get(url.format(value))
    assert response.status_code == 422, response.content
    assert "write it as" in response.json()["message"] or "valid" in response.json()["message"]


@pytest.mark.parametrize("url", URLS)
def test_an_iso_date_is_read(client, xihu_staff, url):
    client.force_login(xihu_staff)
    moment = "since" in url or "until" in url
    value = quote("2026-06-01T08:00+08:00") if moment else "2026-06-01"  # "+" is %2B in a URL
    response = client.get(url.format(value))
    assert response.status_code == 200, response.content


def test_a_numeric_date_in_a_body_is_422(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post(
        "/api/hazards/1/supervision", {"deadline": 0}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "write it as YYYY-MM-DD" in response.json()["message"]

"""Boundary collections are encoded and gzipped once, and still show every correction at once.

The one-map fetches the 90 county and 11 city boundaries on every visit; the encoded (and
gzipped) GeoJSON is kept per process, keyed by the regions' own figures and the loaded
dataset's version, so a population correction is in the very next answer.
"""

from __future__ import annotations

import gzip
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

COUNTIES = "/api/regions/33/boundary.geojson?level=county"
CITIES = "/api/regions/33/boundary.geojson?level=city"


def features(response) -> dict[str, dict]:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return {f["properties"]["code"]: f for f in json.loads(body)["features"]}


def test_gzipped_and_plain_answers_hold_the_same_collection(client, db):
    plain = client.get(COUNTIES)
    zipped = client.get(COUNTIES, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert "Content-Encoding" not in plain and zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    for response in (plain, zipped):
        assert response["Content-Type"] == "application/geo+json"
        assert "Accept-Encoding" in response["Vary"]
        assert "max-age=3600" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert len(features(plain)) == 90


def test_a_second_answer_reads_no_geometry(client, db):
    first = client.get(COUNTIES, HTTP_ACCEPT_ENCODING="gzip")
    with CaptureQueriesContext(connection) as queries:
        second = client.get(COUNTIES, HTTP_ACCEPT_ENCODING="gzip")
    assert second.content == first.content
    assert not any('"geometry"' in q["sql"] for q in queries.captured_queries)


def test_a_population_correction_is_in_the_next_answer(client, db, xihu_staff):
    before = features(client.get(COUNTIES))["330106"]["properties"]
    city_before = features(client.get(CITIES))["330100"]["properties"]["population"]
    client.force_login(xihu_staff)
    payload = {"population": before["population"] + 1000, "households": before["households"],
               "note": "统计年鉴 2024"}  # fmt: skip
    corrected = client.patch("/api/regions/330106/population", payload,
                             content_type="application/json")  # fmt: skip
    assert corrected.status_code == 200
    after = features(client.get(COUNTIES, HTTP_ACCEPT_ENCODING="gzip"))["330106"]["properties"]
    assert after["population"] == before["population"] + 1000
    assert after["population_source"] == "edited"
    city_after = features(client.get(CITIES))["330100"]["properties"]["population"]
    assert city_after == city_before + 1000  # the city's total follows its county

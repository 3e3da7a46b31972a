"""Regions API: lookup, children, search, boundaries, corrections and bad input."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import PASSWORD  # noqa: F401  (keeps fixtures' password in one place)


def test_xihu_by_6_and_12_digit_code(client, db):
    for code in ("330106", "330106000000"):
        body = client.get(f"/api/regions/{code}").json()
        assert body["name"] == "西湖区"
        assert body["level"] == "county"
        assert body["parent"] == "330100"
        assert body["parent_name"] == "杭州市"
        assert body["population"] == 1_112_992  # 7th census, 西湖区 incl. the scenic area
        assert body["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert body["township_count"] == 12


def test_children_of_hangzhou_are_its_13_counties(client, db):
    body = client.get("/api/regions/?parent=330100&limit=100").json()
    names = [r["name"] for r in body["items"]]
    assert body["count"] == 13
    assert {"西湖区", "滨江区", "临平区", "钱塘区", "淳安县"} <= set(names)
    assert all(r["parent"] == "330100" for r in body["items"])


def test_default_children_are_the_11_cities(client, db):
    body = client.get("/api/regions/").json()
    assert body["count"] == 11


def test_descendants_at_a_level(client, db):
    body = client.get("/api/regions/?parent=33&level=county&limit=1").json()
    assert body["count"] == 90


def test_unknown_code_is_a_404_json_error(client, db):
    response = client.get("/api/regions/339999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No region has code 339999",
        "field": "code",
    }


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/regions/?parent=abc", "parent"),
        ("/api/regions/?parent=3301000", "parent"),
        ("/api/regions/?parent=330100&limit=0", "limit"),
        ("/api/regions/?parent=330100&limit=-5", "limit"),
        ("/api/regions/?parent=330100&offset=x", "offset"),
        ("/api/regions/?parent=330100&level=planet", "level"),
        ("/api/regions/search?q=", "q"),
        ("/api/regions/search", "q"),
        ("/api/regions/search?q=" + "x" * 51, "q"),
        ("/api/regions/search?q=西湖&limit=1000", "limit"),
        ("/api/regions/33x", "code"),
        ("/api/regions/3301001", "code"),
        ("/api/regions/%27%20OR%201=1", "code"),
    ],
)
def test_malformed_parameters_are_422_naming_the_field(client, db, url, field):
    response = client.get(url)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == field
    assert body["message"]


def test_search_by_name_and_by_code(client, db):
    names = [r["name"] for r in client.get("/api/regions/search?q=西湖").json()]
    assert names[0] == "西湖区"
    codes = [r["code"] for r in client.get("/api/regions/search?q=330383").json()]
    assert codes[0] == "330383"  # 龙港市, a county-level city since 2019


def test_boundary_feature_and_county_collection(client, db):
    feature = client.get("/api/regions/330106/boundary.geojson")
    assert feature["Content-Type"].startswith("application/geo+json")
    body = json.loads(feature.content)
    assert body["type"] == "Feature" and body["properties"]["name"] == "西湖区"
    xs = [pt[0] for poly in body["geometry"]["coordinates"] for ring in poly for pt in ring]
    assert 119.9 < min(xs) < max(xs) < 120.3  # WGS-84 longitudes of 西湖区

    counties = client.get(
        "/api/regions/33/boundary.geojson?level=county", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert counties["Content-Encoding"] == "gzip"
    collection = json.loads(gzip.decompress(counties.content))
    assert len(collection["features"]) == 90
    codes = {f["properties"]["code"] for f in collection["features"]}
    assert {"330113", "330114", "330383"} <= codes


def test_no_boundary_below_county(client, db):
    response = client.get("/api/regions/330106002/boundary.geojson")
    assert response.status_code == 404
    assert "boundaries exist for the province, cities and counties" in response.json()["message"]


def test_boundary_level_must_be_below_the_region(client, db):
    response = client.get("/api/regions/330106/boundary.geojson?level=city")
    assert response.status_code == 422
    assert response.json()["field"] == "level"


def test_population_correction_needs_sign_in_capability_and_jurisdiction(
    client, xihu_staff, make_user
):
    payload = {"population": 500000, "households": 160000, "note": "统计年鉴 2024"}
    url = "/api/regions/330108/population"
    assert client.patch(url, payload, content_type="application/json").status_code == 401
    client.force_login(make_user("viewer2", "330106", "viewer"))
    assert client.patch(url, payload, content_type="application/json").status_code == 403
    client.force_login(xihu_staff)
    assert client.patch(url, payload, content_type="application/json").status_code == 404
    own = client.patch("/api/regions/330106/population", payload, content_type="application/json")
    assert own.status_code == 200
    assert own.json()["population"] == 500000


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"population": -1, "households": 0, "note": "x"}, "population"),
        ({"population": 10, "households": 11, "note": "x"}, "households"),
        ({"population": 10, "households": 1, "note": ""}, "note"),
        ({"population": "many", "households": 1, "note": "x"}, "population"),
        ({"population": 10**12, "households": 1, "note": "x"}, "population"),
    ],
)
def test_bad_population_is_rejected_and_changes_nothing(client, xihu_staff, payload, field):
    client.force_login(xihu_staff)
    response = client.patch(
        "/api/regions/330106/population", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert client.get("/api/regions/330106").json()["population"] == 1_112_992


def test_malformed_json_body_is_rejected(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.patch(
        "/api/regions/330106/population", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)


def test_openapi_and_docs_are_served(client, db):
    spec = client.get("/api/openapi.json").json()
    assert "/api/regions/{code}" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/regions/search?q=%00",
        "/api/regions/search?q=a%00b",
        "/api/regions/?parent=33%00",
        "/api/regions/3301%00",
    ],
)
def test_nul_bytes_are_refused_not_crashing(client, db, url):
    response = client.get(url)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "NUL" in response.json()["message"]


def test_nul_in_json_body_is_refused(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.patch(
        "/api/regions/330106/population",
        '{"population": 1, "households": 1, "note": "a\\u0000b"}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert client.get("/api/regions/330106").json()["population"] == 1_112_992


def test_api_docs_load_nothing_from_outside(client, db):
    html = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html
    assert "https://" not in html

"""Risk API: map points, the risk card, counts, area levels and the control index, all within
the caller's jurisdiction; hostile or malformed parameters are a 422 naming the parameter."""

from __future__ import annotations

import gzip
import json

import pytest

from yingji.core.errors import InvalidInput
from yingji.risk import selectors
from yingji.risk.services import enterprises as assessing
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db


def points_of(response):
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


def names(body):
    return {row[4] for row in body["points"]}


def test_county_user_gets_only_their_county_on_the_map(client, xihu_staff, binjiang_staff, world):
    client.force_login(xihu_staff)
    response = client.get("/api/risk/enterprises")
    assert response.status_code == 200
    body = points_of(response)
    assert body["fields"] == ["id", "lon", "lat", "colour", "name"]
    assert names(body) == {"西湖安全企业", "西湖隐患企业", "西湖缺数企业"}
    assert body["total"] == 3 and body["truncated"] is False
    assert [row[3] for row in body["points"]] == [3, 2, 0]  # worst colours first
    client.force_login(binjiang_staff)
    assert names(points_of(client.get("/api/risk/enterprises"))) == {"滨江隐患企业"}


def test_points_filter_by_colour_hazchem_region_and_bbox(client, xihu_staff, world):
    client.force_login(xihu_staff)
    get = lambda query: points_of(client.get(f"/api/risk/enterprises?{query}"))  # noqa: E731
    assert names(get("colour=red,orange")) == {"西湖隐患企业", "西湖缺数企业"}
    assert names(get("colour=0")) == {"西湖安全企业"}
    assert names(get("region=330106002")) == {"西湖安全企业", "西湖隐患企业"}
    assert names(get("region=330106004000")) == {"西湖缺数企业"}
    assert names(get("hazchem=any")) == set()
    assert len(get("hazchem=none")["points"]) == 3
    assert names(get("bbox=120.1,30.2,120.2,30.3")) == {
        "西湖安全企业",
        "西湖隐患企业",
        "西湖缺数企业",
    }
    assert names(get("bbox=121,31,122,32")) == set()


def test_points_say_when_they_were_cut(client, xihu_staff, world, monkeypatch):
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 2)
    client.force_login(xihu_staff)
    body = points_of(client.get("/api/risk/enterprises", HTTP_ACCEPT_ENCODING="gzip"))
    assert body["count"] == 2 and body["total"] == 3 and body["truncated"] is True
    assert {row[3] for row in body["points"]} == {3, 2}  # the riskiest are kept


def test_card_json_and_another_countys_card(client, xihu_staff, world):
    client.force_login(xihu_staff)
    body = client.get(f"/api/risk/enterprises/{world.hazard.pk}").json()
    assert body["colour"]["key"] == "orange" and body["overridden"] is True
    assert body["overrides"][0]["name"] == "存在未整改的重大事故隐患，至少橙色"
    assert body["contributions"][0]["key"] == "open_major_hazards"
    assert body["version"]["label"].endswith("v1") and len(body["history"]) == 1
    unknown = client.get(f"/api/risk/enterprises/{world.unknown.pk}").json()
    assert "未整改一般隐患" in unknown["missing"]
    other = client.get(f"/api/risk/enterprises/{world.other.pk}")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    assert client.get("/api/risk/enterprises/99999999999999999999999").status_code == 422
    assert client.get("/api/risk/enterprises/abc").status_code == 422
    assert client.get("/api/risk/enterprises/0").status_code == 422


def test_summary_counts_children_and_totals(client, xihu_staff, make_user, world):
    client.force_login(xihu_staff)
    body = client.get("/api/risk/summary").json()
    assert body["region"]["name"] == "西湖区"
    assert body["totals"] == [1, 0, 1, 1] and body["total"] == 3
    beishan = next(c for c in body["children"] if c["name"] == "北山街道")
    assert beishan["counts"] == [1, 0, 1, 0] and beishan["total"] == 2
    assert client.get("/api/risk/summary?region=330108").status_code == 404
    client.force_login(make_user("zj_viewer", "33", "viewer"))
    province = client.get("/api/risk/summary?region=330000").json()
    assert province["total"] == 4
    hangzhou = next(c for c in province["children"] if c["name"] == "杭州市")
    assert hangzhou["total"] == 4
    city = client.get("/api/risk/summary?region=330100").json()
    assert {c["name"] for c in city["children"] if c["total"]} == {"西湖区", "滨江区"}


def test_area_levels_of_townships_and_villages(client, xihu_staff, world):
    client.force_login(xihu_staff)
    body = client.get("/api/risk/areas?hazard=typhoon").json()
    assert body["parent"]["name"] == "西湖区" and body["child_level"] == "township"
    assert body["polygons"] is False and body["outline"]["code"] == "330106"
    assert [c["name"] for c in body["crumbs"]] == ["西湖区"]  # nothing above the jurisdiction
    assert {a["name"] for a in body["areas"]} >= {"北山街道", "西溪街道"}
    first = body["areas"][0]
    assert set(first) >= {"H", "E", "V", "A", "risk", "level", "level_name", "hex", "lon", "lat"}
    assert all(a["hazard"] == "typhoon" for a in body["areas"])
    villages = client.get("/api/risk/areas?parent=330106002&hazard=all").json()
    assert villages["child_level"] == "village" and villages["areas"]
    assert [c["name"] for c in villages["crumbs"]] == ["西湖区", "北山街道"]
    assert client.get("/api/risk/areas?parent=330108").status_code == 404
    assert client.get("/api/risk/areas?parent=33").status_code == 404


def test_province_areas_are_county_polygons(client, make_user, world):
    client.force_login(make_user("zj_viewer", "33", "viewer"))
    body = client.get("/api/risk/areas").json()
    assert body["child_level"] == "county" and body["polygons"] is True
    assert body["boundaries"] == "/api/regions/330000/boundary.geojson?level=county"
    assert {a["name"] for a in body["areas"]} == {"西湖区", "滨江区"}  # the counties with inputs


def test_control_index_by_month(client, xihu_staff, world):
    client.force_login(xihu_staff)
    body = client.get("/api/risk/control-index").json()
    assert [r["name"] for r in body["rows"]] == ["西湖区"]
    assert body["month"] in body["months"]
    assert {c["key"] for c in body["components"]} >= {"rectification", "acknowledgement"}
    again = client.get(f"/api/risk/control-index?month={body['month']}").json()
    assert again["rows"] == body["rows"]
    assert client.get("/api/risk/control-index?month=1999-01").json()["rows"] == []


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/risk/enterprises?colour=purple", "colour"),
        ("/api/risk/enterprises?colour=" + "red," * 20, "colour"),
        ("/api/risk/enterprises?hazchem=lots", "hazchem"),
        ("/api/risk/enterprises?region=abc", "region"),
        ("/api/risk/enterprises?region=3301060", "region"),
        ("/api/risk/enterprises?region=" + "3" * 40, "region"),
        ("/api/risk/enterprises?bbox=1,2,3", "bbox"),
        ("/api/risk/enterprises?bbox=nan,1,2,3", "bbox"),
        ("/api/risk/enterprises?bbox=1,2,inf,3", "bbox"),
        ("/api/risk/enterprises?bbox=121,31,120,30", "bbox"),
        ("/api/risk/enterprises?bbox=-200,1,2,3", "bbox"),
        ("/api/risk/enterprises?bbox=" + "1," * 150, "bbox"),
        ("/api/risk/summary?region=33.1", "region"),
        ("/api/risk/areas?hazard=volcano", "hazard"),
        ("/api/risk/areas?hazard=" + "x" * 50, "hazard"),
        ("/api/risk/areas?parent=-1", "parent"),
        ("/api/risk/control-index?month=2026-13", "month"),
        ("/api/risk/control-index?month=26-1", "month"),
        ("/api/risk/control-index?month=2026-011", "month"),
        ("/api/risk/enterprises?region=%00", None),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client, xihu_staff, world, url, field):
    client.force_login(xihu_staff)
    response = client.get(url)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    if field:
        assert body["field"] == field


def test_sign_in_and_the_risk_capability_are_needed(client, make_user, world):
    assert client.get("/api/risk/enterprises").status_code == 401
    client.force_login(make_user("ent", "330106", "enterprise_user"))
    for url in ("/api/risk/enterprises", f"/api/risk/enterprises/{world.clean.pk}",
                "/api/risk/summary", "/api/risk/areas", "/api/risk/control-index"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "forbidden"


def test_six_digit_city_codes_and_unmappable_enterprises(client, make_user, world, make_enterprise):
    make_enterprise("330106002", name="无坐标企业", lon=None, lat=None)
    assessing.assess(Selection(), reason="again")
    hz = make_user("hz_api", "3301", "city_staff")
    client.force_login(hz)
    for region in ("330100", "3301", "330100000000"):
        body = points_of(client.get(f"/api/risk/enterprises?region={region}"))
        assert "西湖安全企业" in names(body) and "无坐标企业" not in names(body)
    bad = client.get("/api/risk/enterprises?region=33010")
    assert bad.status_code == 422 and bad.json()["field"] == "region"
    assert client.get("/api/risk/enterprises?region=330200").status_code == 404  # 宁波: not theirs


def test_control_index_export_takes_a_month(client, make_user, world, on_commit):
    province = make_user("zj_export", "33", "province_staff")
    month = selectors.control_indices(province).first().month
    assert selectors.control_indices(province, month.strftime("%Y-%m")).count() == 2
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        selectors.control_indices(province, "2026-13")

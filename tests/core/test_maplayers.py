"""Registry layers on the one map: /api/map/layers and /api/map/layers/<name> (GeoJSON)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from typing import Any

import numpy as np
import pytest
from django.test import Client

from yingji.core.registry import spec as specs
from yingji.core.registry.maplayers import POINT_LIMIT, layer_geojson, map_specs, parse_view
from yingji.core.registry.spec import MapLayer, all_specs
from yingji.kernels import codes
from yingji.registry.models.shelter import Shelter, ShelterKind, ShelterLevel

XIHU = "330106000000"
BINJIANG = "330108000000"
HANGZHOU_BBOX = "119.9,30.0,120.4,30.4"  # 西湖区 and 滨江区 both inside
PROVINCE_BBOX = "118.0,27.0,123.5,31.5"


def shelter(number: int, region: str, lon: float, lat: float, **extra: Any) -> Shelter:
    values: dict[str, Any] = {
        "code": f"{region[:6]}-M-{number:05d}", "name": f"测试安置点{number}",
        "level": ShelterLevel.VILLAGE, "kind": ShelterKind.SCHOOL, "capacity": 120,
        "region_id": region, "region_path": codes.short(region), "lon": lon, "lat": lat,
        "address": "北山街道", "manager_phone": "13800000000",
    }  # fmt: skip
    values.update(extra)
    return Shelter(**values)


@pytest.fixture
def shelters(db: None) -> None:
    Shelter.objects.bulk_create(
        [
            shelter(1, XIHU, 120.13, 30.26),
            shelter(2, XIHU, 120.10, 30.25, name="留下避灾安置中心", capacity=1500),
            shelter(3, BINJIANG, 120.21, 30.20),
            shelter(4, XIHU, 120.12, 30.27, voided_at="2025-01-01T00:00:00Z"),
            shelter(5, XIHU, None, None),  # no location: not on the map
        ]
    )


def get_layer(client: Client, bbox: str = HANGZHOU_BBOX, zoom: str = "11", **extra: str) -> Any:
    return client.get("/api/map/layers/shelters", {"bbox": bbox, "zoom": zoom, **extra})


def test_layers_lists_shelters_with_the_count_in_the_jurisdiction(client, xihu_staff, shelters):
    client.force_login(xihu_staff)
    response = client.get("/api/map/layers")
    assert response.status_code == 200
    layer = next(item for item in response.json() if item["name"] == "shelters")
    assert layer["title"] == "避灾安置场所"
    assert layer["color"].startswith("#")
    assert layer["count"] == 2  # 西湖区, live, located: not 滨江区, not voided, not unlocated
    assert layer["list_url"] == "/registry/shelters/"


def test_the_layer_list_reads_every_version_at_once_and_shows_a_new_shelter(
    client, xihu_staff, shelters
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yingji.core import tablecache

    tablecache.clear()
    client.force_login(xihu_staff)
    assert get_layer(client).status_code == 200  # the map's view keeps the layer's points
    client.get("/api/map/layers")
    with CaptureQueriesContext(connection) as queries:
        listed = {item["name"]: item for item in client.get("/api/map/layers").json()}
    assert listed["shelters"]["count"] == 2
    versions = [q for q in queries.captured_queries if "UNION ALL" in q["sql"]]
    assert len(versions) == 1  # one statement for the versions of every layer's table
    assert not any('"registry_shelter"' in q["sql"] and "COUNT(" in q["sql"]
                   for q in queries.captured_queries)  # fmt: skip
    shelter(9, XIHU, 120.14, 30.26).save()
    listed = {item["name"]: item for item in client.get("/api/map/layers").json()}
    assert listed["shelters"]["count"] == 3
    tablecache.clear()


def test_a_xihu_user_gets_only_xihu_shelters(client, xihu_staff, binjiang_staff, shelters):
    client.force_login(xihu_staff)
    response = get_layer(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["mode"] == "points"
    names = sorted(f["properties"]["label"] for f in body["features"])
    assert names == ["测试安置点1", "留下避灾安置中心"]
    client.force_login(binjiang_staff)
    names = [f["properties"]["label"] for f in get_layer(client).json()["features"]]
    assert names == ["测试安置点3"]


def test_points_carry_popup_fields_as_displayed_and_a_detail_link(client, xihu_staff, shelters):
    client.force_login(xihu_staff)
    body = get_layer(client).json()
    labels = {f["name"]: f["label"] for f in body["popup"]}
    assert list(labels) == ["name", "kind", "capacity", "address", "manager_phone"]
    assert all(labels.values())
    point = next(f for f in body["features"] if f["properties"]["label"] == "留下避灾安置中心")
    lon, lat = point["geometry"]["coordinates"]
    assert (lon, lat) == (120.10, 30.25)
    popup = point["properties"]["popup"]
    assert popup["kind"] == "学校"  # the choice label, not the stored "school"
    assert popup["capacity"] == 1500
    assert popup["address"] == "北山街道"
    assert popup["manager_phone"] == "13800000000"
    url = point["properties"]["url"]
    assert url == f"/registry/shelters/{point['properties']['id']}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "留下避灾安置中心" in page.content.decode()


def test_only_the_view_is_returned(client, xihu_staff, shelters):
    client.force_login(xihu_staff)
    body = get_layer(client, bbox="120.12,30.255,120.14,30.265", zoom="15").json()
    assert [f["properties"]["label"] for f in body["features"]] == ["测试安置点1"]
    assert body["count"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "120,30,121"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "120,30,nan,31"}, "bbox"),
        ({"bbox": "120,30,inf,31"}, "bbox"),
        ({"bbox": "121,30,120,31"}, "bbox"),  # inverted
        ({"bbox": "120,31,121,30"}, "bbox"),
        ({"bbox": "120,30,1e300,31"}, "bbox"),
        ({"bbox": "-180,-85,180,85", "zoom": "12"}, "bbox"),  # the world at street level
        ({"zoom": "nan"}, "zoom"),
        ({"zoom": "eleven"}, "zoom"),
        ({"zoom": "40"}, "zoom"),
        ({"zoom": "-1"}, "zoom"),
    ],
)
def test_bad_views_are_refused_naming_the_field(client, xihu_staff, params, field):
    client.force_login(xihu_staff)
    response = get_layer(client, **params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["message"]


def test_missing_bbox_and_unknown_layer(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.get("/api/map/layers/shelters", {"zoom": "9"})
    assert (response.status_code, response.json()["field"]) == (422, "bbox")
    response = client.get("/api/map/layers/nosuch", {"bbox": HANGZHOU_BBOX, "zoom": "9"})
    assert response.status_code == 404
    assert "shelters" in response.json()["message"]


def test_signed_out_and_roles_without_registries_see_nothing(client, make_user, shelters):
    assert get_layer(client).status_code == 401
    client.force_login(make_user("xihu_company", "330106", "enterprise_user"))
    assert client.get("/api/map/layers").json() == []
    assert get_layer(client).status_code == 403


@pytest.fixture
def many_shelters(db: None) -> int:
    """More 西湖区 shelters than the point limit, plus 滨江区 ones that must stay hidden."""
    rng = np.random.default_rng(3)
    n = POINT_LIMIT + 500
    lons, lats = rng.uniform(120.05, 120.17, n), rng.uniform(30.18, 30.32, n)
    rows = [shelter(i, XIHU, float(lons[i]), float(lats[i])) for i in range(n)]
    rows += [shelter(i, BINJIANG, 120.21, 30.20) for i in range(n, n + 700)]
    rows.append(shelter(n + 800, XIHU, 119.95, 30.05, name="偏远安置点"))  # alone in its cell
    Shelter.objects.bulk_create(rows, batch_size=1000)
    return n + 1


def test_many_points_come_back_as_clusters(
    client, xihu_staff, many_shelters, django_assert_max_num_queries
):
    client.force_login(xihu_staff)
    with django_assert_max_num_queries(8):  # no query per row, whatever the count
        body = get_layer(client, bbox=HANGZHOU_BBOX, zoom="10").json()
    assert body["mode"] == "clusters"
    assert body["count"] == many_shelters  # 滨江区 rows are not counted
    clusters = [f for f in body["features"] if f["properties"].get("cluster")]
    points = [f for f in body["features"] if not f["properties"].get("cluster")]
    assert clusters
    assert sum(f["properties"]["count"] for f in clusters) + len(points) == many_shelters
    assert all(f["properties"]["count"] >= 2 for f in clusters)
    # A shelter alone in its cell is shown as itself, popup included.
    lone = next(f for f in points if f["properties"]["label"] == "偏远安置点")
    assert lone["properties"]["popup"]["kind"] == "学校"
    assert lone["properties"]["url"].startswith("/registry/shelters/")
    west, south, east, north = clusters[0]["properties"]["bounds"]
    assert west <= clusters[0]["geometry"]["coordinates"][0] <= east
    assert south <= clusters[0]["geometry"]["coordinates"][1] <= north


def test_zooming_in_on_many_points_gives_points_again(client, xihu_staff, many_shelters):
    client.force_login(xihu_staff)
    body = get_layer(client, bbox="120.10,30.24,120.12,30.26", zoom="16").json()
    assert body["mode"] == "points"
    assert 0 < body["count"] <= POINT_LIMIT
    assert len(body["features"]) == body["count"]


def test_province_view_for_a_superuser_counts_everything(client, make_user, many_shelters):
    client.force_login(make_user("root", None, superuser=True))
    body = get_layer(client, bbox=PROVINCE_BBOX, zoom="7").json()
    assert body["mode"] == "clusters"
    total = sum(f["properties"].get("count", 1) for f in body["features"])
    assert total == body["count"] == many_shelters + 700


@pytest.mark.parametrize("spec", map_specs(), ids=lambda s: s.name)
def test_every_registry_with_a_map_layer_is_served(client, make_user, spec):
    """Each registry declaring a map layer is listed and answers, with no code of its own."""
    client.force_login(make_user("root", None, superuser=True))
    listed = {item["name"]: item for item in client.get("/api/map/layers").json()}
    assert listed[spec.name]["title"] == spec.map_layer.title
    response = client.get(f"/api/map/layers/{spec.name}", {"bbox": PROVINCE_BBOX, "zoom": "7"})
    assert response.status_code == 200
    assert [f["name"] for f in response.json()["popup"]] == list(spec.map_layer.popup)


def test_declared_map_layers_all_have_points():
    declared = {s.name for s in all_specs() if s.map_layer is not None}
    assert declared == {s.name for s in map_specs()}, "a map layer needs lon/lat fields"


def test_large_answers_are_gzipped_for_browsers_that_accept_it(client, xihu_staff, many_shelters):
    client.force_login(xihu_staff)
    view = {"bbox": "120.05,30.18,120.17,30.32", "zoom": "14"}
    plain = client.get("/api/map/layers/shelters", view)
    packed = client.get("/api/map/layers/shelters", view, HTTP_ACCEPT_ENCODING="gzip, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 4
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_popup_values_are_shown_as_on_the_detail_page(xihu_staff, shelters):
    """Any field can be a popup field: choices by label, yes/no, region codes, local times."""
    base = specs.get("shelters")
    spec = dataclasses.replace(
        base,
        map_layer=MapLayer("t", "#000000", popup=("level", "standardised", "region", "updated_at")),
    )
    view = parse_view(HANGZHOU_BBOX, "11")
    body = layer_geojson(xihu_staff, spec, view)
    labels = [f["label"] for f in body["popup"]]
    assert all(labels) and len(labels) == 4
    popup = body["features"][0]["properties"]["popup"]
    assert popup["level"] == "村级"
    assert popup["standardised"] == "否"
    assert popup["region"] == "330106"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", popup["updated_at"])


def test_a_parent_record_shows_by_name_without_a_query_per_row(
    xihu_staff, django_assert_max_num_queries
):
    """Major hazard sources show their enterprise; 60 sources cost the same queries as one."""
    from yingji.registry.models.enterprise import Enterprise
    from yingji.registry.models.hazard import HazardSource

    region, path = "330106002000", "330106002"
    companies = Enterprise.objects.bulk_create(
        Enterprise(credit_code=f"91330106MA2{i:07d}", name=f"测试化工{i}", scale="above",
                   region_id=region, region_path=path, lon=120.1 + i / 1000, lat=30.25)
        for i in range(30)
    )  # fmt: skip
    HazardSource.objects.bulk_create(
        HazardSource(code=f"HS{i:04d}", name=f"储罐区{i}", enterprise=companies[i % 30],
                     people_within_500m=5, region_id=region, region_path=path,
                     lon=120.1 + i / 1000, lat=30.25)
        for i in range(60)
    )  # fmt: skip
    view = parse_view(HANGZHOU_BBOX, "12")
    with django_assert_max_num_queries(4):
        body = layer_geojson(xihu_staff, specs.get("hazard_sources"), view)
    assert len(body["features"]) == 60
    first = body["features"][0]["properties"]
    assert first["popup"]["enterprise"] == "测试化工0"
    assert first["url"] == f"/registry/hazard_sources/{first['id']}/"


def _labels(client: Client, **extra: str) -> list[str]:
    return sorted(f["properties"]["label"] for f in get_layer(client, **extra).json()["features"])


def test_a_view_asked_again_is_answered_from_memory_until_the_layer_changes(
    client, xihu_staff, shelters, django_assert_max_num_queries
):
    """The duty room's screens ask for the same view again and again: the answer is kept and
    only the table's version is read; an edit, a void or an Excel import shows at once."""
    from yingji.core.registry import services

    spec = specs.get("shelters")
    client.force_login(xihu_staff)
    assert _labels(client) == ["测试安置点1", "留下避灾安置中心"]
    with django_assert_max_num_queries(6) as captured:  # session, user, roles, region, version
        assert _labels(client) == ["测试安置点1", "留下避灾安置中心"]
    kept = [q["sql"] for q in captured.captured_queries if "registry_shelter" in q["sql"]]
    assert len(kept) == 1 and "MAX(" in kept[0]
    first = Shelter.objects.get(name="测试安置点1")
    services.update(actor=xihu_staff, spec=spec, pk=first.pk, data={"name": "灵隐安置点"})
    assert _labels(client) == ["灵隐安置点", "留下避灾安置中心"]
    row = {**services.selectors.values_of(spec, first), "name": "灵隐避灾安置点"}
    services.import_rows(actor=xihu_staff, spec=spec, rows=[(2, row)])
    assert _labels(client) == ["灵隐避灾安置点", "留下避灾安置中心"]
    services.void(actor=xihu_staff, spec=spec, pk=first.pk, reason="拆除")
    assert _labels(client) == ["留下避灾安置中心"]


def test_kept_answers_follow_the_parent_the_popup_shows(client, xihu_staff):
    """A hazard source's popup names its enterprise: renaming the enterprise shows at once."""
    from yingji.registry.models.enterprise import Enterprise
    from yingji.registry.models.hazard import HazardSource

    region, path = "330106002000", "330106002"
    company = Enterprise.objects.create(
        credit_code="91330106MA2B00000U", name="西湖化工", scale="above", region_id=region,
        region_path=path, lon=120.1, lat=30.25,
    )  # fmt: skip
    HazardSource.objects.create(
        code="HS0001", name="储罐区", enterprise=company, people_within_500m=5,
        region_id=region, region_path=path, lon=120.1, lat=30.25,
    )  # fmt: skip
    client.force_login(xihu_staff)

    def popup() -> str:
        answer = client.get("/api/map/layers/hazard_sources", {"bbox": HANGZHOU_BBOX, "zoom": "12"})
        return answer.json()["features"][0]["properties"]["popup"]["enterprise"]

    assert popup() == "西湖化工"
    company.name = "西湖新材料"
    company.save()  # a write moves updated_at (auto_now), as every service's does
    assert popup() == "西湖新材料"


def test_kept_answers_keep_apart_jurisdictions(client, xihu_staff, binjiang_staff, shelters):
    client.force_login(xihu_staff)
    assert _labels(client) == ["测试安置点1", "留下避灾安置中心"]
    client.force_login(binjiang_staff)
    assert _labels(client) == ["测试安置点3"]  # the same view, not 西湖's kept answer

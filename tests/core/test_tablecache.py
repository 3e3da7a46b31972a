"""Aggregates kept per table version (core.tablecache): the figure shown is always the fresh one.

Counts of 500,000 enterprises and the one-map's point table are kept while the table is
unchanged; these tests keep answers from 2 rows up (the real threshold is 20,000) and check
that every write through the services shows at once, that a write bypassing ``updated_at``
shows within ``MAX_AGE``, and that one jurisdiction's answer never serves another's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.core import tablecache
from yingji.core.registry import selectors, services
from yingji.core.registry import spec as specs
from yingji.kernels import codes, identifiers
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise

ENTERPRISES = specs.get("enterprises")
XIHU, BINJIANG = "330106002000", "330108001000"


def credit_code(body: str) -> str:
    return body + identifiers.credit_code_check(body)


def company(number: int, region: str = XIHU, lon: float = 120.13) -> Enterprise:
    """A complete, valid enterprise (the services check the whole row again on a change)."""
    assert ENTERPRISES is not None
    rest = {k: v for k, v in ENTERPRISES.examples.items()
            if k not in ("credit_code", "name", "region", "lon", "lat")}  # fmt: skip
    return Enterprise(credit_code=credit_code(f"91330106MA2{number:06d}"), name=f"测试企业{number}",
                      region_id=region, region_path=codes.short(region), lon=lon, lat=30.25,
                      **rest)  # fmt: skip


def valid_row(number: int) -> dict[str, Any]:
    assert ENTERPRISES is not None
    return {**ENTERPRISES.examples, "credit_code": credit_code(f"91330106MA3{number:06d}"),
            "name": f"新登记企业{number}有限公司"}  # fmt: skip


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Answers of 2 rows and more are kept (a province's are of 20,000 and more)."""
    monkeypatch.setattr(tablecache, "MIN_ROWS", 2)
    tablecache.clear()
    yield
    tablecache.clear()


@pytest.fixture
def three(db: None) -> list[Enterprise]:
    return Enterprise.objects.bulk_create(company(i) for i in range(3))


def counted(queryset: Any) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        found = tablecache.count(queryset)
    return found, [q["sql"] for q in queries.captured_queries]


def test_a_kept_count_is_answered_without_counting_again(kept, three, xihu_staff):
    live = selectors.records(xihu_staff, ENTERPRISES)
    assert counted(live)[0] == 3
    again, sql = counted(live)
    assert again == 3
    assert len(sql) == 1 and "COUNT(" not in sql[0].upper()  # the version only


def test_every_write_through_the_services_shows_at_once(kept, three, xihu_staff):
    live = selectors.records(xihu_staff, ENTERPRISES)
    above = selectors.records(xihu_staff, ENTERPRISES, {"scale": "above"})
    assert (tablecache.count(live), tablecache.count(above)) == (3, 3)
    created = services.create(actor=xihu_staff, spec=ENTERPRISES, data=valid_row(1))
    assert tablecache.count(live) == 4
    services.update(actor=xihu_staff, spec=ENTERPRISES, pk=three[0].pk, data={"scale": "below"})
    assert tablecache.count(above) == 3  # 3 bulk-created above + the new one − the changed one
    services.void(actor=xihu_staff, spec=ENTERPRISES, pk=created.pk, reason="重复登记")
    assert tablecache.count(live) == 3


def test_small_answers_are_never_kept(three, xihu_staff):
    live = selectors.records(xihu_staff, ENTERPRISES)
    assert tablecache.count(live) == 3
    Enterprise.objects.filter(pk=three[0].pk).update(voided_at=timezone.now())  # no updated_at
    assert tablecache.count(live) == 2


def test_a_write_bypassing_updated_at_shows_within_max_age(kept, three, xihu_staff, monkeypatch):
    live = selectors.records(xihu_staff, ENTERPRISES)
    assert tablecache.count(live) == 3
    Enterprise.objects.filter(pk=three[0].pk).update(voided_at=timezone.now())
    later = tablecache.time.monotonic() + tablecache.MAX_AGE + 1
    monkeypatch.setattr(tablecache.time, "monotonic", lambda: later)
    assert tablecache.count(live) == 2


def test_each_jurisdiction_has_its_own_answer(kept, three, xihu_staff, binjiang_staff):
    Enterprise.objects.bulk_create(company(10 + i, BINJIANG) for i in range(2))
    assert tablecache.count(selectors.records(xihu_staff, ENTERPRISES)) == 3
    assert tablecache.count(selectors.records(binjiang_staff, ENTERPRISES)) == 2
    assert tablecache.count(selectors.records(None, ENTERPRISES)) == 5


def test_the_point_table_follows_a_moved_enterprise(kept, three, xihu_staff):
    live = selectors.records(xihu_staff, ENTERPRISES)
    table = tablecache.points(live)
    assert table is not None and sorted(table[:, 0]) == sorted(e.pk for e in three)
    services.update(actor=xihu_staff, spec=ENTERPRISES, pk=three[1].pk, data={"lon": 120.2})
    moved = tablecache.points(live)
    assert moved is not None
    assert {int(pk): lon for pk, lon, _lat in moved}[three[1].pk] == pytest.approx(120.2)


def test_no_rows_by_construction_are_counted_as_none(kept, three):
    """What scoping gives someone without a jurisdiction: ``.none()`` has no SQL to key by."""
    assert tablecache.count(Enterprise.objects.none()) == 0
    table = tablecache.points(Enterprise.objects.none())
    assert table is not None and len(table) == 0


def test_a_table_without_an_updated_at_index_is_read_every_time(kept, db):
    villages = Region.objects.filter(path__startswith="330106", level="village")
    assert tablecache.points(villages) is None
    assert tablecache.count(villages) == villages.count() > 2


def test_the_registry_api_counts_a_new_record_at_once(kept, three, client, xihu_staff):
    client.force_login(xihu_staff)
    assert client.get("/api/registry/enterprises/?limit=1").json()["count"] == 3
    created = client.post("/api/registry/enterprises/", json.dumps(valid_row(2)),
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    assert client.get("/api/registry/enterprises/?limit=1").json()["count"] == 4
    page = client.get("/registry/enterprises/")
    assert page.status_code == 200 and "新登记企业2有限公司" in page.content.decode()


def test_versions_of_several_tables_are_read_in_one_statement(kept, three, db):
    from yingji.registry.models.shelter import Shelter

    with CaptureQueriesContext(connection) as queries:
        found = tablecache.versions([Enterprise, Shelter, Region])
    assert len(queries.captured_queries) == 1
    assert found[Region] is None  # no updated_at index: never cached
    assert found[Enterprise] == tablecache.version(Enterprise)
    assert found[Enterprise][1] == str(max(e.pk for e in three))
    assert found[Shelter] == (None, None)  # an empty table has a version too


def test_a_count_of_kept_points_costs_the_version_only(three, xihu_staff):
    """Points are kept whatever their number: a small table's count comes from them."""
    tablecache.clear()
    live = selectors.records(xihu_staff, ENTERPRISES)
    assert tablecache.points(live) is not None
    found, sql = counted(live)
    assert found == 3
    assert len(sql) == 1 and "COUNT(" not in sql[0].upper()
    services.create(actor=xihu_staff, spec=ENTERPRISES, data=valid_row(2))
    assert counted(live)[0] == 4  # a new version: counted afresh
    tablecache.clear()

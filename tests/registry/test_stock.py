"""Stock changes only through recorded movements; the count is always the sum of its ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import include, path
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from yingji.api import AUTH, Utf8Renderer, on_domain_error, on_validation_error
from yingji.core import exports
from yingji.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.core.registry import services as generic
from yingji.registry import services, views
from yingji.registry.api import build_router
from yingji.registry.models.depot import Depot, StockItem, StockMovement
from yingji.registry.specs.depots import DEPOTS

# The lead engineer mounts the page and the router in the project; this module mounts its
# own copies first so these tests do not depend on that wiring.
_ops_api = NinjaAPI(urls_namespace="registry-ops-test", auth=AUTH, renderer=Utf8Renderer(),
                    docs_url=None)  # fmt: skip
_ops_api.add_exception_handler(DomainError, on_domain_error)
_ops_api.add_exception_handler(NinjaValidationError, on_validation_error)
_ops_api.add_router("/registry-ops/", build_router())
urlpatterns = [
    path("registry/stock_items/<int:pk>/movements/", views.movement, name="stock-movement"),
    path("api/", _ops_api.urls),
    path("", include("yingji.urls")),
]
pytestmark = pytest.mark.urls(__name__)


def _depot(code: str, level: str, region: str) -> Depot:
    data = {"code": code, "name": f"{code}储备库", "level": level, "region": region}
    return generic.create(actor=None, spec=DEPOTS, data=data)  # type: ignore[return-value]


@pytest.fixture
def depots(db):
    return {
        "xihu": _depot("330106-WZ01", "county", "330106"),
        "beishan": _depot("330106002-WZ01", "township", "330106002"),
        "binjiang": _depot("330108-WZ01", "county", "330108"),
    }


@pytest.fixture
def bags(depots) -> StockItem:
    return services.register_item(actor=None, depot_id=depots["xihu"].pk, category="防汛",
                                  name="编织袋", unit="条", quantity=100, reason="采购入库",
                                  batch="2024-01")  # fmt: skip


def _ledger_sum(item: StockItem) -> Decimal:
    return item.movements.aggregate(total=Sum("delta"))["total"] or Decimal(0)


def test_stock_is_the_sum_of_its_movements_after_in_out_transfer_and_write_off(
    xihu_staff, depots, bags
):
    move = services.record_movement
    move(actor=xihu_staff, item_id=bags.pk, kind="入库", quantity="50", reason="补充")
    move(actor=xihu_staff, item_id=bags.pk, kind="out", quantity=30, reason="西溪抢险")
    sent, received = move(actor=xihu_staff, item_id=bags.pk, kind="调拨", quantity="40.5",
                          reason="前置", to_depot_code="330106002-WZ01")  # fmt: skip
    move(actor=xihu_staff, item_id=bags.pk, kind="报废", quantity=5, reason="霉变")
    move(actor=xihu_staff, item_id=received.item_id, kind="transfer", quantity=10,
         reason="退回", to_depot_code="330106-WZ01")  # fmt: skip

    source = StockItem.objects.get(pk=bags.pk)
    target = StockItem.objects.get(pk=received.item_id)
    assert source.quantity == Decimal("84.50")  # 100 + 50 - 30 - 40.5 - 5 + 10
    assert target.quantity == Decimal("30.50")
    for item in (source, target):
        assert item.quantity == _ledger_sum(item)
        assert item.movements.order_by("-pk").first().balance_after == item.quantity
    # The transfer created the matching item in the township depot, numbered under its code.
    assert (target.depot_id, target.code) == (depots["beishan"].pk, "330106002-WZ01-0001")
    assert (target.name, target.unit, target.batch) == ("编织袋", "条", "2024-01")
    assert sent.counterpart_id == received.pk and received.counterpart_id == sent.pk
    assert sent.delta == Decimal("-40.50") and sent.to_depot_id == depots["beishan"].pk
    # Nothing left the province's books except what went out or was written off.
    assert source.quantity + target.quantity == Decimal(100 + 50 - 30 - 5)
    actions = AuditEntry.objects.filter(object_id=str(source.pk), object_type="registry.stockitem")
    assert set(actions.values_list("action", flat=True)) >= {
        "stock_in", "stock_out", "stock_transfer", "stock_write_off"
    }  # fmt: skip


def test_a_movement_that_would_make_stock_negative_is_refused_and_changes_nothing(
    xihu_staff, depots, bags
):
    before = (StockMovement.objects.count(), StockItem.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Conflict) as refused:
        services.record_movement(actor=xihu_staff, item_id=bags.pk, kind="出库", quantity=101,
                                 reason="超量领用")  # fmt: skip
    assert refused.value.code == "insufficient_stock" and refused.value.field == "quantity"
    assert "Only 100" in refused.value.message
    with pytest.raises(Conflict):
        services.record_movement(actor=xihu_staff, item_id=bags.pk, kind="调拨", quantity=100.01,
                                 reason="调往北山", to_depot_code="330106002-WZ01")  # fmt: skip
    after = (StockMovement.objects.count(), StockItem.objects.count(), AuditEntry.objects.count())
    assert after == before  # no ledger line, no half-created target item, no audit entry
    assert StockItem.objects.get(pk=bags.pk).quantity == Decimal(100)


def test_a_transfer_to_a_depot_outside_the_jurisdiction_is_not_found(xihu_staff, depots, bags):
    with pytest.raises(NotFound) as missing:
        services.record_movement(actor=xihu_staff, item_id=bags.pk, kind="调拨", quantity=1,
                                 reason="跨区", to_depot_code="330108-WZ01")  # fmt: skip
    assert missing.value.field == "to_depot"
    assert StockItem.objects.filter(depot=depots["binjiang"]).count() == 0
    assert StockItem.objects.get(pk=bags.pk).quantity == Decimal(100)


def test_an_item_of_another_county_cannot_be_moved(binjiang_staff, bags):
    with pytest.raises(NotFound):
        services.record_movement(actor=binjiang_staff, item_id=bags.pk, kind="出库", quantity=1,
                                 reason="x")  # fmt: skip


def test_bad_input_names_the_field_and_read_only_roles_are_refused(make_user, xihu_staff, bags):
    cases = [
        ({"kind": "借出", "quantity": 1}, "kind"),
        ({"kind": "出库", "quantity": 0}, "quantity"),
        ({"kind": "出库", "quantity": "1.005"}, "quantity"),
        ({"kind": "出库", "quantity": 1, "reason": " "}, "reason"),
        ({"kind": "调拨", "quantity": 1}, "to_depot"),
        ({"kind": "出库", "quantity": 1, "to_depot_code": "330106002-WZ01"}, "to_depot"),
    ]
    for args, field in cases:
        with pytest.raises(InvalidInput) as bad:
            services.record_movement(actor=xihu_staff, item_id=bags.pk, **{"reason": "r", **args})
        assert bad.value.field == field, args
    viewer = make_user("xihu_viewer", "330106", "viewer")
    with pytest.raises(Forbidden):
        services.record_movement(actor=viewer, item_id=bags.pk, kind="出库", quantity=1, reason="x")


def test_the_generic_api_lists_stock_but_refuses_to_edit_its_quantity(client, xihu_staff, bags):
    client.force_login(xihu_staff)
    url = f"/api/registry/stock_items/{bags.pk}"
    response = client.patch(url, {"quantity": 9999}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "read_only"
    created = client.post("/api/registry/stock_items/", {"code": "X-1", "depot": "330106-WZ01",
                          "category": "flood", "name": "沙袋", "unit": "个", "quantity": 5},
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 409
    assert StockItem.objects.get(pk=bags.pk).quantity == Decimal(100)
    listed = client.get("/api/registry/stock_items/?depot=330106-WZ01").json()
    assert [row["fields"]["quantity"] for row in listed["items"]] == ["100.00"]
    ledger = client.get(f"/api/registry/stock_movements/?item={bags.code}").json()
    assert [row["fields"]["delta"] for row in ledger["items"]] == ["100.00"]
    assert client.get(f"/registry/stock_items/{bags.pk}/edit/").status_code == 403


def test_stock_and_ledger_export_to_excel(xihu_staff, bags, tmp_path):
    for name in ("stock_items", "stock_movements"):
        spec = exports.get(f"registry.{name}")
        assert exports.write_workbook(spec, xihu_staff, {}, tmp_path / f"{name}.xlsx") == 1


def test_the_movement_api_records_a_transfer_and_refuses_an_overdraft(client, xihu_staff, bags):
    client.force_login(xihu_staff)
    url = f"/api/registry-ops/stock-items/{bags.pk}/movements"
    body = {"kind": "transfer", "quantity": "20", "reason": "前置", "to_depot": "330106002-WZ01"}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    lines = response.json()
    assert [(m["depot"], m["delta"]) for m in lines] == [
        ("330106-WZ01", "-20.00"), ("330106002-WZ01", "20.00")
    ]  # fmt: skip
    overdraft = client.post(url, {"kind": "出库", "quantity": 81, "reason": "x"},
                            content_type="application/json")  # fmt: skip
    assert overdraft.status_code == 409
    assert overdraft.json()["code"] == "insufficient_stock"
    assert overdraft.json()["field"] == "quantity"
    elsewhere = client.post(url, {**body, "to_depot": "330108-WZ01"},
                            content_type="application/json")  # fmt: skip
    assert elsewhere.status_code == 404
    assert StockItem.objects.get(pk=bags.pk).quantity == Decimal(80)


def test_the_api_adds_a_new_item_with_its_first_ledger_line(client, xihu_staff, depots):
    client.force_login(xihu_staff)
    response = client.post(f"/api/registry-ops/depots/{depots['xihu'].pk}/stock-items",
                           {"category": "通信", "name": "卫星电话", "unit": "部", "quantity": 3,
                            "reason": "采购"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "330106-WZ01-0001"
    item = StockItem.objects.get(code="330106-WZ01-0001")
    assert item.quantity == _ledger_sum(item) == Decimal(3)
    other = client.post(f"/api/registry-ops/depots/{depots['binjiang'].pk}/stock-items",
                        {"category": "通信", "name": "卫星电话", "unit": "部", "quantity": 3,
                         "reason": "采购"}, content_type="application/json")  # fmt: skip
    assert other.status_code == 404


def test_the_movement_page_records_a_movement_and_shows_the_refusal(client, xihu_staff, bags):
    client.force_login(xihu_staff)
    url = f"/registry/stock_items/{bags.pk}/movements/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="quantity"' in page.content.decode()
    done = client.post(url, {"kind": "out", "quantity": "12", "reason": "西溪抢险"})
    assert done.status_code == 302
    assert StockItem.objects.get(pk=bags.pk).quantity == Decimal(88)
    refused = client.post(url, {"kind": "out", "quantity": "89", "reason": "超量"})
    assert refused.status_code == 422
    assert "Only 88" in refused.content.decode()
    assert StockItem.objects.get(pk=bags.pk).quantity == Decimal(88)


def test_the_movement_page_of_another_county_is_not_found(client, binjiang_staff, bags):
    client.force_login(binjiang_staff)
    assert client.get(f"/registry/stock_items/{bags.pk}/movements/").status_code == 404

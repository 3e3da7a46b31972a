"""The inspection-item list (抽查事项清单): who sees which items (province items apply below),
who may change them, the checklist rules, hostile input, and the Excel round trip."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.enforcement.models import InspectionItem
from yingji.enforcement.services import lists, lists_excel

pytestmark = pytest.mark.django_db

POINTS = [{"id": "1", "text": "主要负责人经考核合格", "basis": "《安全生产法》第二十七条"}]


def data(**extra: Any) -> dict[str, Any]:
    base = {
        "code": "XH-001",
        "name": "西湖区专项检查",
        "legal_basis": "《安全生产法》第六十五条",
        "region": "330106",
        "share": 0.1,
        "key_colours": ["red"],
        "checklist": POINTS,
    }
    base.update(extra)
    return base


def test_visibility_down_and_up_the_tree_not_sideways(crew, item, make_user):
    xihu = lists.create_item(actor=crew.county, data=data())
    binjiang = lists.create_item(actor=crew.other_county, data=data(code="BJ-001", region="330108"))
    city = lists.create_item(actor=crew.city, data=data(code="HZ-001", region="3301"))
    seen = set(lists.items(crew.county))
    assert {item, xihu, city} <= seen and binjiang not in seen  # province and city apply below
    assert set(lists.items(crew.city)) >= {item, xihu, binjiang, city}
    with pytest.raises(NotFound):
        lists.get_item(crew.county, binjiang.pk)
    assert set(lists.items(crew.i1)) == {item, xihu, city}


def test_only_the_issuer_or_above_changes_an_item(crew, item):
    with pytest.raises(Forbidden):  # county staff see the province item but may not edit it
        lists.update_item(actor=crew.county, pk=item.pk, data={"name": "改名"})
    with pytest.raises(Forbidden):
        lists.create_item(actor=crew.viewer, data=data())
    with pytest.raises(Forbidden):
        lists.create_item(actor=crew.i1, data=data())
    xihu = lists.create_item(actor=crew.county, data=data())
    changed = lists.update_item(actor=crew.city, pk=xihu.pk, data={"name": "新名称"})
    assert changed.name == "新名称"
    entry = AuditEntry.objects.filter(action="update", object_id=str(xihu.pk)).get()
    assert entry.changes["name"] == ["西湖区专项检查", "新名称"]
    with pytest.raises(InvalidInput):
        lists.update_item(actor=crew.county, pk=xihu.pk, data={"code": "OTHER"})
    lists.void_item(actor=crew.county, pk=xihu.pk, reason="合并到省级事项")
    with pytest.raises(Conflict):
        lists.update_item(actor=crew.county, pk=xihu.pk, data={"name": "x"})
    assert not lists.search_items(crew.county).filter(pk=xihu.pk).exists()
    assert lists.search_items(crew.county, state="voided").filter(pk=xihu.pk).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", ""),
        ("code", "x" * 31),
        ("code", "a b"),
        ("code", "'; DROP TABLE x;--"),
        ("name", "n" * 10_000),
        ("legal_basis", ""),
        ("region", "330108"),
        ("region", "3301060010"),
        ("region", "330106001"),
        ("share", 0.01),
        ("share", 2),
        ("share", "inf"),
        ("key_colours", ["blue"]),
        ("key_colours", 5),
        ("industries", ["C2614X"]),
        ("industries", ["1=1"]),
        ("checklist", []),
        ("checklist", "text"),
        ("checklist", [{"id": "1", "text": ""}]),
        ("checklist", [{"id": "1", "text": "a"}] * 2),
        ("checklist", [{"id": "1 1", "text": "a"}]),
        ("checklist", [{"id": "1", "text": "a", "x": 1}]),
        ("checklist", [{"id": str(n), "text": "a"} for n in range(101)]),
        ("checklist", [{"id": "1", "text": "t" * 301}]),
        ("checklist", ["not a point"]),
        ("hazchem_only", "maybe"),
        ("name", "bad\x00name"),
    ],
)
def test_hostile_item_input(crew, field, value):
    with pytest.raises(InvalidInput) as refused:
        lists.create_item(actor=crew.county, data=data(**{field: value}))
    assert refused.value.field == field
    assert not InspectionItem.objects.filter(code="XH-001").exists()


def test_item_form_page_with_checklist_rows(client, crew):
    client.force_login(crew.county)
    post = {
        "code": "XH-002",
        "name": "页面新增",
        "legal_basis": "《安全生产法》",
        "region": "330106",
        "share": "7.5",
        "key_colours": ["red", "orange"],
        "active": "1",
        "point_id": ["1", "2", ""],
        "point_text": ["检查一", "检查二", ""],
        "point_basis": ["依据一", "", ""],
    }
    response = client.post(reverse("enforcement-item-new"), post)
    assert response.status_code == 302
    created = InspectionItem.objects.get(code="XH-002")
    assert created.share == pytest.approx(0.075) and created.key_colours == "red,orange"
    assert created.checklist == [
        {"id": "1", "text": "检查一", "basis": "依据一"},
        {"id": "2", "text": "检查二", "basis": ""},
    ]
    page = client.get(reverse("enforcement-item", args=[created.pk])).content.decode()
    assert "检查二" in page and "依据一" in page
    post.update(code="XH-003", point_id=["1", "1"], point_text=["a", "b"], point_basis=["", ""])
    refused = client.post(reverse("enforcement-item-new"), post)
    assert refused.status_code == 422 and 'data-field="checklist"' in refused.content.decode()
    post.update(code="XH-004", share="0.5", point_id=["1"], point_text=["a"], point_basis=[""])
    refused = client.post(reverse("enforcement-item-new"), post)
    assert refused.status_code == 422 and 'data-field="share"' in refused.content.decode()
    client.force_login(crew.viewer)
    assert client.post(reverse("enforcement-item-new"), post).status_code == 403
    assert client.get(reverse("enforcement-item-edit", args=[created.pk])).status_code == 403
    client.force_login(crew.other_county)
    assert client.get(reverse("enforcement-item", args=[created.pk])).status_code == 404


def test_excel_round_trip(client, crew, item):
    xihu = lists.create_item(actor=crew.county, data=data())
    client.force_login(crew.county)
    export = client.get(reverse("enforcement-items"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(export.content))
    assert [r[0] for r in book["抽查事项"].iter_rows(min_row=2, values_only=True)] == [
        item.code,
        xihu.code,
    ]
    assert book["检查要点"].max_row == 1 + len(item.checklist) + 1
    items, points = book["抽查事项"], book["检查要点"]
    items.cell(3, 2, "西湖区专项检查（修订）")  # xihu's row: an update
    items.append(
        ["XH-NEW", "新增事项", "《安全生产法》第六十五条", "330106", 0.2, "red", "C26", "否", "是"]
    )
    points.append(["XH-NEW", "1", "新增要点", "依据"])
    items.delete_rows(2)  # the province row, and its points: county staff may not change it
    points.delete_rows(2, len(item.checklist))
    buffer = io.BytesIO()
    book.save(buffer)
    result = lists_excel.import_items(actor=crew.county, content=buffer.getvalue())
    assert (result.created, result.updated) == (1, 1)
    assert InspectionItem.objects.get(code=xihu.code).name == "西湖区专项检查（修订）"
    new = InspectionItem.objects.get(code="XH-NEW")
    assert new.checklist == [{"id": "1", "text": "新增要点", "basis": "依据"}]
    assert new.industries == "C26" and new.share == pytest.approx(0.2)


def _workbook(rows: list[list[Any]], points: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "抽查事项"
    sheet.append([f"{label} {key}" for key, label in lists_excel.ITEM_COLUMNS])
    for row in rows:
        sheet.append(row)
    other = book.create_sheet("检查要点")
    other.append([f"{label} {key}" for key, label in lists_excel.POINT_COLUMNS])
    for row in points:
        other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_excel_import_is_all_or_nothing_with_row_numbers(crew, item):
    good = ["XH-A", "好事项", "依据", "330106", 0.05, "red", "", "否", "是"]
    rows = [
        good,
        ["XH-B", "", "依据", "330106", 0.05, "", "", "否", "是"],
        ["XH-C", "比例太低", "依据", "330106", 0.01, "", "", "否", "是"],
        ["XH-A", "重复", "依据", "330106", 0.05, "", "", "否", "是"],
        [item.code, "省级事项", "依据", "33", 0.05, "", "", "否", "是"],
    ]
    content = _workbook(
        rows,
        [
            ["XH-A", "1", "要点", ""],
            ["XH-B", "1", "要点", ""],
            ["XH-C", "1", "要点", ""],
            ["NOPE", "1", "x", ""],
        ],
    )
    with pytest.raises(lists_excel.ImportRefused) as refused:
        lists_excel.import_items(actor=crew.county, content=content)
    found = {(e.sheet, e.row, e.field) for e in refused.value.errors}
    assert ("抽查事项", 3, "name") in found and ("抽查事项", 4, "share") in found
    assert ("抽查事项", 5, "code") in found and ("检查要点", 5, "item") in found
    assert any(e.row == 6 for e in refused.value.errors)  # the province's item
    assert not InspectionItem.objects.filter(code__startswith="XH-").exists()


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04" + b"\x00" * 100])
def test_excel_import_refuses_what_is_not_a_workbook(client, crew, content):
    with pytest.raises(InvalidInput) as refused:
        lists_excel.import_items(actor=crew.county, content=content)
    assert refused.value.field == "file"
    client.force_login(crew.county)
    upload = io.BytesIO(content)
    upload.name = "x.xlsx"
    response = client.post(reverse("enforcement-items-import"), {"file": upload})
    assert response.status_code == 422


def test_excel_import_page_and_missing_sheet(client, crew):
    client.force_login(crew.county)
    book = Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "empty.xlsx"
    response = client.post(reverse("enforcement-items-import"), {"file": buffer})
    assert response.status_code == 422 and "抽查事项" in response.content.decode()
    good = io.BytesIO(
        _workbook(
            [["XH-P", "页面导入", "依据", "330106", 0.05, "red", "", "否", "是"]],
            [["XH-P", "1", "要点", ""]],
        )
    )
    good.name = "items.xlsx"
    response = client.post(reverse("enforcement-items-import"), {"file": good, "dry_run": "1"})
    assert response.status_code == 200 and not InspectionItem.objects.filter(code="XH-P").exists()
    good.seek(0)
    response = client.post(reverse("enforcement-items-import"), {"file": good})
    assert response.status_code == 200 and InspectionItem.objects.filter(code="XH-P").exists()
    assert client.post(reverse("enforcement-items-import")).status_code == 422

"""Broadcast terminals (应急广播终端) and subscribers (预警订阅) through the generic registry:
service, API, Excel, scoping, the one map, and the demo's share of them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.core.registry.conftest import workbook
from yingji.alerts import demo
from yingji.alerts.audience import BroadcastTerminal, Subscriber, validate_event_types
from yingji.alerts.specs import BROADCAST_TERMINALS, SUBSCRIBERS
from yingji.core import exports
from yingji.core.registry import excel
from yingji.core.registry import services as generic
from yingji.core.registry.services import RowErrors
from yingji.regions.models import Level, Region
from yingji.registry.demo.context import DemoContext

TERMINAL = {"code": "330106002051-GB-01", "name": "上保社区应急广播", "kind": "大喇叭（村村响）",
            "region": "330106002051", "address": "上保社区居委会", "lon": 120.1401,
            "lat": 30.128, "maintainer": "李明", "phone": "13800000006"}  # fmt: skip
SUBSCRIBER = {"code": "330106002000-DY-00001", "name": "张伟", "phone": "13800000007",
              "email": "", "region": "330106002",
              "event_types": "typhoon,rainstorm"}  # fmt: skip
HOSTILE = '=HYPERLINK("http://evil.example/x","点击查看")'


def _refused(spec, data, actor=None) -> dict[str, str]:
    with pytest.raises(RowErrors) as refused:
        generic.create(actor=actor, spec=spec, data=data)
    return {e.field: e.message for e in refused.value.errors}


def test_a_terminal_is_registered_through_the_service_and_the_api(client, xihu_staff):
    terminal = generic.create(actor=xihu_staff, spec=BROADCAST_TERMINALS, data=TERMINAL)
    assert (terminal.kind, terminal.status) == ("loudspeaker", "active")  # label in, default
    assert terminal.region_path == "330106002051"
    client.force_login(xihu_staff)
    screen = {**TERMINAL, "code": "330106002051-GB-02", "kind": "screen", "status": "故障"}
    created = client.post("/api/registry/broadcast_terminals/", screen,
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    expected = {"kind": "screen", "status": "fault", "region": "330106002051"}
    assert expected.items() <= created.json()["fields"].items()
    listed = client.get("/api/registry/broadcast_terminals/?status=fault").json()
    assert [r["fields"]["code"] for r in listed["items"]] == ["330106002051-GB-02"]


def test_a_terminal_is_registered_to_a_village_only(db):
    problems = _refused(BROADCAST_TERMINALS, {**TERMINAL, "region": "330106002"})
    assert problems == {"region": "must be a village, not a township"}


def test_a_subscriber_is_registered_through_the_service_and_the_api(client, xihu_staff):
    typed = {**SUBSCRIBER, "event_types": "台风、暴雨，typhoon"}  # labels, Chinese separators
    subscriber = generic.create(actor=xihu_staff, spec=SUBSCRIBERS, data=typed)
    assert subscriber.event_types == "typhoon,rainstorm"  # stored as codes for targeting
    assert subscriber.event_type_list == ["typhoon", "rainstorm"]
    assert subscriber.min_level == 0  # 蓝色 and up: every warning
    client.force_login(xihu_staff)
    by_mail = {**SUBSCRIBER, "code": "330106-DY-2", "name": "", "phone": "",
               "email": "reader@example.com", "region": "330106",
               "event_types": ""}  # fmt: skip
    created = client.post("/api/registry/subscribers/", by_mail, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["label"] == "330106-DY-2"  # no name: the code stands for the person
    row = Subscriber.objects.get(code="330106-DY-2")
    assert (row.email, row.event_types) == ("reader@example.com", "")


def test_a_subscriber_without_phone_or_email_is_refused(client, xihu_staff):
    problems = _refused(SUBSCRIBERS, {**SUBSCRIBER, "phone": ""})
    assert problems == {"phone": "give a mobile phone or an e-mail address"}
    client.force_login(xihu_staff)
    response = client.post("/api/registry/subscribers/", {**SUBSCRIBER, "phone": ""},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 422
    assert response.json()["field"] == "phone"
    assert "请填写手机号码或电子邮箱" in response.json()["message"]  # the UI's language
    assert "email" in _refused(SUBSCRIBERS, {**SUBSCRIBER, "email": "not-an-address"})
    assert not Subscriber.objects.exists()


def test_an_unknown_warning_type_is_refused_naming_the_allowed_ones(db):
    problems = _refused(SUBSCRIBERS, {**SUBSCRIBER, "event_types": "typhoon,tsunami"})
    assert list(problems) == ["event_types"]
    message = problems["event_types"]
    assert "'tsunami' is not a known warning type" in message
    assert "typhoon(台风)" in message and "rainstorm(暴雨)" in message


def test_the_lowest_level_is_entered_by_colour_and_shown_by_colour(client, xihu_staff):
    subscriber = generic.create(actor=xihu_staff, spec=SUBSCRIBERS,
                                data={**SUBSCRIBER, "min_level": "黄色"})  # fmt: skip
    assert Subscriber.objects.get(pk=subscriber.pk).min_level == 1
    assert "min_level" in _refused(SUBSCRIBERS, {**SUBSCRIBER, "code": "2", "min_level": "紫"})
    changed = generic.update(actor=xihu_staff, spec=SUBSCRIBERS, pk=subscriber.pk,
                             data={"min_level": 2})  # fmt: skip
    assert changed.min_level == 2
    client.force_login(xihu_staff)
    assert "橙色" in client.get("/registry/subscribers/").text
    listed = client.get("/api/registry/subscribers/?min_level=橙色").json()
    assert [r["fields"]["min_level"] for r in listed["items"]] == [2]


def _terminal_row(n: int, **changes) -> dict:
    village = ("330106002051", "330106002052", "330106002053")[n % 3]
    return {**TERMINAL, "code": f"{village}-GB-{n:02d}", "region": village, **changes}


def test_excel_import_creates_then_updates_by_code(xihu_staff):
    rows = excel.read(BROADCAST_TERMINALS, workbook([_terminal_row(n) for n in range(1, 5)],
                                                    "broadcast_terminals"))  # fmt: skip
    result = generic.import_rows(actor=xihu_staff, spec=BROADCAST_TERMINALS, rows=rows)
    assert (result.created, result.updated) == (4, 0)
    assert BroadcastTerminal.objects.filter(kind="loudspeaker", status="active").count() == 4
    people = [{**SUBSCRIBER, "code": f"330106002000-DY-{n:05d}"} for n in range(1, 4)]
    rows = excel.read(SUBSCRIBERS, workbook(people, "subscribers"))
    assert generic.import_rows(actor=xihu_staff, spec=SUBSCRIBERS, rows=rows).created == 3
    again = excel.read(SUBSCRIBERS, workbook([{**people[0], "phone": ""}], "subscribers"))
    with pytest.raises(RowErrors):  # the row rule holds in imports too
        generic.import_rows(actor=xihu_staff, spec=SUBSCRIBERS, rows=again)
    changed = excel.read(SUBSCRIBERS, workbook([{**people[0], "email": "a@example.com"}],
                                               "subscribers"))  # fmt: skip
    assert generic.import_rows(actor=xihu_staff, spec=SUBSCRIBERS, rows=changed).updated == 1
    assert Subscriber.objects.get(code=people[0]["code"]).email == "a@example.com"


def _text_workbook(rows: list[dict], name: str) -> bytes:
    """Like a user's workbook, with every cell stored as text (so ``=…`` stays text)."""
    book = load_workbook(io.BytesIO(workbook(rows, name)))
    for row in book[excel.DATA_SHEET].iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_hostile_row_refuses_the_whole_workbook(xihu_staff):
    rows = [_terminal_row(1), _terminal_row(2, name=HOSTILE), _terminal_row(3, name="广" * 10_000),
            _terminal_row(4, maintainer="@SUM(1+1)*cmd|' /C calc'!A0")]  # fmt: skip
    read = excel.read(BROADCAST_TERMINALS, _text_workbook(rows, "broadcast_terminals"))
    with pytest.raises(RowErrors) as refused:
        generic.import_rows(actor=xihu_staff, spec=BROADCAST_TERMINALS, rows=read)
    problems = {(e.row, e.field): e.message for e in refused.value.errors}
    assert set(problems) == {(4, "name"), (5, "name"), (6, "maintainer")}
    assert "formula" in problems[(4, "name")]
    assert problems[(5, "name")] == "is 10000 characters long; at most 100"
    assert not BroadcastTerminal.objects.exists()
    # A NUL cannot be saved in an .xlsx cell, but a converted file may still carry one.
    with pytest.raises(RowErrors) as refused:
        generic.import_rows(actor=xihu_staff, spec=SUBSCRIBERS, rows=[
            (3, SUBSCRIBER), (4, {**SUBSCRIBER, "code": "X-2", "name": "张\x00伟"}),
            (5, {**SUBSCRIBER, "code": "X-3", "name": HOSTILE[:50]}),
            (6, {**SUBSCRIBER, "code": "X-4", "email": "=1+2@example.com"})])  # fmt: skip
    assert [(e.row, e.field) for e in refused.value.errors] == [
        (4, "name"), (5, "name"), (6, "email")]  # fmt: skip
    assert refused.value.errors[0].message == "contains a NUL character"
    assert not Subscriber.objects.exists()


@pytest.fixture
def two_counties(db):
    for county, village, township in (("330106", "330106002051", "330106002"),
                                      ("330108", "330108001001", "330108001")):  # fmt: skip
        generic.create(actor=None, spec=BROADCAST_TERMINALS, data={
            **TERMINAL, "code": f"{village}-GB-01", "region": village})  # fmt: skip
        generic.create(actor=None, spec=SUBSCRIBERS, data={
            **SUBSCRIBER, "code": f"{county}-DY-1", "region": township})  # fmt: skip


def test_a_county_user_sees_only_their_county_rows(client, xihu_staff, two_counties, tmp_path):
    client.force_login(xihu_staff)
    for spec, region in ((BROADCAST_TERMINALS, "330106002051"), (SUBSCRIBERS, "330106002000")):
        listed = client.get(f"/api/registry/{spec.name}/").json()
        assert [r["fields"]["region"] for r in listed["items"]] == [region], spec.name
        other = spec.model.objects.get(region_path__startswith="330108")
        assert client.get(f"/api/registry/{spec.name}/{other.pk}").status_code == 404
        assert client.get(f"/registry/{spec.name}/{other.pk}/").status_code == 404
        page = client.get(f"/registry/{spec.name}/")
        assert page.status_code == 200 and spec.title in page.text
        assert "330108" not in page.text
        out = tmp_path / f"{spec.name}.xlsx"
        assert exports.write_workbook(exports.get(f"registry.{spec.name}"), xihu_staff, {},
                                      out) == 1  # fmt: skip


def test_both_registries_are_listed_and_only_terminals_are_on_the_map(
    client, xihu_staff, two_counties
):
    client.force_login(xihu_staff)
    described = {r["name"]: r for r in client.get("/api/registry/").json()}
    assert described["broadcast_terminals"]["count"] == described["subscribers"]["count"] == 1
    index = client.get("/registry/").text
    assert "应急广播终端" in index and "预警订阅" in index
    template = client.get("/registry/subscribers/template.xlsx")
    assert template.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(template.content)).active[2]]
    assert headers == list(SUBSCRIBERS.fields)
    layers = {layer["name"] for layer in client.get("/api/map/layers").json()}
    assert "broadcast_terminals" in layers and "subscribers" not in layers


def test_the_demo_gives_every_village_a_loudspeaker_and_townships_subscribers(db):
    ctx = DemoContext()
    demo.generate(ctx)
    villages = Region.objects.filter(level=Level.VILLAGE)
    loudspeakers = BroadcastTerminal.objects.filter(kind="loudspeaker")
    assert loudspeakers.count() == villages.count()
    assert set(loudspeakers.values_list("region_id", flat=True)) == set(
        villages.values_list("code", flat=True)
    )
    seats = {v.path[:9] for v in ctx.villages}
    screens = BroadcastTerminal.objects.filter(kind="screen")
    assert screens.count() == len(seats)  # one per township that has villages
    faults = BroadcastTerminal.objects.filter(status="fault").count()
    assert 0.01 < faults / BroadcastTerminal.objects.count() < 0.06
    assert ctx.counts["broadcast_terminals"] == BroadcastTerminal.objects.count()

    townships = len(ctx.townships)
    subscribers = Subscriber.objects.all()
    assert 2.5 < subscribers.count() / townships < 3.5
    assert ctx.counts["subscribers"] == subscribers.count()
    assert not subscribers.filter(phone="", email="").exists()
    assert subscribers.filter(email="").exists() and subscribers.filter(phone="").exists()
    assert subscribers.exclude(phone="").exclude(email="").exists()
    assert all(e.endswith("@example.com") for e in subscribers.exclude(email="")
               .values_list("email", flat=True))  # fmt: skip
    levels = set(subscribers.values_list("region__level", flat=True))
    assert levels == {Level.TOWNSHIP, Level.VILLAGE}
    for types in set(subscribers.values_list("event_types", flat=True)):
        validate_event_types(types)
    assert subscribers.filter(min_level__lte=1).count() > 0.8 * subscribers.count()
    for model in (BroadcastTerminal, Subscriber):
        assert model.objects.filter(synthetic=False).count() == 0, model

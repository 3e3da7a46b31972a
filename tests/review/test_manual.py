"""Manual targets: entry (validated, audited, permission-checked), replacement by voiding,
the page form and the API."""

from __future__ import annotations

import json

import pytest

from yingji.core.errors import Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.review import selectors, services
from yingji.review.models import ManualValue

pytestmark = pytest.mark.django_db
RC = "red-cross-first-aiders"


def enter(actor, **changes):
    data = {"indicator": RC, "region": "330106", "period": "2025", "value": 96.5,
            "source": "省红十字会 2025 年培训统计"}  # fmt: skip
    data.update(changes)
    return services.enter_manual(actor, **data)


def test_entry_is_audited_and_shown_with_its_status(offices):
    row = enter(offices["county"])
    entry = AuditEntry.objects.get(
        object_type="review.manualvalue", object_id=str(row.pk), action="create"
    )
    assert entry.region_path == "330106"
    figure = selectors.indicator(offices["county"], RC)["figure"]
    assert (figure.value, figure.status, figure.period) == (96.5, "met", "2025")
    card = next(f for f in selectors.cockpit(offices["county"])["figures"] if f.indicator.id == RC)
    assert card.status == "met"
    # the city sees the county in its drill-down, its own figure still awaiting entry
    city = selectors.indicator(offices["city"], RC, "3301")
    assert city["figure"].status == "manual_pending"
    xihu = next(d for d in city["rows"] if d.row.path == "330106")
    assert (xihu.row.value, xihu.status) == (96.5, "met")


def test_entering_again_voids_the_old_value(offices):
    first = enter(offices["county"], value=80)
    second = enter(offices["county"], value=97)
    first.refresh_from_db()
    assert first.voided_at is not None and first.void_reason == "replaced"
    assert ManualValue.objects.filter(voided_at__isnull=True).get() == second
    assert AuditEntry.objects.filter(
        object_type="review.manualvalue", object_id=str(second.pk), action="update"
    ).exists()
    services.void_manual(offices["city"], second.pk, reason="数据有误")
    assert selectors.indicator(offices["county"], RC)["figure"].status == "manual_pending"
    assert ManualValue.objects.count() == 2  # nothing deleted


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": 101}, "value"),
        ({"value": -1}, "value"),
        ({"value": float("nan")}, "value"),
        ({"value": float("inf")}, "value"),
        ({"value": "9" * 400}, "value"),
        ({"value": True}, "value"),
        ({"value": "abc"}, "value"),
        ({"period": "2025-13"}, "period"),
        ({"period": "1999"}, "period"),
        ({"period": "2025-6"}, "period"),
        ({"period": "2025'; DROP TABLE"}, "period"),
        ({"period": None}, "period"),
        ({"source": ""}, "source"),
        ({"source": "   "}, "source"),
        ({"source": "x" * 301}, "source"),
        ({"source": '=HYPERLINK("http://evil")'}, "source"),
        ({"source": "bad\x00byte"}, "source"),
        ({"source": ["list"]}, "source"),
        ({"note": "n" * 1001}, "note"),
        ({"indicator": "shelters-standardised"}, "indicator"),
    ],
)
def test_hostile_or_oversized_input_is_refused_naming_the_field(offices, changes, field):
    with pytest.raises(InvalidInput) as caught:
        enter(offices["county"], **changes)
    assert caught.value.field == field
    assert not ManualValue.objects.exists()


def test_permission_and_jurisdiction(offices):
    with pytest.raises(Forbidden):
        enter(offices["viewer"])
    with pytest.raises(NotFound):
        enter(offices["county"], region="330108")  # another county
    with pytest.raises(NotFound):
        enter(offices["county"], region="3301")  # above the county
    with pytest.raises(NotFound):
        enter(offices["county"], indicator="no-such-thing")
    enter(offices["city"], region="330108")  # a city enters for its county
    row = enter(offices["county"])
    with pytest.raises(NotFound):
        services.void_manual(offices["binjiang"], row.pk, reason="不是我的")
    with pytest.raises(InvalidInput):
        services.void_manual(offices["county"], row.pk, reason="")


def test_page_form_enters_and_shows_errors(client, login, offices):
    login(offices["county"])
    url = f"/review/cockpit/{RC}/"
    bad = client.post(url, {"region": "330106", "period": "2025", "value": "200", "source": "x"})
    assert bad.status_code == 422
    assert "value must be between 0 and 100" in bad.content.decode()
    good = client.post(url, {"region": "330106002", "period": "2025-06", "value": "95",
                             "source": "街道报送"})  # fmt: skip
    assert good.status_code == 302
    page = client.get(f"{url}?region=330106002").content.decode()
    assert "街道报送" in page and "95.0 %" in page
    login(offices["viewer"])
    assert client.post(url, {"region": "330106", "period": "2025", "value": "95",
                             "source": "x"}).status_code == 403  # fmt: skip


def test_api_lists_details_and_enters(client, login, offices):
    login(offices["county"])
    listing = client.get("/api/review/indicators").json()
    assert listing["region"]["path"] == "330106"
    assert listing["total"] == len(listing["items"]) >= 25
    assert {"value", "status", "target", "numerator", "denominator"} <= set(listing["items"][0])
    assert client.get("/api/review/indicators?region=330108").status_code == 404
    assert client.get("/api/review/indicators?status=bogus").status_code == 422
    detail = client.get("/api/review/indicators/shelters-standardised?region=330106").json()
    assert detail["formula"] and detail["owner"] and len(detail["by_region"]) > 5
    assert client.get("/api/review/indicators/nope").status_code == 404
    body = {"indicator": RC, "region": "330106", "period": "2025", "value": 90,
            "source": "红十字会"}  # fmt: skip
    created = client.post("/api/review/manual-values", json.dumps(body),
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    extra = client.post("/api/review/manual-values", json.dumps({**body, "admin": True}),
                        content_type="application/json")  # fmt: skip
    assert extra.status_code == 422
    wrong = client.post("/api/review/manual-values", json.dumps({**body, "value": 1e9}),
                        content_type="application/json")  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["field"] == "value"
    pk = created.json()["id"]
    voided = client.post(f"/api/review/manual-values/{pk}/void", json.dumps({"reason": "重报"}),
                         content_type="application/json")  # fmt: skip
    assert voided.status_code == 200 and voided.json()["voided_at"]

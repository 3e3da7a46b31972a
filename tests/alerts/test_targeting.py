"""Targeting (issue 7, done means 3): a polygon warning reaches exactly the contacts of the
villages whose centres lie inside it; a region warning its whole subtree; roles by level;
one phone once; the preview counts per county and channel."""

from __future__ import annotations

import pytest

from tests.alerts.conftest import contact, draft
from yingji.alerts import selectors
from yingji.regions.models import Level, Region


@pytest.fixture
def xihu_villages(db):
    """Ten villages of 西湖区 with centre points, in a known order."""
    return list(
        Region.objects.filter(
            level=Level.VILLAGE, path__startswith="330106", lon__isnull=False
        ).order_by("path")[:10]
    )


def box_around(regions, pad=0.0005):
    lats = [r.lat for r in regions]
    lons = [r.lon for r in regions]
    s, n, w, e = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad
    return [[s, w], [s, e], [n, e], [n, w], [s, w]]


def test_a_polygon_reaches_exactly_the_contacts_of_the_villages_inside(people, xihu_villages):
    inside = xihu_villages[0]
    polygon = box_around([inside], pad=0.0001)
    everyone = [contact(str(i + 1), v) for i, v in enumerate(xihu_villages)]
    covered = [
        v for v in Region.objects.filter(level=Level.VILLAGE, lon__isnull=False)
        if polygon[0][0] <= v.lat <= polygon[2][0] and polygon[0][1] <= v.lon <= polygon[2][1]
    ]  # fmt: skip
    warning = draft(people["duty"], areas=[{"description": "框选区域", "polygon": polygon}])
    assert selectors.villages(warning) == {v.path for v in covered}
    got = {r.contact_id for r in selectors.recipients(warning)}
    assert got == {c.pk for c in everyone if c.region_path in {v.path for v in covered}}
    assert everyone[0].pk in got


def test_a_region_reaches_its_subtree_with_roles_by_level(people, xihu_villages):
    village = xihu_villages[0]
    township = village.parent
    duty = contact("1", township, roles="乡镇值班", channels="sms,voice")
    grid = contact("2", village, roles="网格员", channels="app")
    outside = contact("3", Region.objects.get(path="330108"), roles="县级值班")
    blue = draft(people["duty"], level=0, areas=[{"region": township.code, "description": "x"}])
    assert {r.contact_id for r in selectors.recipients(blue)} == {duty.pk}  # 网格员 from 黄
    yellow = draft(people["duty"], level=1, areas=[{"region": township.code, "description": "x"}])
    assert {r.contact_id for r in selectors.recipients(yellow)} == {duty.pk, grid.pk}
    assert outside.pk not in {r.contact_id for r in selectors.recipients(yellow)}
    preview = selectors.preview(yellow)
    assert preview["recipients"] == 2 and preview["channels"]["sms"] == 1
    assert preview["counties"][0]["code"] == "330106" and preview["counties"][0]["app"] == 1


def test_one_phone_is_reached_once_with_all_its_channels(people, xihu_villages):
    village = xihu_villages[0]
    contact("1", village, channels="sms", phone="13900000001")
    contact("2", village, roles="防汛责任人", channels="voice", phone="13900000001")
    warning = draft(people["duty"], areas=[{"region": village.code, "description": "x"}])
    (only,) = selectors.recipients(warning)
    assert set(only.channels) == {"sms", "voice"}

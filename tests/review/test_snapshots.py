"""The daily snapshot job: every computed target for the province, cities and counties (and,
through them, the townships), idempotent within a day, and the trend reading it back."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.review.conftest import TODAY, shelter
from yingji.core import jobs, schedule
from yingji.review import selectors, services
from yingji.review.indicators import INDICATORS
from yingji.review.models import Snapshot

pytestmark = pytest.mark.django_db


def test_snapshot_covers_scopes_and_their_children_once_a_day(offices):
    shelter("330106002051", standardised=True)
    shelter("330106002052", standardised=False)
    computed = [i for i in INDICATORS if i.compute]
    first = services.snapshot_all(TODAY - dt.timedelta(days=1), depth=4)  # province + cities
    again = services.snapshot_all(TODAY - dt.timedelta(days=1), depth=4)
    assert first == again
    rows = Snapshot.objects.filter(indicator="shelters-standardised")
    assert rows.count() == 1 + 11 + 90  # the province, its cities, their counties
    assert rows.get(region_path="330106").value == 50.0
    assert Snapshot.objects.values("indicator").distinct().count() == len(computed)
    figure = selectors.indicator(offices["county"], "shelters-standardised")["figure"]
    assert figure.trend == [(TODAY - dt.timedelta(days=1), 50.0), (TODAY, 50.0)]


def test_snapshot_is_a_daily_job():
    assert schedule.periods()[services.SNAPSHOT_KIND] == schedule.DAY
    assert services.SNAPSHOT_KIND in jobs._KINDS

"""The hazard queue and a hazard's page cost the same number of queries however many rows
they show and whatever the hazard is joined to (no query per row, no lazy load per related
row), and the queue's pager counts the rows the page lists."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.hazards.test_views import html_of, new_hazard, register
from yingji.hazards import views
from yingji.hazards.models import HiddenHazard
from yingji.hazards.services import supervision

pytestmark = pytest.mark.django_db
CODE = r"YH-\d{6}-\d{4}-\d{6}"


def queries(client, path: str) -> tuple[int, str]:
    client.get(path)  # a first request warms what every page reads once (session, roles)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), html_of(response)


def queue_codes(html: str) -> list[str]:
    return re.findall(CODE, html.split('id="hz-queue"')[1])


def supervised_major(people, criterion) -> HiddenHazard:
    major = new_hazard(people, title="重大隐患甲", grade="major", criterion=str(criterion.pk))
    register(people, major, deadline=30)
    deadline = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    supervision.supervise(actor=people.city, pk=major.pk, data={"deadline": deadline})
    return major


def test_the_queue_costs_the_same_queries_for_two_rows_and_for_eight(client, people, criterion):
    first = [new_hazard(people, title="甲"), new_hazard(people, title="乙")]
    client.force_login(people.county)
    few, html = queries(client, "/hazards/")
    assert sorted(queue_codes(html)) == sorted(h.code for h in first)

    more = [new_hazard(people, title=f"丙{i}") for i in range(4)]
    register(people, more[0], deadline=5)
    HiddenHazard.objects.filter(pk=more[0].pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=2)
    )
    major = supervised_major(people, criterion)
    many, html = queries(client, "/hazards/")
    assert many == few
    assert len(queue_codes(html)) == 7 and queue_codes(html)[0] == more[0].code
    # What the rows show comes from the joined values: the place, the overdue days, the
    # supervision badge, the overdue figure by the filter.
    row = html.split(f"/hazards/{major.pk}/")[1].split("</li>")[0]
    assert "西湖化工" in row and "市级督办" in row and "剩 30 天" in row
    late = html.split(f"/hazards/{more[0].pk}/")[1].split("</li>")[0]
    assert "逾期 2 天" in late and 'class="hz-due late"' in late
    assert '<span class="hz-due late">1</span>' in html


def test_the_pager_counts_the_tab_or_the_narrowed_rows(client, people, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for i in range(4):
        new_hazard(people, title=f"消防{i}")
    for i in range(3):
        new_hazard(people, title=f"用电{i}")
    client.force_login(people.county)
    html = html_of(client.get("/hazards/"))
    assert "第 1 / 3 页（共 7 条）" in html and len(queue_codes(html)) == 3
    assert "第 1 / 3 页（共 7 条）" in html_of(client.get("/hazards/?state=reported"))
    assert "第 3 / 3 页（共 7 条）" in html_of(client.get("/hazards/?state=all&page=3"))
    # Another filter narrows the rows: they are counted, not taken from the tab.
    html = html_of(client.get("/hazards/?q=消防"))
    assert "第 1 / 2 页（共 4 条）" in html
    assert "pager" not in html_of(client.get("/hazards/?state=closed"))


def test_a_hazard_page_reads_its_enterprise_place_and_listing_with_it(client, people, criterion):
    plain = new_hazard(people, title="无督办")
    register(people, plain)  # both past registering (whose form lists the criteria)
    major = supervised_major(people, criterion)
    client.force_login(people.province)
    general, _ = queries(client, f"/hazards/{plain.pk}/")
    listed, html = queries(client, f"/hazards/{major.pk}/")
    assert "市级督办" in html and "西湖化工" in html and criterion.text[:10] in html
    # The major one shows a criterion, a supervision and more: with the same queries.
    assert listed == general

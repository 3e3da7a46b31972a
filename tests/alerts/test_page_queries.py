"""The warning list costs the same queries for few rows and for many and prints each row as
the template filters did (local minutes, the office, the link); its pager counts the rows it
lists; a warning's page reads the warning once, with the people it names."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template.defaultfilters import date as date_filter
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localtime

from tests.alerts.conftest import draft, through
from tests.alerts.test_pages import as_
from yingji.alerts import views
from yingji.alerts.models import Warning

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> tuple[int, str]:
    client.get(path)  # a first request warms what every page reads once (session, roles)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def listed(html: str) -> list[str]:
    return re.findall(r'<tr class="al-row" data-id="(\d+)"', html)


def test_the_list_costs_the_same_queries_for_two_rows_and_for_six(people):
    client = as_(people["duty"])
    drafts = [draft(people["duty"], headline=f"预警{i}") for i in range(2)]
    few, html = queries(client, "/alerts/")
    assert sorted(listed(html)) == sorted(str(w.pk) for w in drafts)
    drafts += [draft(people["duty"], headline=f"预警{i}", level=i % 4) for i in range(2, 6)]
    through(drafts[-1], people)
    many, html = queries(client, "/alerts/")
    assert many == few and len(listed(html)) == 6
    issued = Warning.objects.select_related("sender").get(pk=drafts[-1].pk)
    row = html.split(f'data-id="{issued.pk}"')[1].split("</tr>")[0]
    assert f'<a href="/alerts/{issued.pk}/">预警5</a>' in row
    assert f"<td>{date_filter(localtime(issued.expires), 'Y-m-d H:i')}</td>" in row
    assert f"<td>{date_filter(localtime(issued.created_at), 'Y-m-d H:i')}</td>" in row
    assert f"<td>{issued.sender.name}</td>" in row and issued.identifier in row
    assert 'class="al-level al-lv-1">黄色</span>' in row and "已签发" in row


def test_the_pager_counts_the_tab_or_the_narrowed_rows(people, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(3):
        draft(people["duty"], headline=f"暴雨{i}")
    for i in range(2):
        draft(people["duty"], headline=f"大风{i}", event_type="gale", level=1)
    client = as_(people["duty"])
    assert "Page 1 of 3 (5 rows)" in client.get("/alerts/").content.decode()
    assert "Page 3 of 3 (5 rows)" in client.get("/alerts/?state=draft&page=3").content.decode()
    assert "Page 1 of 2 (3 rows)" in client.get("/alerts/?q=暴雨").content.decode()
    assert "pager" not in client.get("/alerts/?type=gale").content.decode()


def test_a_warning_page_reads_the_warning_once(people, django_assert_max_num_queries):
    warning = through(draft(people["duty"]), people)
    client = as_(people["duty"])
    client.get(f"/alerts/{warning.pk}/")
    # session, user, roles, home region; the warning with its office, drafter, reviewer and
    # issuer; replacements, areas, history; messages and 叫应 rows (none here, so no region
    # names). Before, the warning was read three times and its people one by one: 17.
    with django_assert_max_num_queries(10):
        html = client.get(f"/alerts/{warning.pk}/").content.decode()
    assert "xihu_duty" in html and "xihu_reviewer" in html and "xihu_issuer" in html

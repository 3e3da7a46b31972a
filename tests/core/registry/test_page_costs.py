"""List, API and detail of a registry cost a fixed number of queries whatever the page holds,
and the list rows built in the view read exactly as the per-cell template loop rendered them.

Licences are the case that matters: a reference (the enterprise, shown by its credit code),
a choice (the licence type, by its label) and dates (localised) in the list columns.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext

from tests.core.registry.conftest import shelter_row
from yingji.core.registry import selectors, services
from yingji.core.registry import spec as specs

LICENCES = specs.get("licences")
SHELTERS = specs.get("shelters")

# The list page's row loop as it was: one {% url %} and one variable per cell.
PER_CELL = engines["django"].from_string(
    "{% for obj, cells in rows %}<tr>{% for cell in cells %}<td>{% if forloop.first %}"
    "<a href=\"{% url 'registry-detail' spec.name obj.pk %}\">{{ cell }}</a>{% else %}"
    "{{ cell }}{% endif %}</td>{% endfor %}</tr>{% endfor %}"
)


def add_licences(enterprises, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        services.create(actor=None, spec=LICENCES, data={
            "enterprise": enterprises[n % len(enterprises)].credit_code, "kind": "safety",
            "number": f"(浙)WH安许证字〔2024〕-<{n:04d}>", "issued_on": dt.date(2024, 3, 1 + n),
            "expires_on": dt.date(2027, 2, 1 + n),
        })  # fmt: skip


def queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def queries_for_2_and_11_licences(client, enterprises, url: str) -> tuple[list[str], list[str]]:
    """The statements ``url`` runs with 2 licences, then with 11."""
    add_licences(enterprises, 2)
    few = queries(client, url)
    add_licences(enterprises, 9, start=2)
    return few, queries(client, url)


@pytest.fixture
def enterprises(make_enterprise):
    return [make_enterprise("330106002"), make_enterprise("330106004")]


def test_list_rows_read_as_the_per_cell_loop_and_cost_the_same_for_more_rows(
    client, xihu_staff, enterprises
):
    client.force_login(xihu_staff)
    few, many = queries_for_2_and_11_licences(client, enterprises, "/registry/licences/")
    assert len(many) == len(few)

    html = client.get("/registry/licences/").content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    objects = selectors.records(xihu_staff, LICENCES).select_related("enterprise")
    rows = [(o, [selectors.display_of_column(LICENCES, c, o) for c in LICENCES.list_columns])
            for o in objects]  # fmt: skip
    expected = PER_CELL.render({"rows": rows, "spec": LICENCES})
    assert body.replace("\n    ", "").strip() == expected
    assert body.count("<tr>") == 11
    assert enterprises[0].credit_code in body and "安全生产许可证" in body
    assert "2024年3月1日" in body and "&lt;0000&gt;" in body  # localised, escaped


def test_list_rows_show_regions_by_name_and_code(client, xihu_staff):
    services.create(actor=xihu_staff, spec=SHELTERS, data=shelter_row(1))
    client.force_login(xihu_staff)
    body = client.get("/registry/shelters/").content.decode().split("<tbody>")[1]
    row = body.split("</tr>")[0].strip()
    assert "北山街道 330106002000" in row
    assert row.startswith('<tr><td><a href="/registry/shelters/')


def test_api_list_costs_the_same_for_more_rows(client, xihu_staff, enterprises):
    client.force_login(xihu_staff)
    few, many = queries_for_2_and_11_licences(
        client, enterprises, "/api/registry/licences/?limit=50"
    )
    assert len(many) == len(few)
    items = client.get("/api/registry/licences/?limit=50").json()["items"]
    assert len(items) == 11
    assert {item["fields"]["enterprise"] for item in items} == {e.credit_code for e in enterprises}
    assert list(items[0]["fields"]) == list(LICENCES.fields)  # the columns' order
    enterprise = client.get("/api/registry/enterprises/?limit=5").json()["items"][0]
    assert enterprise["fields"]["region"] in ("330106002000", "330106004000")


def test_detail_reads_the_record_with_its_references_in_one_query(client, xihu_staff, enterprises):
    client.force_login(xihu_staff)
    add_licences(enterprises, 1)
    licence = selectors.records(xihu_staff, LICENCES).get()
    sql = queries(client, f"/registry/licences/{licence.pk}/")
    assert not [q for q in sql if 'FROM "registry_enterprise"' in q]  # no lazy load
    html = client.get(f"/registry/enterprises/{enterprises[0].pk}/").content.decode()
    assert "北山街道 330106002000" in html

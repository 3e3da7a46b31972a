"""The public site (/public/enforcement/, no login): only published, not withdrawn items; search
and filters; nothing else leaks (unpublished and withdrawn are 404; no personal data)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from tests.enforcement.penalty_fixtures import completed_task, decided, load_rules
from yingji.enforcement.models import Publication
from yingji.enforcement.services import publication

GENERAL = ("AQF97-7", "general")
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def site(crew: SimpleNamespace, firms: SimpleNamespace, item: Any, db: None) -> SimpleNamespace:
    rules = load_rules()
    shown = Publication.objects.get(
        case=decided(
            crew.county,
            firms.own,
            rules[GENERAL],
            facts=f"{SCRIPT}特种作业人员无证，电话13812345678",
        )
    )
    result = publication.on_task_completed(completed_task(item, firms.xihu[1], [crew.i1, crew.i2],
                                                          on=dt.date(2025, 9, 26)))  # fmt: skip
    hidden = Publication.objects.get(case=decided(crew.county, firms.xihu[2], rules[GENERAL]))
    gone = Publication.objects.get(case=decided(crew.county, firms.xihu[3], rules[GENERAL]))
    binjiang = Publication.objects.get(case=decided(crew.other_county, firms.other, rules[GENERAL]))
    for one in (shown, result, gone):
        publication.publish(actor=crew.county, pk=one.pk)
    publication.publish(actor=crew.other_county, pk=binjiang.pk)
    publication.withdraw(actor=crew.county, pk=gone.pk, reason="决定已被撤销")
    return SimpleNamespace(shown=shown, result=result, hidden=hidden, gone=gone, binjiang=binjiang)


def test_only_published_items_are_listed_and_open(site: SimpleNamespace, firms: Any) -> None:
    anonymous = Client()
    page = anonymous.get("/public/enforcement/")
    text = page.content.decode()
    assert page.status_code == 200
    for item in (site.shown, site.result, site.binjiang):
        assert f"/public/enforcement/{item.pk}/" in text
    for item in (site.hidden, site.gone):
        assert f"/public/enforcement/{item.pk}/" not in text
        assert anonymous.get(f"/public/enforcement/{item.pk}/").status_code == 404
    assert firms.xihu[2].name not in text and firms.xihu[3].name not in text
    assert anonymous.get("/public/enforcement/0/").status_code == 404
    assert anonymous.get(f"/public/enforcement/{10**25}/").status_code == 404
    assert 'href="/enforcement/' not in text  # no link into the staff side, no staff nav


def test_the_detail_shows_the_public_text_escaped_and_no_personal_data(
    site: SimpleNamespace, crew: SimpleNamespace
) -> None:
    page = Client().get(f"/public/enforcement/{site.shown.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and site.shown.title in text
    assert SCRIPT not in text and "&lt;script&gt;" in text
    for private in ("13812345678", crew.county.username, "执法人员", "ZJ330106",
                    "published_by", "overdue_flagged", "xh_insp"):  # fmt: skip
        assert private not in text
    result = Client().get(f"/public/enforcement/{site.result.pk}/").content.decode()
    assert "张三" not in result and "13812345678" not in result and "执法人员1" not in result


def test_search_and_filters(site: SimpleNamespace, firms: SimpleNamespace) -> None:
    anonymous = Client()

    def listed(**params: str) -> set[int]:
        page = anonymous.get("/public/enforcement/", params)
        assert page.status_code == 200
        return {i.pk for i in (site.shown, site.result, site.binjiang)
                if f"/public/enforcement/{i.pk}/" in page.content.decode()}  # fmt: skip

    assert listed(q=firms.own.name) == {site.shown.pk}
    assert listed(q=firms.own.credit_code.lower()) == {site.shown.pk}
    assert listed(kind="result") == {site.result.pk}
    assert listed(region="330108") == {site.binjiang.pk}
    assert listed(year="2025") == {site.result.pk}
    assert listed(q="不存在的企业") == set()
    assert listed(q=firms.xihu[3].name) == set()  # withdrawn
    for params in ({"year": "20x5"}, {"kind": SCRIPT}, {"region": "' OR 1=1 --"},
                   {"q": "企" * 5000}, {"page": "-1"}, {"page": "9" * 40}):  # fmt: skip
        page = anonymous.get("/public/enforcement/", params)
        assert page.status_code == 200, params
        assert SCRIPT not in page.content.decode()


def test_the_public_page_fits_a_phone_and_has_its_own_base(site: SimpleNamespace) -> None:
    text = Client().get("/public/enforcement/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in text
    assert 'class="topbar"' not in text and "hazards-inbox" not in text

"""The accident pages with the Django test client: list with filters, coverage and export,
the form (with field errors, and prefilled from an incident), an accident's page and its
forms through the whole investigation, the report download, statistics, county GDP import,
the public cases, the incident page's card; others' accidents are 404, never 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.accidents.conftest import docx, pdf, record
from tests.incidents.conftest import accident as incident_accident
from yingji.accidents.models import Accident, Investigation, RegionEconomy
from yingji.accidents.services import followup
from yingji.accidents.services import investigation as inv_service
from yingji.core.models import Job

pytestmark = pytest.mark.django_db
TEAM = "王强，西湖区应急管理局，组长"


def closed_accident(people, **changes):
    changes.setdefault("occurred_at", (timezone.now() - dt.timedelta(days=30)).isoformat())
    accident = record(people.county, **changes)
    inv_service.open_investigation(actor=people.county, pk=accident.pk, data={"team": TEAM})
    followup.add_measure(
        actor=people.county,
        pk=accident.pk,
        data={"text": "培训", "owner_unit": "厂", "due_on": timezone.localdate()},
    )
    inv_service.transition(
        actor=people.county, pk=accident.pk, action="submit", data={"cause": "违章"}, upload=pdf()
    )
    inv_service.transition(
        actor=people.county, pk=accident.pk, action="close", data={"approval": "同意"}
    )
    return accident


def test_the_list_filters_shows_coverage_and_exports(people, client):
    first = closed_accident(people, title="甲事故")
    followup.evaluate(
        actor=people.county,
        pk=first.pk,
        data={"measures_implemented": "yes", "score": 90, "conclusion": "好"},
    )
    closed_accident(people, title="乙事故")
    record(people.county, title="丙事故", dead=3)
    record(people.other_county, region="330108001", title="滨江事故")
    client.force_login(people.county)
    page = client.get("/accidents/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲事故" in text and "丙事故" in text and "滨江事故" not in text
    assert "1 of 2" in text  # evaluation coverage
    graded = client.get("/accidents/", {"grade": "1"}).content.decode()
    assert "丙事故" in graded and "甲事故" not in graded
    bad = client.get("/accidents/", {"grade": "9"}).content.decode()
    assert "Filter ignored" in bad and "甲事故" in bad
    started = client.post("/exports/", {"name": "accidents", "grade": "1"})
    assert started.status_code == 302
    assert Job.objects.get().params == {"name": "accidents", "filters": {"grade": "1"}}


def test_recording_from_the_form_and_its_errors(people, client):
    client.force_login(people.county)
    assert client.get("/accidents/new/").status_code == 200
    form = {
        "title": "叉车伤害",
        "summary": "叉车倒车撞伤工人",
        "accident_type": "vehicle",
        "region": "330106002000",
        "occurred_at": "2026-01-05T09:30",
        "dead": "x",
    }
    refused = client.post("/accidents/new/", form)
    assert refused.status_code == 422
    assert 'id="error-dead"' in refused.content.decode()
    assert not Accident.objects.exists()
    form["dead"] = "1"
    done = client.post("/accidents/new/", form)
    accident = Accident.objects.get()
    assert done.status_code == 302 and done.url == f"/accidents/{accident.pk}/"
    outside = client.post("/accidents/new/", {**form, "region": "330108001000"})
    assert outside.status_code == 422 and 'id="error-region"' in outside.content.decode()


def test_the_form_is_filled_from_an_incident_and_the_room_offers_it(people, client):
    incident = incident_accident(people.duty, dead=2)
    client.force_login(people.county)
    room = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "acc-from-incident" in room
    prefilled = client.get("/accidents/new/", {"incident": incident.pk}).content.decode()
    assert incident.title in prefilled and 'value="2"' in prefilled
    client.force_login(people.viewer)
    assert "acc-from-incident" not in client.get(f"/incidents/{incident.pk}/").content.decode()


def test_the_investigation_through_the_page(people, client, settings):
    accident = record(
        people.county, occurred_at=(timezone.now() - dt.timedelta(days=5)).isoformat()
    )
    client.force_login(people.county)
    base = f"/accidents/{accident.pk}/"
    assert "acc-step-open" in client.get(base).content.decode()
    bad = client.post(base + "open/", {"team": ""})
    assert bad.status_code == 422 and 'id="error-open"' in bad.content.decode()
    assert client.post(base + "open/", {"team": TEAM}).status_code == 302
    twice = client.post(base + "extend/", {"days": "70", "reason": "等待鉴定结果"})
    assert twice.status_code == 422
    client.post(base + "extend/", {"days": "30", "reason": "等待鉴定结果"})
    again = client.post(base + "extend/", {"days": "10", "reason": "再延"})
    assert again.status_code == 409  # the form is gone, but a replayed post is refused
    client.post(
        base + "measure/",
        {"text": "加装防护罩", "owner_unit": "机械厂", "due_on": timezone.localdate().isoformat()},
    )
    sent = client.post(base + "submit/", {"cause": "设备缺陷", "report": docx()})
    assert sent.status_code == 302
    assert Investigation.objects.get().state == "reported"
    download = client.get(base + "report")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"PK")
    client.post(base + "close/", {"approval": "批复同意"})
    page = client.get(base).content.decode()
    assert "acc-evaluate" in page and "已结案" in page
    assert (
        client.post(
            base + "evaluate/",
            {"measures_implemented": "yes", "score": "88", "conclusion": "整改到位"},
        ).status_code
        == 302
    )
    assert 'id="acc-score">88<' in client.get(base).content.decode()
    assert client.post(base + "nonsense/").status_code == 404


def test_others_see_404_and_readers_cannot_act(people, client):
    accident = closed_accident(people)
    for other in (people.other_county, people.other_manager, people.unbound):
        client.force_login(other)
        assert client.get(f"/accidents/{accident.pk}/").status_code == 404
        assert client.get(f"/accidents/{accident.pk}/report").status_code == 404
        assert (
            client.post(f"/accidents/{accident.pk}/void/", {"reason": "xxxxx"}).status_code == 404
        )
    client.force_login(people.viewer)
    assert client.get(f"/accidents/{accident.pk}/").status_code == 200
    assert client.post(f"/accidents/{accident.pk}/void/", {"reason": "越权作废"}).status_code == 403
    assert client.get("/accidents/new/").status_code == 403
    assert not Accident.objects.get().voided


def test_an_enterprise_user_sees_its_own_accidents_only(people, client):
    own = record(people.county, enterprise=people.factory.pk, title="本企业事故")
    record(people.county, title="别家事故")
    client.force_login(people.manager)
    listed = client.get("/accidents/").content.decode()
    assert "本企业事故" in listed and "别家事故" not in listed
    assert client.get(f"/accidents/{own.pk}/").status_code == 200
    assert client.get("/accidents/stats/").status_code == 200
    assert client.get("/accidents/gdp/").status_code == 403


def test_the_statistics_page_draws_charts_and_names_missing_gdp(people, client):
    record(people.county, occurred_at="2025-04-01T10:00", dead=2)
    RegionEconomy.objects.create(
        region_id="330106000000", year=2025, gdp_100m_yuan="2000", source="测试"
    )
    client.force_login(people.county)
    page = client.get("/accidents/stats/", {"year": "2025"}).content.decode()
    assert 'id="kpi-rate">0.001000<' in page
    assert "vendor/echarts.min.js" in page and 'id="acc-chart-month"' in page
    city = people.city
    client.force_login(city)
    page = client.get("/accidents/stats/", {"year": "2025", "region": "3301"}).content.decode()
    assert "GDP for this year is missing for" in page and "滨江区" in page
    assert client.get("/accidents/stats/", {"region": "330203"}).status_code == 404


def test_gdp_import_through_the_page(people, client):
    client.force_login(people.county)
    good = "区划代码,年份,GDP（亿元）\n330106,2025,2412.7\n".encode()
    done = client.post("/accidents/gdp/", {"file": SimpleUploadedFile("gdp.csv", good)})
    assert done.status_code == 302
    assert RegionEconomy.objects.get().gdp_100m_yuan == Decimal("2412.7")
    bad = "区划代码,年份,GDP（亿元）\n330108,2025,1\n330106,20x5,1\n".encode()
    refused = client.post("/accidents/gdp/", {"file": SimpleUploadedFile("gdp.csv", bad)})
    assert refused.status_code == 422
    assert 'id="acc-gdp-problems"' in refused.content.decode()
    assert RegionEconomy.objects.count() == 1
    client.force_login(people.viewer)
    assert client.get("/accidents/gdp/").status_code == 200
    assert (
        client.post("/accidents/gdp/", {"file": SimpleUploadedFile("g.csv", good)}).status_code
        == 403
    )


def test_typical_cases_are_public_without_login(people, client):
    accident = closed_accident(people)
    case = followup.publish_case(
        actor=people.county,
        pk=accident.pk,
        data={"title": "某厂机械伤害事故警示", "body": "事故经过", "lessons": "严格执行停机挂牌"},
    )
    listed = client.get("/accidents/cases/")
    assert listed.status_code == 200 and "某厂机械伤害事故警示" in listed.content.decode()
    shown = client.get(f"/accidents/cases/{case.pk}/").content.decode()
    assert "严格执行停机挂牌" in shown and accident.enterprise_id is None
    followup.withdraw_case(actor=people.county, pk=accident.pk, reason="内容需修改")
    assert client.get(f"/accidents/cases/{case.pk}/").status_code == 404
    assert client.get("/accidents/").status_code == 302  # the records need a login


def test_a_larger_accident_offers_the_investigation_to_the_city_only(people, client):
    accident = record(people.county, dead=3)
    client.force_login(people.county)
    page = client.get(f"/accidents/{accident.pk}/").content.decode()
    assert "acc-step-open" not in page and 'id="acc-led-elsewhere"' in page
    client.force_login(people.city)
    assert "acc-step-open" in client.get(f"/accidents/{accident.pk}/").content.decode()


def test_the_excel_export_holds_the_rows_the_user_sees(people, tmp_path):
    from openpyxl import load_workbook

    from yingji.core import exports

    record(people.county, title="西湖一般", dead=1)
    record(people.county, title="西湖较大", dead=3)
    record(people.other_county, region="330108001", title="滨江")
    spec = exports.get("accidents")
    path = tmp_path / "accidents.xlsx"
    assert exports.write_workbook(spec, people.county, {"grade": "1"}, path) == 1
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "事故编号 number" and rows[1][1] == "西湖较大" and rows[1][8] == "较大"
    assert exports.write_workbook(spec, people.manager, {}, path) == 0

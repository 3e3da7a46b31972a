"""一企一档: the 统一社会信用代码 is checked by form, API and import alike; licences and training
records are scoped through their enterprise; the demo enterprises are valid and placed right."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import numpy as np
import pytest
import shapely
from openpyxl import Workbook

from yingji.core.registry import excel, services
from yingji.core.registry.services import RowErrors
from yingji.kernels.identifiers import credit_code_check, credit_code_problem
from yingji.regions.models import Boundary
from yingji.registry.demo.context import DemoContext
from yingji.registry.demo.enterprises import generate_enterprises
from yingji.registry.demo.enterprises.columns import _columns
from yingji.registry.models.enterprise import Enterprise, Licence, TrainingRecord
from yingji.registry.specs.enterprises import ENTERPRISES, LICENCES, TRAININGS

VALID = "91330106MA2H4K7L00"  # check character 0
BAD_CHECK = "91330106MA2H4K7L01"  # the same code with a wrong check character
OTHER_VALID = "91330108MA28Q3W5XE"
OLD_STYLE = "913301061432567899"  # a pre-2015 organisation code inside, still valid
THIRD = "91330106MA2H4K7L1" + credit_code_check("91330106MA2H4K7L1")


def enterprise(**changes):
    data = {
        "credit_code": VALID,
        "name": "杭州北山恒丰化工有限公司",
        "industry_code": "C2614",
        "industry_name": "有机化学原料制造",
        "scale": "above",
        "region": "330106002",  # 北山街道, 西湖区
        "address": "西湖区北山街道工业路 1 号",
        "lon": "120.148",
        "lat": "30.262",
        "legal_representative": "王强",
        "safety_manager": "李明",
        "safety_manager_phone": "13800000000",
        "employees": "120",
        "hazchem_role": "produce",
        "key_processes": "氯化工艺、氟化工艺",
        "safety_grade": "grade2",
        "insurance_status": "insured",
        "insurance_expires_on": "2026-12-31",
    }
    data.update(changes)
    return data


def binjiang_enterprise():
    data = enterprise(credit_code=OTHER_VALID, name="滨江西兴信达电器有限公司", region="330108001")
    data.update(lon="120.199", lat="30.196", hazchem_role="none", key_processes="")
    return services.create(actor=None, spec=ENTERPRISES, data=data)


def field_block(html: str, name: str) -> str:
    """The form's block for one field (label, input and its error message)."""
    blocks = html.split('<div class="field')
    return next(b for b in blocks if f'id="f-{name}"' in b)


# --- the credit code through the three doors -------------------------------------------------


def test_form_refuses_a_wrong_check_character_and_names_the_field(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post("/registry/enterprises/new/", enterprise(credit_code=BAD_CHECK))
    assert response.status_code == 422
    html = response.content.decode()
    block = field_block(html, "credit_code")
    assert block.startswith(" invalid")
    assert "统一社会信用代码" in block
    assert "computes to 0" in block
    assert html.count('class="field invalid"') == 1  # only the code is at fault
    assert not Enterprise.objects.exists()


def test_form_accepts_a_valid_code_typed_in_lower_case(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post("/registry/enterprises/new/", enterprise(credit_code=VALID.lower()))
    assert response.status_code == 302
    stored = Enterprise.objects.get()
    assert stored.credit_code == VALID  # stored upper-case
    assert stored.region_path == "330106002"
    assert response["Location"] == f"/registry/enterprises/{stored.pk}/"


def test_api_refuses_a_bad_code_with_422_naming_credit_code(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post(
        "/api/registry/enterprises/", enterprise(credit_code=BAD_CHECK), "application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "credit_code"
    assert [e["field"] for e in body["errors"]] == ["credit_code"]
    assert "computes to 0" in body["message"]
    assert not Enterprise.objects.exists()


def test_api_accepts_a_valid_code(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post("/api/registry/enterprises/", enterprise(), "application/json")
    assert response.status_code == 201
    fields = response.json()["fields"]
    assert fields["credit_code"] == VALID
    assert fields["hazchem_role"] == "produce"
    # The same code again is a duplicate, even typed in lower case.
    again = client.post(
        "/api/registry/enterprises/", enterprise(credit_code=VALID.lower()), "application/json"
    )
    assert again.status_code == 422
    assert again.json()["field"] == "credit_code"
    assert "already registered" in again.json()["message"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region": "330106"}, "region"),  # a county: enterprises sit in a township or village
        ({"industry_code": "2614"}, "industry_code"),
        ({"safety_manager_phone": "0571-8888"}, "safety_manager_phone"),
        ({"employees": "-3"}, "employees"),
        ({"hazchem_role": "走私"}, "hazchem_role"),
        ({"in_chemical_park": "是"}, "park_name"),  # 入园 without the park's name
        ({"insurance_expires_on": ""}, "insurance_expires_on"),  # 已投保 needs the expiry
        ({"hazchem_role": "none"}, "key_processes"),  # key processes but no hazchem role
    ],
)
def test_other_rules_name_their_field(xihu_staff, changes, field):
    with pytest.raises(RowErrors) as caught:
        services.create(actor=xihu_staff, spec=ENTERPRISES, data=enterprise(**changes))
    assert [e.field for e in caught.value.errors] == [field]


def workbook(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = excel.DATA_SHEET
    columns = ENTERPRISES.columns
    sheet.append([c.label for c in columns])
    sheet.append([c.name for c in columns])
    for row in rows:
        sheet.append([row.get(c.name) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_refuses_the_whole_workbook_and_names_row_and_column(xihu_staff):
    rows = [
        enterprise(),
        enterprise(credit_code=BAD_CHECK[:-1] + "Z", name="坏代码有限公司"),  # row 4
        enterprise(credit_code=OLD_STYLE, name="老代码有限公司"),
    ]
    parsed = excel.read(ENTERPRISES, workbook(rows))
    assert [number for number, _row in parsed] == [3, 4, 5]
    with pytest.raises(RowErrors) as caught:
        services.import_rows(actor=xihu_staff, spec=ENTERPRISES, rows=parsed)
    [error] = caught.value.errors
    assert (error.row, error.field) == (4, "credit_code")
    assert error.label == ENTERPRISES.by_name["credit_code"].label
    assert "统一社会信用代码" in error.message
    assert not Enterprise.objects.exists()  # nothing half-written

    rows[1]["credit_code"] = THIRD
    result = services.import_rows(
        actor=xihu_staff, spec=ENTERPRISES, rows=excel.read(ENTERPRISES, workbook(rows))
    )
    assert (result.created, result.updated) == (3, 0)
    assert Enterprise.objects.count() == 3


# --- child records: scoped through the enterprise ---------------------------------------------


def test_licences_and_trainings_of_another_county_are_not_found(client, xihu_staff, binjiang_staff):
    other = binjiang_enterprise()
    licence = services.create(
        actor=binjiang_staff,
        spec=LICENCES,
        data={
            "enterprise": OTHER_VALID,
            "kind": "safety",
            "number": "(浙)AWH安许证字〔2024〕0001",
            "issued_on": "2024-03-01",
            "expires_on": "2027-02-28",
        },
    )
    training = services.create(
        actor=binjiang_staff,
        spec=TRAININGS,
        data={
            "enterprise": OTHER_VALID,
            "person": "李明",
            "role": "manager",
            "course": "安全生产管理人员考核",
            "trained_on": "2024-04-15",
        },
    )
    assert licence.enterprise_id == training.enterprise_id == other.pk

    client.force_login(xihu_staff)
    for name, pk in (("licences", licence.pk), ("trainings", training.pk)):
        assert client.get(f"/registry/{name}/{pk}/").status_code == 404
        assert client.get(f"/api/registry/{name}/{pk}").status_code == 404
        assert client.get(f"/api/registry/{name}/").json()["count"] == 0
    # …and a 西湖区 user cannot attach a licence to the 滨江区 enterprise either.
    with pytest.raises(RowErrors) as caught:
        services.create(
            actor=xihu_staff,
            spec=LICENCES,
            data={
                "enterprise": OTHER_VALID,
                "kind": "other",
                "number": "X-1",
                "issued_on": "2024-01-01",
                "expires_on": "2025-01-01",
            },
        )
    assert caught.value.errors[0].field == "enterprise"

    client.force_login(binjiang_staff)
    assert client.get(f"/registry/licences/{licence.pk}/").status_code == 200
    listed = client.get(f"/api/registry/licences/?enterprise={OTHER_VALID}").json()
    assert [item["id"] for item in listed["items"]] == [licence.pk]
    assert listed["items"][0]["fields"]["enterprise"] == OTHER_VALID


@pytest.mark.parametrize("expires_on", ["2024-02-28", "2024-03-01"])
def test_a_licence_expiring_before_it_was_issued_is_refused(client, binjiang_staff, expires_on):
    binjiang_enterprise()
    client.force_login(binjiang_staff)
    data = {
        "enterprise": OTHER_VALID,
        "kind": "hc_trade",
        "number": "浙杭安经字〔2024〕000001",
        "issued_on": "2024-03-01",
        "expires_on": expires_on,
    }
    response = client.post("/api/registry/licences/", data, "application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "expires_on"
    assert "2024-03-01" in response.json()["message"]
    assert not Licence.objects.exists()
    data["expires_on"] = "2027-02-28"
    assert client.post("/api/registry/licences/", data, "application/json").status_code == 201


# --- the demo ---------------------------------------------------------------------------------


def test_demo_enterprises_are_valid_and_inside_their_county(db):
    ctx = DemoContext(seed=1)
    generate_enterprises(ctx)
    assert ctx.counts["enterprises"] == Enterprise.objects.count() == 20_000
    rows = list(
        Enterprise.objects.values_list(
            "credit_code", "region_id", "lon", "lat", "hazchem_role", "name", "synthetic"
        )
    )
    codes = [r[0] for r in rows]
    assert all(credit_code_problem(c) is None for c in codes)
    assert len(set(codes)) == len(codes)
    assert all(r[6] for r in rows)  # marked synthetic
    assert all(len(r[1].rstrip("0")) > 6 and r[1][6:9] != "000" for r in rows)  # township/village
    assert all(r[5].endswith("有限公司") for r in rows)
    hazchem = sum(r[4] != "none" for r in rows) / len(rows)
    assert 0.02 < hazchem < 0.045

    sample = [rows[i] for i in np.random.default_rng(0).choice(len(rows), 400, replace=False)]
    polygons = {
        b.region_id: shapely.from_geojson(json.dumps(b.geometry))
        for b in Boundary.objects.filter(region_id__in={r[1][:6] + "000000" for r in sample})
    }
    outside = [
        r for r in sample if not polygons[r[1][:6] + "000000"].contains(shapely.Point(r[2], r[3]))
    ]
    assert outside == []

    # Hazchem enterprises hold licences; every licence and certificate expires after issue.
    assert ctx.counts["licences"] == Licence.objects.count() > 300
    assert (
        not Licence.objects.filter(enterprise__hazchem_role="none")
        .exclude(enterprise__industry_code="B1011")
        .exists()
    )
    assert all(e > i for i, e in Licence.objects.values_list("issued_on", "expires_on"))
    assert ctx.counts["trainings"] == TrainingRecord.objects.count() > 500
    assert all(e > t for t, e in TrainingRecord.objects.values_list("trained_on", "expires_on"))


def test_demo_columns_are_deterministic_for_a_seed(db):
    first = _columns(DemoContext(seed=7), 300, DemoContext(seed=7).rng("enterprises"))
    second = _columns(DemoContext(seed=7), 300, DemoContext(seed=7).rng("enterprises"))
    other = _columns(DemoContext(seed=8), 300, DemoContext(seed=8).rng("enterprises"))
    assert all(np.array_equal(first[k], second[k]) for k in first)
    assert not np.array_equal(first["credit_code"], other["credit_code"])
    assert isinstance(first["insurance_expires_on"][0], dt.date | None)
    assert re.fullmatch(r"[A-T]\d{4}", first["industry_code"][0])


def test_list_filters_and_search(client, xihu_staff):
    services.create(actor=xihu_staff, spec=ENTERPRISES, data=enterprise())
    services.create(
        actor=xihu_staff,
        spec=ENTERPRISES,
        data=enterprise(credit_code=THIRD, name="西湖恒远服饰有限公司", industry_code="C1819",
                        hazchem_role="无", key_processes="", scale="规下"),
    )  # fmt: skip
    client.force_login(xihu_staff)
    api = "/api/registry/enterprises/"
    assert [
        i["fields"]["credit_code"] for i in client.get(f"{api}?hazchem_role=生产").json()["items"]
    ] == [VALID]
    assert client.get(f"{api}?scale=below").json()["count"] == 1
    assert client.get(f"{api}?industry_code=c1819").json()["count"] == 1  # case-insensitive code
    assert client.get(f"{api}?q={THIRD[-6:]}").json()["count"] == 1  # part of the credit code
    assert client.get(f"{api}?q=服饰").json()["count"] == 1
    page = client.get("/registry/enterprises/?hazchem_role=produce").content.decode()
    assert "杭州北山恒丰化工有限公司" in page and "西湖恒远服饰有限公司" not in page

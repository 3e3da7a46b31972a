"""The discretion table: the shipped file loads once (bands inside the statute's ranges), rows
apply downwards, an edit voids and replaces (a decided case keeps its row), min ≤ max."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from tests.enforcement.penalty_fixtures import decided, load_rules
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.enforcement.models import DiscretionRule, PenaltyCase
from yingji.enforcement.services import discretion, penalties

# The statute's own ranges (2021 revision): first offence, and failing to correct in time.
STATUTE = {"97": (0, 100_000, 100_000, 200_000), "99": (0, 50_000, 50_000, 200_000),
           "101": (0, 100_000, 100_000, 200_000), "102": (0, 50_000, None, None)}  # fmt: skip


def test_the_shipped_table_loads_once_inside_the_statute(db: None) -> None:
    first = discretion.load_table()
    assert first["created"] == DiscretionRule.objects.count() > 30
    assert discretion.load_table() == {"created": 0, "kept": first["created"]}
    data = json.loads(discretion.table_file().read_text(encoding="utf-8"))
    for rule in data["rules"]:
        article = rule["code"][3:].split("-")[0].rstrip("Y")
        low, high, late_low, late_high = STATUTE[article]
        lo, hi = (late_low, late_high) if rule["code"].endswith("Y") else (low, high)
        bands = {b["circumstance"]: b for b in rule["bands"]}
        assert set(bands) == {"slight", "general", "serious"}
        assert rule["source"]["text"] and rule["penalty_provision"].startswith(
            "《中华人民共和国安全生产法》"
        )
        for band in rule["bands"]:
            assert lo <= band["min"] <= band["max"] <= hi, (rule["code"], band)
    row = DiscretionRule.objects.get(code="AQF102", circumstance="serious")
    assert row.max_yuan == Decimal("50000") and row.region_path == "33" and row.synthetic


def test_rows_apply_to_the_regions_below_their_issuer(
    crew: SimpleNamespace, firms: SimpleNamespace
) -> None:
    rules = load_rules()
    county_rule = discretion.add_rule(actor=crew.county, data={
        "code": "XH-1", "violation": "西湖区专项", "violated_provision": "某条",
        "penalty_provision": "某条", "circumstance": "general", "circumstance_text": "一般",
        "min_yuan": "100", "max_yuan": "1000"})  # fmt: skip
    assert county_rule.region_path == "330106"
    assert discretion.applicable(firms.own.region_path).filter(pk=county_rule.pk).exists()
    assert not discretion.applicable(firms.other.region_path).filter(pk=county_rule.pk).exists()
    assert discretion.visible(crew.other_county).filter(pk=rules[("AQF102", "general")].pk).exists()
    assert not discretion.visible(crew.other_county).filter(pk=county_rule.pk).exists()
    with pytest.raises(InvalidInput, match="rule"):  # 滨江 cannot cite a 西湖 row
        penalties.file_case(
            actor=crew.other_county,
            data={"enterprise": firms.other.pk, "rule": county_rule.pk, "facts": "事实"},
        )


def test_an_edit_voids_and_replaces_and_decided_cases_keep_their_row(
    crew: SimpleNamespace, firms: SimpleNamespace, make_user: Any
) -> None:
    rules = load_rules()
    province = make_user("zj_bureau", "33", "province_staff")
    old = rules[("AQF97-7", "general")]
    case = decided(crew.county, firms.own, old, amount="40000")
    with pytest.raises(NotFound):  # a county does not edit the province's table
        discretion.edit_rule(actor=crew.county, pk=old.pk, data={"max_yuan": "70000"})
    new = discretion.edit_rule(actor=province, pk=old.pk, data={"min_yuan": "35000"})
    old.refresh_from_db()
    assert old.voided_at is not None and new.pk != old.pk and new.min_yuan == Decimal("35000")
    assert (new.code, new.circumstance, new.max_yuan) == (old.code, old.circumstance, old.max_yuan)
    assert PenaltyCase.objects.get(pk=case.pk).rule_id == old.pk
    entry = AuditEntry.objects.get(action="discretion_edit")
    assert entry.before["min_yuan"] == "30000.00" and entry.after["min_yuan"] == "35000.00"
    with pytest.raises(InvalidInput, match="rule"):  # the replaced row is no longer cited
        penalties.file_case(
            actor=crew.county, data={"enterprise": firms.own.pk, "rule": old.pk, "facts": "事实"}
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"min_yuan": "70000", "max_yuan": "60000"}, "min_yuan"),
        ({"max_yuan": "-1"}, "max_yuan"),
        ({"max_yuan": "1e309"}, "max_yuan"),
        ({"max_yuan": "10000000000000000"}, "max_yuan"),
        ({"min_yuan": "abc"}, "min_yuan"),
        ({"code": "A B"}, "code"),
        ({"code": "X" * 31}, "code"),
        ({"violation": "违" * 301}, "violation"),
        ({"violation": ""}, "violation"),
        ({"circumstance": "extreme"}, "circumstance"),
        ({"region": "330108"}, "region"),
        ({"region": "33' OR 1"}, "region"),
    ],
)
def test_bad_rule_input_names_the_field(
    crew: SimpleNamespace, change: dict[str, str], field: str
) -> None:
    data = {"code": "XH-2", "violation": "违法行为", "violated_provision": "第X条",
            "penalty_provision": "第Y条", "circumstance": "general", "circumstance_text": "一般",
            "min_yuan": "100", "max_yuan": "1000", **change}  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        discretion.add_rule(actor=crew.county, data=data)
    assert caught.value.field == field
    assert not DiscretionRule.objects.exists()


def test_discretion_pages(login: Any, crew: SimpleNamespace, db: None) -> None:
    load_rules()
    client = login(crew.county)
    listing = client.get("/enforcement/discretion/", {"q": "AQF99"}).content.decode()
    assert "AQF99-8" in listing and "AQF97-1" not in listing
    data = {"code": "XH-3", "violation": "<b>违法</b>", "violated_provision": "第X条",
            "penalty_provision": "第Y条", "circumstance": "serious", "circumstance_text": "严重",
            "min_yuan": "5000", "max_yuan": "1000", "other_measures": "", "region": ""}  # fmt: skip
    refused = client.post("/enforcement/discretion/new/", data)
    assert refused.status_code == 422 and "min_yuan" in refused.content.decode()
    assert (
        client.post("/enforcement/discretion/new/", {**data, "max_yuan": "9000"}).status_code == 302
    )
    rule = DiscretionRule.objects.get(code="XH-3")
    page = client.get("/enforcement/discretion/", {"q": "XH-3"}).content.decode()
    assert "&lt;b&gt;违法&lt;/b&gt;" in page
    edited = client.post(f"/enforcement/discretion/{rule.pk}/edit/", {**data, "max_yuan": "8000"})
    assert edited.status_code == 302
    assert DiscretionRule.objects.get(code="XH-3", voided_at__isnull=True).max_yuan == 8000
    live = DiscretionRule.objects.get(code="XH-3", voided_at__isnull=True)
    assert (
        client.post(f"/enforcement/discretion/{live.pk}/void/", {"reason": ""}).status_code == 302
    )
    assert DiscretionRule.objects.filter(pk=live.pk, voided_at__isnull=True).exists()
    client.post(f"/enforcement/discretion/{live.pk}/void/", {"reason": "专项整治结束"})
    assert not DiscretionRule.objects.filter(code="XH-3", voided_at__isnull=True).exists()
    province_row = DiscretionRule.objects.filter(region_path="33").first()
    assert client.get(f"/enforcement/discretion/{province_row.pk}/edit/").status_code == 404
    assert login(crew.viewer).get("/enforcement/discretion/new/").status_code == 403
    with pytest.raises(Conflict):
        discretion.add_rule(
            actor=crew.county,
            data={**data, "code": "AQF102", "max_yuan": "9000", "circumstance": "general"},
        )

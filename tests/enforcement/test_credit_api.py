"""The credit API: codes (scoped list and detail), recompute (staff), 信用修复 (apply / decide)
and the public code by token (no sign-in: colour and reasons only). Strict bodies, 404 for
anything outside the caller's scope, hostile input refused with the field named."""

from __future__ import annotations

import pytest

from tests.enforcement.test_credit_facts import months_ago, penalty
from yingji.enforcement.models import CreditRepair, SafetyCode
from yingji.enforcement.services import safety_code

pytestmark = pytest.mark.django_db
API = "/api/enforcement/"
GOOD = {"reason": "已按要求完成整改并缴清罚款", "evidence": "整改报告及缴款凭证（编号 2026-001）"}


@pytest.fixture
def codes(firms):
    penalty(firms.xihu[3], "serious")
    safety_code.refresh_all()
    return {c.pk: c for c in SafetyCode.objects.all()}


def test_codes_are_listed_and_filtered_within_the_jurisdiction(crew, firms, codes, login):
    client = login(crew.county)
    body = client.get(f"{API}codes").json()
    assert body["total"] == 20 and body["items"][0]["colour"] == "red"  # worst first
    assert {i["enterprise"]["name"] for i in body["items"]} >= {"西湖企业03"}
    red = client.get(f"{API}codes", {"colour": "red"}).json()
    assert [i["enterprise"]["id"] for i in red["items"]] == [firms.xihu[3].pk]
    assert client.get(f"{API}codes", {"q": "' OR 1=1 --"}).json()["total"] == 0
    for field, value in (
        ("colour", "purple"),
        ("rating", "Z"),
        ("county", "abc"),
        ("industry", "DROP"),
        ("limit", "1000"),
        ("q", "x" * 61),
    ):
        response = client.get(f"{API}codes", {field: value})
        assert response.status_code == 422 and response.json()["field"] == field
    other = login(crew.other_county).get(f"{API}codes").json()
    assert [i["enterprise"]["name"] for i in other["items"]] == ["滨江企业"]


def test_detail_is_scoped_and_carries_credit_history_and_the_public_url(crew, firms, codes, login):
    pk = firms.xihu[3].pk
    body = login(crew.county).get(f"{API}codes/{pk}").json()
    assert body["colour"] == "red" and body["credit"]["rating"] == "C"
    assert body["history"][0]["to"] == "red"
    assert body["public_url"] == f"http://127.0.0.1:8000/public/code/{codes[pk].token}/"
    assert login(crew.other_county).get(f"{API}codes/{pk}").status_code == 404
    manager = login(firms.manager)
    assert manager.get(f"{API}codes/{firms.own.pk}").status_code == 200
    assert manager.get(f"{API}codes/{pk}").status_code == 404
    assert manager.get(f"{API}codes/{2**63}").status_code in (404, 422)


def test_refresh_is_for_staff_of_the_jurisdiction(crew, firms, codes, login):
    own = firms.own.pk
    client = login(crew.county)
    response = client.post(
        f"{API}codes/refresh", {"enterprises": [own]}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["items"][0]["enterprise"]["id"] == own
    outside = client.post(
        f"{API}codes/refresh",
        {"enterprises": [own, firms.other.pk]},
        content_type="application/json",
    )
    assert outside.status_code == 404 and outside.json()["field"] == "enterprises"
    for body in (
        {"enterprises": []},
        {"enterprises": list(range(1, 600))},
        {"enterprises": [own], "all": True},
        {"enterprises": ["1 OR 1=1"]},
    ):
        assert (
            client.post(f"{API}codes/refresh", body, content_type="application/json").status_code
            == 422
        )
    refused = login(crew.viewer).post(
        f"{API}codes/refresh", {"enterprises": [own]}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_repair_apply_and_decide(crew, firms, codes, login, on_commit):
    own = firms.own
    penalty(own, "general", decided_on=months_ago(1), payment="paid")
    manager = login(firms.manager)
    early = manager.post(f"{API}credit/repairs", GOOD, content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "not_eligible"
    assert "possible from" in early.json()["message"]
    extra = manager.post(
        f"{API}credit/repairs", {**GOOD, "state": "approved"}, content_type="application/json"
    )
    assert extra.status_code == 422
    long = manager.post(
        f"{API}credit/repairs", {**GOOD, "reason": "x" * 10_000}, content_type="application/json"
    )
    assert long.status_code == 422 and long.json()["field"] == "reason"

    penalty(firms.xihu[1], "slight")
    from yingji.enforcement.models import PenaltyCase

    PenaltyCase.objects.filter(enterprise=own).update(decided_on=months_ago(4))
    applied = manager.post(f"{API}credit/repairs", GOOD, content_type="application/json")
    assert applied.status_code == 201, applied.content
    pk = applied.json()["id"]
    assert [r["id"] for r in manager.get(f"{API}credit/repairs").json()["items"]] == [pk]
    assert login(firms.other_manager).get(f"{API}credit/repairs").json()["total"] == 0

    url = f"{API}credit/repairs/{pk}/decision"
    assert (
        login(crew.other_county)
        .post(url, {"decision": "approve", "note": "同意修复"}, content_type="application/json")
        .status_code
        == 404
    )
    staff = login(crew.county)
    bad = staff.post(url, {"decision": "yes", "note": "同意修复"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "decision"
    assert staff.get(f"{API}credit/repairs", {"state": "bogus"}).status_code == 422
    with on_commit(execute=True):
        done = staff.post(
            url,
            {"decision": "approve", "note": "材料齐全，同意修复"},
            content_type="application/json",
        )
    assert done.status_code == 200 and done.json()["state"] == "approved"
    assert CreditRepair.objects.get(pk=pk).decided_by == crew.county
    assert SafetyCode.objects.get(pk=own.pk).colour == "green"


def test_the_public_code_needs_no_sign_in_and_says_colour_and_reasons_only(firms, codes, client):
    code = codes[firms.xihu[3].pk]
    body = client.get(f"{API}public/codes/{code.token}").json()
    assert set(body) == {"enterprise", "colour", "label", "reasons", "since", "computed_at"}
    assert body["colour"] == "red" and body["reasons"][0]["rule"] == "R4"
    for token in ("AAAAAAAAAAAAAAAA", "' OR 1=1 --", "x" * 10_240, "..%2F..%2Fetc"):
        assert client.get(f"{API}public/codes/{token}").status_code == 404
    assert client.get(f"{API}codes").status_code == 401  # the rest needs a sign-in

"""The penalty API: a case's whole life over HTTP, strict bodies, hostile amounts and numbers,
the discretion table and publications."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from tests.enforcement.penalty_fixtures import load_rules
from yingji.enforcement.models import PenaltyCase, Publication

BASE = "/api/enforcement"


@pytest.fixture
def api(login: Any, crew: SimpleNamespace) -> Any:
    return login(crew.county)


@pytest.fixture
def rule(db: None) -> Any:
    return load_rules()[("AQF97-7", "general")]


def post(client: Any, url: str, body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(url, raw, content_type="application/json")


def test_a_case_over_the_api(api: Any, firms: SimpleNamespace, rule: Any) -> None:
    made = post(
        api,
        f"{BASE}/cases",
        {
            "enterprise": firms.own.pk,
            "rule": rule.pk,
            "facts": "特种作业人员无证",
            "filed_on": "2026-06-01",
        },
    )
    assert made.status_code == 201, made.content
    case = made.json()
    assert case["state"] == "filed" and case["allowed"] == ["notify", "withdraw"]
    url = f"{BASE}/cases/{case['id']}"
    assert (
        post(api, f"{url}/notify", {"amount": 40000, "notified_on": "2026-06-01"}).status_code
        == 200
    )
    decided = post(
        api,
        f"{url}/decide",
        {
            "decision_number": "杭西应急罚〔2026〕3号",
            "amount": "45000.50",
            "decided_on": "2026-06-02",
        },
    )
    body = decided.json()
    assert decided.status_code == 200 and body["amount_yuan"] == "45000.50"
    assert [d["kind"] for d in body["documents"]] == ["pen_notice", "pen_decision"]
    assert api.get(body["documents"][1]["pdf_url"]).content.startswith(b"%PDF")
    assert post(api, f"{url}/close", {}).status_code == 409
    assert post(api, f"{url}/pay", {"payment": "paid", "paid_on": "2026-06-05"}).status_code == 200
    closed = post(api, f"{url}/close", {"note": "已缴清"})
    assert closed.json()["state"] == "closed"
    assert [e["action"] for e in closed.json()["events"]] == ["file", "notify", "decide", "pay",
                                                              "close"]  # fmt: skip
    listing = api.get(f"{BASE}/cases", {"q": firms.own.credit_code, "state": "closed"}).json()
    assert listing["total"] == 1
    assert api.get(f"{BASE}/cases", {"state": "nonsense"}).status_code == 422
    item = Publication.objects.get(case_id=case["id"])
    pubs = api.get(f"{BASE}/publications", {"tab": "due"}).json()
    assert [p["id"] for p in pubs["items"]] in ([item.pk], [])  # due or already overdue
    published = post(api, f"{BASE}/publications/{item.pk}/publish", {})
    assert published.status_code == 200 and published.json()["published_at"]
    assert post(api, f"{BASE}/publications/{item.pk}/publish", {}).status_code == 409
    assert (
        post(api, f"{BASE}/publications/{item.pk}/withdraw", {"reason": "x" * 201}).status_code
        == 422
    )
    assert post(api, f"{BASE}/publications/{item.pk}/withdraw",
                {"reason": "复议撤销该决定"}).json()["withdrawn_at"]  # fmt: skip


@pytest.mark.parametrize(
    "raw",
    ['{"amount": 1e309}', '{"amount": "1e309"}', '{"amount": -40000}', '{"amount": "-1"}',
     '{"amount": 1000000000000000}', '{"amount": "NaN"}', '{"amount": true}', '{"amount": null}',
     '{"amount": [40000]}', '{"amount": "40000", "sneaky": 1}', '{"amount": 40000.001}',
     '{"amount": "四万"}', "not json", '{"amount": 10}'],
)  # fmt: skip
def test_hostile_amounts_over_the_api_are_refused(
    api: Any, crew: SimpleNamespace, firms: SimpleNamespace, rule: Any, raw: str
) -> None:
    made = post(
        api, f"{BASE}/cases", {"enterprise": firms.own.pk, "rule": rule.pk, "facts": "事实"}
    )
    answer = post(api, f"{BASE}/cases/{made.json()['id']}/notify", raw)
    assert answer.status_code in (400, 422), (raw, answer.content)
    assert PenaltyCase.objects.get().state == "filed"


def test_hostile_case_bodies(api: Any, firms: SimpleNamespace, rule: Any) -> None:
    url = f"{BASE}/cases"
    base = {"enterprise": firms.own.pk, "rule": rule.pk, "facts": "事实"}
    for body in ({**base, "facts": "事" * 5001}, {**base, "enterprise": -1},
                 {**base, "rule": 2**70}, {**base, "filed_on": "2026-02-30"},
                 {**base, "state": "closed"}, {**base, "enterprise": firms.other.pk},
                 {"rule": rule.pk, "facts": "事实"}):  # fmt: skip
        answer = post(api, url, body)
        assert answer.status_code == 422, (body, answer.content)
        assert answer.json()["field"], answer.json()
    made = post(api, url, {**base, "facts": "<script>alert(1)</script>"}).json()
    notify = post(api, f"{url}/{made['id']}/notify", {"amount": "40000"})
    assert notify.status_code == 200
    long_number = post(api, f"{url}/{made['id']}/decide",
                       {"decision_number": "号" * 5000, "amount": "40000"})  # fmt: skip
    assert long_number.status_code == 422 and long_number.json()["field"] == "decision_number"
    assert api.get(f"{url}/{2**70}").status_code == 422
    assert api.get(f"{url}/999999").status_code == 404
    assert post(api, f"{url}/{made['id']}/withdraw", {"reason": ""}).status_code == 422


def test_discretion_rules_and_who_may_call(
    client: Any, login: Any, crew: SimpleNamespace, firms: SimpleNamespace, rule: Any
) -> None:
    assert client.get(f"{BASE}/discretion-rules").status_code == 401
    rows = login(crew.i1).get(f"{BASE}/discretion-rules", {"q": "AQF102"}).json()
    assert {r["circumstance"] for r in rows} == {"slight", "general", "serious"}
    assert all(r["code"] == "AQF102" for r in rows)
    manager = login(firms.manager)
    assert post(manager, f"{BASE}/cases", {"enterprise": firms.own.pk, "rule": rule.pk,
                                          "facts": "事实"}).status_code == 403  # fmt: skip

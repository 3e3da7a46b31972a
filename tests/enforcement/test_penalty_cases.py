"""Penalty cases: the discretion range, the state machine, closing rules, the documents as
issued (read back with pypdf), and hostile input on the service and the pages."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.enforcement.penalty_fixtures import DAY, completed_task, decided, filed, load_rules
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import AuditEntry
from yingji.enforcement.models import (
    CaseEvent,
    CaseState,
    DocumentKind,
    EnforcementDocument,
    Execution,
    Payment,
    PenaltyCase,
    Publication,
)
from yingji.enforcement.services import penalties

pytestmark = pytest.mark.usefixtures("_english")

GENERAL = ("AQF97-7", "general")  # 30,000–60,000 yuan


@pytest.fixture
def rules(db: None) -> dict[tuple[str, str], Any]:
    return load_rules()


def pdf_text(document: EnforcementDocument) -> str:
    reader = PdfReader(io.BytesIO(bytes(document.pdf)))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def test_the_whole_life_of_a_case_with_documents_read_back(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], item: Any
) -> None:
    task = completed_task(item, firms.own, [crew.i1, crew.i2])
    finding = task.findings.get(point_id="2")
    case = filed(crew.i1, firms.own, rules[GENERAL], task=task.pk, finding=finding.pk,
                 facts="两名电工无特种作业操作证上岗作业，联系人电话13812345678")  # fmt: skip
    assert case.code == f"330106-{DAY.year}-CF-0001" and case.state == CaseState.FILED
    case = penalties.act(actor=crew.i1, pk=case.pk, action="notify",
                         data={"amount": "45000", "notified_on": "2026-06-01"})  # fmt: skip
    notice = case.documents.get(kind=DocumentKind.PENALTY_NOTICE)
    text = pdf_text(notice)
    assert "行政处罚告知书" in text and firms.own.name in text and "45,000.00" in text
    assert "五日内" in text and "第九十七条第（七）项" in text
    with pytest.raises(Forbidden):  # an inspector does not decide
        penalties.act(actor=crew.i1, pk=case.pk, action="decide", data={})
    case = penalties.act(
        actor=crew.county,
        pk=case.pk,
        action="decide",
        data={
            "decision_number": "杭西应急罚〔2026〕7号",
            "amount": "50000",
            "decided_on": "2026-06-03",
        },
    )
    decision = case.documents.get(kind=DocumentKind.PENALTY_DECISION)
    assert decision.number == "杭西应急罚〔2026〕7号"
    text = pdf_text(decision)
    assert "行政处罚决定书" in text and "50,000.00" in text and "十五日内" in text
    assert "杭西应急罚〔2026〕7号" in text and "杭州市西湖区应急管理局" in text
    publication = Publication.objects.get(case=case)
    assert publication.kind == "decision" and publication.fact_on == dt.date(2026, 6, 3)
    assert "13812345678" not in publication.body and "138****5678" in publication.body
    with pytest.raises(Conflict, match="paid or executed"):
        penalties.act(actor=crew.county, pk=case.pk, action="close")
    case = penalties.act(actor=crew.county, pk=case.pk, action="pay",
                         data={"payment": "paid", "paid_on": "2026-06-10"})  # fmt: skip
    case = penalties.act(actor=crew.county, pk=case.pk, action="close")
    assert case.state == CaseState.CLOSED and case.closed_on is not None
    events = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert events == ["file", "notify", "decide", "pay", "close"]
    audited = set(
        AuditEntry.objects.filter(object_id=str(case.pk)).values_list("action", flat=True)
    )
    assert {"case_file", "case_notify", "case_decide", "case_pay", "case_close"} <= audited


@pytest.mark.parametrize("amount", ["29999.99", "60000.01", "0", "1000000000000000"])
def test_a_fine_outside_the_cited_range_is_refused_with_the_range(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], amount: str
) -> None:
    case = filed(crew.county, firms.own, rules[GENERAL])
    with pytest.raises(InvalidInput) as caught:
        penalties.act(actor=crew.county, pk=case.pk, action="notify", data={"amount": amount})
    assert caught.value.field == "amount"
    if amount != "1000000000000000":
        assert "30,000.00–60,000.00" in caught.value.message
    case.refresh_from_db()
    assert case.state == CaseState.FILED and not case.documents.exists()


@pytest.mark.parametrize(
    "amount", ["1e309", "-40000", "NaN", "Infinity", "4万", "40000.001", "", None, True,
               float("inf"), "9" * 500, "40,000.5.5"],
)  # fmt: skip
def test_hostile_amounts_are_refused_naming_the_field(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], amount: Any
) -> None:
    case = filed(crew.county, firms.own, rules[GENERAL])
    with pytest.raises(InvalidInput) as caught:
        penalties.act(actor=crew.county, pk=case.pk, action="notify", data={"amount": amount})
    assert caught.value.field == "amount"
    assert PenaltyCase.objects.get(pk=case.pk).amount_yuan is None


def test_decision_number_rules(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    first = decided(crew.county, firms.own, rules[GENERAL], number="杭西应急罚〔2026〕1号")
    case = filed(crew.county, firms.xihu[1], rules[GENERAL])
    penalties.act(actor=crew.county, pk=case.pk, action="notify", data={"amount": "40000"})
    for number, error in (("A" * 5000, InvalidInput), ("", InvalidInput),
                          ("杭西\n应急罚", InvalidInput),
                          (first.decision_number, Conflict)):  # fmt: skip
        with pytest.raises(error):
            penalties.act(actor=crew.county, pk=case.pk, action="decide",
                          data={"decision_number": number, "amount": "40000"})  # fmt: skip
    assert PenaltyCase.objects.get(pk=case.pk).state == CaseState.NOTIFIED
    with pytest.raises(InvalidInput, match="future"):
        penalties.act(
            actor=crew.county,
            pk=case.pk,
            action="decide",
            data={"decision_number": "X-1", "amount": "40000", "decided_on": "2099-01-01"},
        )
    with pytest.raises(InvalidInput, match="before"):
        penalties.act(
            actor=crew.county,
            pk=case.pk,
            action="decide",
            data={"decision_number": "X-1", "amount": "40000", "decided_on": "2020-01-01"},
        )


def test_the_state_machine_refuses_steps_out_of_order(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    case = filed(crew.county, firms.own, rules[GENERAL])
    for action in ("decide", "pay", "execute", "close"):
        with pytest.raises(penalties.IllegalStep) as caught:
            penalties.act(actor=crew.county, pk=case.pk, action=action, data={})
        assert caught.value.allowed == ["notify", "withdraw"]
    with pytest.raises(InvalidInput):
        penalties.act(actor=crew.county, pk=case.pk, action="delete")
    with pytest.raises(InvalidInput, match="reason"):
        penalties.act(actor=crew.county, pk=case.pk, action="withdraw", data={"reason": "x"})
    case = penalties.act(actor=crew.county, pk=case.pk, action="withdraw",
                         data={"reason": "当事人主体认定错误"})  # fmt: skip
    assert case.state == CaseState.WITHDRAWN
    with pytest.raises(penalties.IllegalStep):
        penalties.act(actor=crew.county, pk=case.pk, action="notify", data={"amount": "40000"})
    done = decided(crew.county, firms.xihu[1], rules[GENERAL])
    with pytest.raises(penalties.IllegalStep):  # no withdrawal after the decision
        penalties.act(actor=crew.county, pk=done.pk, action="withdraw", data={"reason": "改主意了"})


def test_court_enforcement_only_after_the_periods_then_closing(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], monkeypatch: Any
) -> None:
    old = decided(crew.county, firms.own, rules[GENERAL], on=dt.date(2025, 9, 26))
    recent = decided(crew.county, firms.xihu[1], rules[GENERAL], on=DAY)
    assert penalties.court_from(dt.date(2025, 8, 31)) == dt.date(2026, 3, 1)
    assert penalties.court_from(DAY) == dt.date(2026, 12, 2)
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, tz=None: real(value, tz) if value else dt.date(2026, 12, 1),
    )
    with pytest.raises(Conflict, match="2026-12-02"):
        penalties.act(
            actor=crew.county, pk=recent.pk, action="execute", data={"execution": "court"}
        )
    monkeypatch.setattr(timezone, "localdate", real)
    with pytest.raises(Conflict):  # executed before applying
        penalties.act(actor=crew.county, pk=old.pk, action="execute", data={"execution": "done"})
    with pytest.raises(InvalidInput):
        penalties.act(actor=crew.county, pk=old.pk, action="execute", data={"execution": "jail"})
    penalties.act(actor=crew.county, pk=old.pk, action="execute", data={"execution": "court"})
    with pytest.raises(Conflict, match="paid or executed"):
        penalties.act(actor=crew.county, pk=old.pk, action="close")
    penalties.act(actor=crew.county, pk=old.pk, action="execute", data={"execution": "done"})
    case = penalties.act(actor=crew.county, pk=old.pk, action="close")
    assert (case.execution, case.state) == (Execution.DONE, CaseState.CLOSED)


def test_payment_rules(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    case = decided(crew.county, firms.own, rules[GENERAL])
    assert penalties.allowed(crew.county, case) == ["pay", "execute"]
    with pytest.raises(InvalidInput, match="note"):  # a deferral names its approval
        penalties.act(actor=crew.county, pk=case.pk, action="pay", data={"payment": "deferred"})
    penalties.act(actor=crew.county, pk=case.pk, action="pay",
                  data={"payment": "deferred", "note": "经批准分三期缴纳"})  # fmt: skip
    with pytest.raises(Conflict, match="paid or executed"):
        penalties.act(actor=crew.county, pk=case.pk, action="close")
    with pytest.raises(InvalidInput, match="paid_on"):
        penalties.act(actor=crew.county, pk=case.pk, action="pay",
                      data={"payment": "paid", "paid_on": "2020-01-01"})  # fmt: skip
    penalties.act(actor=crew.county, pk=case.pk, action="pay", data={"payment": "paid"})
    with pytest.raises(Conflict):
        penalties.act(actor=crew.county, pk=case.pk, action="pay", data={"payment": "paid"})
    case = PenaltyCase.objects.get(pk=case.pk)
    assert case.payment == Payment.PAID and penalties.allowed(crew.county, case) == ["close"]


def test_filing_checks_the_enterprise_rule_task_and_finding(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], item: Any
) -> None:
    rule = rules[GENERAL]
    task = completed_task(item, firms.own, [crew.i1, crew.i2])
    compliant = task.findings.get(point_id="1")
    bad = [
        (crew.county, {"enterprise": firms.other.pk, "rule": rule.pk}, "enterprise"),  # 滨江
        (crew.county, {"enterprise": "1 OR 1=1", "rule": rule.pk}, "enterprise"),
        (crew.county, {"enterprise": firms.own.pk, "rule": 10**30}, "rule"),
        (crew.county, {"enterprise": firms.own.pk, "rule": rule.pk, "facts": ""}, "facts"),
        (crew.county, {"enterprise": firms.own.pk, "rule": rule.pk, "facts": "事" * 5001}, "facts"),
        (crew.county, {"enterprise": firms.own.pk, "rule": rule.pk, "filed_on": "2999-01-01"},
         "filed_on"),
        (crew.i3, {"enterprise": firms.own.pk, "rule": rule.pk}, "task"),  # no task of theirs
        (crew.i3, {"task": task.pk, "rule": rule.pk}, "task"),  # not on that task's crew
        (crew.i1, {"task": task.pk, "rule": rule.pk, "finding": compliant.pk}, "finding"),
        (crew.i1, {"task": task.pk, "enterprise": firms.xihu[3].pk, "rule": rule.pk}, "enterprise"),
    ]  # fmt: skip
    for actor, data, field in bad:
        values = {"facts": "未持证上岗", **data}
        with pytest.raises(InvalidInput) as caught:
            penalties.file_case(actor=actor, data=values)
        assert caught.value.field == field, (data, caught.value.message)
    with pytest.raises(Forbidden):
        penalties.file_case(actor=firms.manager, data={"enterprise": firms.own.pk, "rule": rule.pk})
    assert not PenaltyCase.objects.exists()


def test_case_pages_file_act_and_show_errors_escaped(
    login: Any, crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    client = login(crew.county)
    rule = rules[GENERAL]
    form = client.get("/enforcement/cases/new/")
    assert form.status_code == 200 and "AQF97-7" in form.content.decode()
    refused = client.post(
        "/enforcement/cases/new/",
        {"enterprise": firms.own.credit_code, "rule": rule.pk, "facts": ""},
    )
    assert refused.status_code == 422 and 'id="ef-failure"' in refused.content.decode()
    made = client.post(
        "/enforcement/cases/new/",
        {
            "enterprise": firms.own.credit_code.lower(),
            "rule": rule.pk,
            "facts": "<script>alert(1)</script> 特种作业人员无证",
            "filed_on": "2026-06-01",
        },
    )
    case = PenaltyCase.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/enforcement/cases/{case.pk}/"
    page = client.get(made["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    out = client.post(f"/enforcement/cases/{case.pk}/notify/", {"amount": "1e309"})
    assert out.status_code == 422 and "amount" in out.content.decode()
    out = client.post(f"/enforcement/cases/{case.pk}/notify/", {"amount": "10"})
    assert out.status_code == 422 and "30,000.00–60,000.00" in out.content.decode()
    assert client.post(f"/enforcement/cases/{case.pk}/close/").status_code == 409
    assert (
        client.post(
            f"/enforcement/cases/{case.pk}/notify/",
            {"amount": "40000", "notified_on": "2026-06-01"},
        ).status_code
        == 302
    )
    out = client.post(f"/enforcement/cases/{case.pk}/decide/",
                      {"decision_number": "号" * 5000, "amount": "40000"})  # fmt: skip
    assert out.status_code == 422
    assert client.post(f"/enforcement/cases/{case.pk}/decide/", {
        "decision_number": "杭西应急罚〔2026〕9号", "amount": "40000",
        "decided_on": "2026-06-02"}).status_code == 302  # fmt: skip
    document = EnforcementDocument.objects.get(kind="pen_decision")
    pdf = client.get(f"/enforcement/cases/{case.pk}/documents/{document.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and bytes(pdf.content).startswith(b"%PDF")
    listing = client.get("/enforcement/cases/", {"q": firms.own.credit_code}).content.decode()
    assert case.code in listing
    assert client.get("/enforcement/cases/", {"state": "<bad>"}).status_code == 200
    assert client.get("/enforcement/cases/", {"year": "9" * 50}).status_code == 200
    assert client.get(f"/enforcement/cases/{10**30}/").status_code == 404

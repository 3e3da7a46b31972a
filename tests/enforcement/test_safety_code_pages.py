"""The staff and enterprise pages of the safety code, and the public pages a QR code opens:
filters and counts, the QR and the printable card, repair from the page, scoping (another
county or another enterprise is 404), the Excel export, and hostile input everywhere."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.conftest import credit_code
from tests.enforcement.test_credit_facts import months_ago, penalty
from yingji.core import exports
from yingji.core.models import Job
from yingji.enforcement.models import CreditRepair, PenaltyCase, SafetyCode
from yingji.enforcement.services import safety_code

pytestmark = pytest.mark.django_db
HOSTILE = [
    "' OR '1'='1",
    "1; DROP TABLE enforcement_safetycode; --",
    "<script>alert(1)</script>",
    "%00",
    "ｘ" * 60,
    "x" * 10_000,
]


@pytest.fixture
def codes(firms):
    penalty(firms.xihu[3], "serious")
    penalty(firms.xihu[4], "slight")
    safety_code.refresh_all()
    return {c.pk: c for c in SafetyCode.objects.all()}


def test_the_list_counts_filters_and_searches(crew, firms, codes, login):
    client = login(crew.county)
    page = client.get("/enforcement/codes/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "西湖企业03" in text and "滨江企业" not in text  # the jurisdiction only
    assert 'data-colour="red">红码<span class="n">1</span>' in text
    assert 'data-colour="">全部<span class="n">20</span>' in text
    red = client.get("/enforcement/codes/?colour=red").content.decode()
    assert "西湖企业03" in red and "西湖企业04" not in red
    found = client.get("/enforcement/codes/?q=企业04").content.decode()
    assert "西湖企业04" in found and "西湖企业05" not in found
    rated = client.get("/enforcement/codes/?rating=C").content.decode()
    assert "西湖企业03" in rated and "西湖企业04" not in rated
    assert (
        "西湖企业03"
        in client.get("/enforcement/codes/?industry=C33&county=330106").content.decode()
    )
    assert "西湖企业03" not in client.get("/enforcement/codes/?industry=C26").content.decode()
    assert client.get("/enforcement/codes/?page=2").status_code == 200
    assert client.get("/enforcement/codes/?page=abc").status_code == 200


@pytest.mark.parametrize("field", ["colour", "rating", "county", "industry", "q"])
def test_a_bad_or_hostile_filter_is_named_and_the_list_still_shows(crew, codes, login, field):
    client = login(crew.county)
    for value in HOSTILE:
        page = client.get("/enforcement/codes/", {field: value})
        assert page.status_code == 200
        if field != "q":
            assert field in page.content.decode()  # the message names the filter
    assert (
        "<script>alert(1)</script>"
        not in client.get(
            "/enforcement/codes/", {"q": "<script>alert(1)</script>"}
        ).content.decode()
    )


def test_the_detail_shows_reasons_credit_history_and_the_qr(crew, firms, codes, login):
    client = login(crew.county)
    code = codes[firms.xihu[3].pk]
    page = client.get(f"/enforcement/codes/{code.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text and f"http://127.0.0.1:8000/public/code/{code.token}/" in text
    assert "情节严重的安全生产行政处罚" in text
    history = text[text.index('id="yc-history"') :]
    assert '<span class="yc-badge red">红码</span>' in history and "全量重算" in history
    assert 'id="yc-colour" data-colour="red"' in text
    card = client.get(f"/enforcement/codes/{code.pk}/card/").content.decode()
    assert "size: A5" in card and "<svg" in card and "红码" in card


def test_scoping_other_county_and_other_enterprise_are_404(crew, firms, codes, login, client):
    own, other = firms.own.pk, firms.other.pk
    login(crew.other_county)
    assert client.get(f"/enforcement/codes/{own}/").status_code == 404
    assert client.get(f"/enforcement/codes/{own}/card/").status_code == 404
    login(firms.manager)
    assert client.get(f"/enforcement/codes/{own}/").status_code == 200
    assert client.get("/enforcement/codes/").url == f"/enforcement/codes/{own}/"
    for pk in (other, firms.xihu[3].pk, 2**63, 99999999999999999999):
        assert client.get(f"/enforcement/codes/{pk}/").status_code == 404
    login(firms.other_manager)
    assert client.get(f"/enforcement/codes/{own}/").status_code == 404
    client.logout()
    assert client.get(f"/enforcement/codes/{own}/").status_code == 302  # to sign in


def test_a_code_is_computed_on_first_view(crew, firms, login):
    client = login(crew.county)
    assert not SafetyCode.objects.filter(pk=firms.own.pk).exists()
    assert client.get(f"/enforcement/codes/{firms.own.pk}/").status_code == 200
    assert SafetyCode.objects.get(pk=firms.own.pk).colour == "green"
    assert client.get(f"/enforcement/codes/{firms.other.pk}/").status_code == 404
    assert not SafetyCode.objects.filter(pk=firms.other.pk).exists()


def test_repair_from_the_page(crew, firms, codes, login, on_commit):
    own = firms.own
    penalty(own, "general", decided_on=months_ago(1), payment="paid")
    client = login(firms.manager)
    data = {"reason": "已完成整改并缴清罚款", "evidence": "缴款凭证 2026-001 及整改报告"}
    early = client.post(f"/enforcement/codes/{own.pk}/repair/", data)
    assert early.status_code == 409 and "Credit repair is possible from" in early.content.decode()
    assert not CreditRepair.objects.exists()
    assert 'id="yc-apply"' not in client.get(f"/enforcement/codes/{own.pk}/").content.decode()
    for reason, status in (("短", 422), ("理" * 10_240, 422), ("' OR 1=1 --; DROP", 409)):
        bad = client.post(f"/enforcement/codes/{own.pk}/repair/", {**data, "reason": reason})
        assert bad.status_code == status and "yc-failure" in bad.content.decode()
    assert not CreditRepair.objects.exists()
    PenaltyCase.objects.filter(enterprise=own).update(decided_on=months_ago(4))
    assert 'id="yc-apply"' in client.get(f"/enforcement/codes/{own.pk}/").content.decode()
    assert client.post(f"/enforcement/codes/{own.pk}/repair/", data).status_code == 302
    assert CreditRepair.objects.get(enterprise=own).state == "applied"
    again = client.get(f"/enforcement/codes/{own.pk}/").content.decode()
    assert 'id="yc-apply"' not in again and "已完成整改并缴清罚款" in again
    login(crew.county)
    assert client.post(f"/enforcement/codes/{own.pk}/repair/", data).status_code == 403


def test_deciding_from_the_page(crew, firms, codes, login, on_commit):
    own = firms.own
    penalty(own, "general", decided_on=months_ago(5), payment="paid")
    from yingji.enforcement.services import credit

    repair = credit.apply(
        actor=firms.manager,
        data={"reason": "已完成整改并缴清罚款", "evidence": "缴款凭证及整改报告各一份"},
    )
    url = f"/enforcement/codes/{own.pk}/repairs/{repair.pk}/decide/"
    client = login(crew.other_county)
    assert client.post(url, {"decision": "approve", "note": "同意"}).status_code == 404
    client = login(firms.manager)
    assert client.post(url, {"decision": "approve", "note": "同意"}).status_code == 403
    client = login(crew.county)
    bad = client.post(url, {"decision": "maybe", "note": "同意修复"})
    assert bad.status_code == 422 and "decision" in bad.content.decode()
    assert (
        client.post(
            f"/enforcement/codes/{own.pk}/repairs/{2**63}/decide/",
            {"decision": "approve", "note": "同意"},
        ).status_code
        == 404
    )
    with on_commit(execute=True):
        done = client.post(url, {"decision": "approve", "note": "材料齐全，同意修复"})
    assert done.status_code == 302
    assert CreditRepair.objects.get(pk=repair.pk).state == "approved"
    page = client.get(f"/enforcement/codes/{own.pk}/").content.decode()
    assert "材料齐全，同意修复" in page


def test_staff_recompute_and_export(crew, firms, codes, login, tmp_path):
    client = login(crew.county)
    assert client.post(f"/enforcement/codes/{firms.own.pk}/refresh/").status_code == 302
    viewer = login(crew.viewer)
    assert viewer.post(f"/enforcement/codes/{firms.own.pk}/refresh/").status_code == 403
    client = login(crew.county)
    started = client.post("/exports/", {"name": "enforcement_codes", "colour": "red"})
    assert started.status_code == 302
    job = Job.objects.get(kind=exports.EXPORT_KIND)
    assert job.params == {"name": "enforcement_codes", "filters": {"colour": "red"}}
    spec = exports.get("enforcement_codes")
    path = tmp_path / "codes.xlsx"
    assert exports.write_workbook(spec, crew.county, {}, path) == 20
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "企业名称 enterprise" and rows[1][5] == "红码"
    assert "滨江企业" not in {r[0] for r in rows}
    assert exports.write_workbook(spec, crew.county, {"colour": "red"}, path) == 1


# ---------------------------------------------------------------- public pages


def test_the_public_page_shows_colour_reasons_and_rules_and_nothing_personal(firms, codes, client):
    firm = firms.xihu[3]
    firm.safety_manager, firm.safety_manager_phone = "王安全", "13912345678"
    firm.legal_representative = "李法人"
    firm.save()
    code = codes[firm.pk]
    page = client.get(f"/public/code/{code.token}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert firm.name in text and "红码" in text and "情节严重的安全生产行政处罚" in text
    assert "R1" in text and "Y8" in text  # how the code is decided: the whole table
    for private in ("王安全", "13912345678", "李法人"):
        assert private not in text
    assert 'name="viewport"' in text and "topbar" not in text  # its own mobile page
    qr = client.get(f"/public/code/{code.token}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"].startswith("image/svg+xml")
    assert qr.content.startswith(b"<svg") or b"<svg" in qr.content[:200]


@pytest.mark.parametrize(
    "token",
    [
        "AAAAAAAAAAAAAAAA",
        "x",
        "../../etc/passwd",
        "' OR '1'='1",
        "a" * 33,
        "a" * 10_240,
        "%00",
        "安全码安全码安全码安全码",
        "aaaaaaaa.bbbbbbb",
    ],
)
def test_bad_or_unknown_tokens_are_404(codes, client, token):
    refused = (404, 400) if token == "%00" else (404,)  # a NUL byte: 400 by the middleware
    assert client.get(f"/public/code/{token}/").status_code in refused
    assert client.get(f"/public/code/{token}/qr.svg").status_code in refused


def test_lookup_by_credit_code(firms, codes, client):
    own = firms.own
    assert client.get("/public/code/").status_code == 200
    found = client.get("/public/code/", {"credit_code": own.credit_code.lower() + " "})
    assert found.status_code == 302 and found.url == f"/public/code/{codes[own.pk].token}/"
    wrong = own.credit_code[:17] + ("0" if own.credit_code[17] != "0" else "1")
    page = client.get("/public/code/", {"credit_code": wrong})
    assert page.status_code == 422 and "18" in page.content.decode()
    unknown = client.get("/public/code/", {"credit_code": credit_code("330106")})
    assert unknown.status_code == 404
    for hostile in ["91330106MA0000001", "' OR 1=1 --", "1" * 18, "x" * 10_240, "９１３３"]:
        assert client.get("/public/code/", {"credit_code": hostile}).status_code == 422

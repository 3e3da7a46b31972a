"""公开: opening once per task and per case, the public text without personal data, publish and
withdraw, the overdue sweep (flags once, tells the county office), the staff page and export."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.enforcement.penalty_fixtures import DAY, completed_task, decided, load_rules
from yingji.core import exports, jobs
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import AuditEntry, Notification
from yingji.enforcement.models import Publication
from yingji.enforcement.services import publication

GENERAL = ("AQF97-7", "general")
DUE = dt.date(2026, 6, 30)  # 20 working days after Monday 2026-06-01 (端午 06-19 off)


@pytest.fixture
def rules(db: None) -> dict[tuple[str, str], Any]:
    return load_rules()


def test_a_completed_task_opens_one_result_without_personal_data(
    crew: SimpleNamespace, firms: SimpleNamespace, item: Any
) -> None:
    task = completed_task(item, firms.own, [crew.i1, crew.i2])
    first = publication.on_task_completed(task)
    again = publication.on_task_completed(task)
    assert first.pk == again.pk and Publication.objects.count() == 1
    assert (first.kind, first.fact_on, first.due_on) == ("result", DAY, DUE)
    body = first.body
    for public in (firms.own.name, firms.own.credit_code, item.name, "2026-06-01",
                   "已责令限期整改", "特种作业人员持证上岗", "1 项不符合"):  # fmt: skip
        assert public in body
    for private in ("执法人员1", "ZJ330106001", "13812345678", "张三", "xh_insp1",
                    "两名电工无特种作业操作证"):  # fmt: skip
        assert private not in body
    assert AuditEntry.objects.filter(action="publication_open").count() == 1


def test_a_decided_case_opens_one_decision(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    facts = "特种作业人员无证上岗，身份证号330106199001011234，电话13912345678"
    case = decided(crew.county, firms.own, rules[GENERAL], facts=facts)
    item = publication.on_case_decided(case)
    assert publication.on_case_decided(case).pk == item.pk
    assert Publication.objects.filter(case=case).count() == 1
    assert (item.kind, item.due_on) == ("decision", DUE)
    for public in (case.decision_number, "40,000.00", "第九十七条第（七）项", "第三十条",
                   firms.own.credit_code, "杭州市西湖区应急管理局"):  # fmt: skip
        assert public in item.body
    assert "330106199001011234" not in item.body and "13912345678" not in item.body
    assert "330106********123" in item.body and "139****5678" in item.body


def test_publish_and_withdraw_rules(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    item = Publication.objects.get(case=decided(crew.county, firms.own, rules[GENERAL]))
    with pytest.raises(Forbidden):
        publication.publish(actor=crew.viewer, pk=item.pk)
    done = publication.publish(actor=crew.county, pk=item.pk)
    assert done.published_at is not None and done.published_by == crew.county
    with pytest.raises(Conflict):
        publication.publish(actor=crew.county, pk=item.pk)
    for reason in ("", "短", "理" * 201, None):
        with pytest.raises(InvalidInput):
            publication.withdraw(actor=crew.county, pk=item.pk, reason=reason)
    publication.withdraw(actor=crew.county, pk=item.pk, reason="决定经行政复议撤销")
    with pytest.raises(Conflict):
        publication.publish(actor=crew.county, pk=item.pk)
    with pytest.raises(Conflict):
        publication.withdraw(actor=crew.county, pk=item.pk, reason="再次撤回试试")
    actions = list(AuditEntry.objects.filter(object_id=str(item.pk),
                                             object_type="enforcement.publication")
                   .values_list("action", flat=True))  # fmt: skip
    assert {"publication_publish", "publication_withdraw"} <= set(actions)


def test_the_sweep_flags_overdue_items_once_and_tells_each_county_office(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], item: Any
) -> None:
    late_a = publication.on_task_completed(completed_task(item, firms.own, [crew.i1, crew.i2]))
    late_b = Publication.objects.get(case=decided(crew.county, firms.xihu[1], rules[GENERAL]))
    late_c = Publication.objects.get(case=decided(crew.other_county, firms.other, rules[GENERAL]))
    published = Publication.objects.get(case=decided(crew.county, firms.xihu[2], rules[GENERAL]))
    publication.publish(actor=crew.county, pk=published.pk)
    later = publication.on_task_completed(
        completed_task(item, firms.xihu[3], [crew.i1, crew.i2], on=dt.date(2026, 7, 20))
    )
    assert publication.sweep(DUE) == {
        "flagged": 0,
        "offices": 0,
        "people_told": 0,
        "recounted": 0,
    }  # due today
    counts = publication.sweep(dt.date(2026, 7, 15))
    assert counts == {"flagged": 3, "offices": 2, "people_told": 2, "recounted": 0}
    flagged = set(Publication.objects.filter(overdue_flagged_at__isnull=False)
                  .values_list("pk", flat=True))  # fmt: skip
    assert flagged == {late_a.pk, late_b.pk, late_c.pk}
    assert later.pk not in flagged and published.pk not in flagged
    told = Notification.objects.get(recipient=crew.county)
    assert told.kind == "publication_overdue" and "2 项" in told.title
    assert Notification.objects.get(recipient=crew.other_county).title.startswith("1 项")
    assert not Notification.objects.filter(recipient=crew.i1).exists()
    assert publication.sweep(dt.date(2026, 7, 16))["flagged"] == 0
    assert Notification.objects.count() == 2
    assert publication.SWEEP_KIND in jobs.kinds()


def test_staff_page_lists_tabs_days_left_and_acts(
    login: Any, crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any]
) -> None:
    case = decided(crew.county, firms.own, rules[GENERAL], on=dt.date(2025, 9, 26))
    item = Publication.objects.get(case=case)
    client = login(crew.county)
    page = client.get("/enforcement/publications/", {"tab": "overdue"})
    text = page.content.decode()
    assert page.status_code == 200 and f'id="ef-pub-{item.pk}"' in text and "2025-10-30" in text
    assert client.get("/enforcement/publications/", {"tab": "<x>"}).status_code == 200
    assert client.get("/enforcement/publications/", {"kind": "x" * 500}).status_code == 200
    back = "/enforcement/publications/?tab=overdue"
    done = client.post(f"/enforcement/publications/{item.pk}/publish/", {"next": back})
    assert done.status_code == 302 and done["Location"] == back
    evil = client.post(f"/enforcement/publications/{item.pk}/withdraw/",
                       {"reason": "撤回原因说明", "next": "https://evil.example/"})  # fmt: skip
    assert evil["Location"] == "/enforcement/publications/"
    assert client.post(f"/enforcement/publications/{item.pk}/explode/").status_code == 404
    viewer = login(crew.viewer)
    assert viewer.post(f"/enforcement/publications/{item.pk}/publish/").status_code == 403


def test_publication_export_holds_what_the_user_sees(
    crew: SimpleNamespace, firms: SimpleNamespace, rules: dict[Any, Any], tmp_path: Any
) -> None:
    decided(crew.county, firms.own, rules[GENERAL], on=dt.date(2025, 9, 26))
    decided(crew.other_county, firms.other, rules[GENERAL], on=dt.date(2025, 9, 26))
    spec = exports.get("enforcement_publications")
    assert spec is not None
    path = tmp_path / "out.xlsx"
    assert exports.write_workbook(spec, crew.county, {"tab": "overdue"}, path) == 1
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert firms.own.name in rows[1] and "2025-10-30" in rows[1]
    with pytest.raises(InvalidInput):
        exports.write_workbook(spec, crew.county, {"tab": "everything"}, path)
    cases = exports.get("enforcement_cases")
    assert cases is not None and exports.write_workbook(cases, crew.other_county, {}, path) == 1

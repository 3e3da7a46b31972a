"""掌上执法 pages with the Django test client: the task list per kind of user, a task's page
through start → findings → hazard → completion, the document preview and issue with
signature pads, the downloads, and refusals shown in the form they came from."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.enforcement.conftest import jpeg
from tests.enforcement.test_inspection_services import make_task, signature_url
from yingji.core import exports
from yingji.core.models import Job
from yingji.enforcement import inspection_exports
from yingji.enforcement.models import EnforcementDocument, Finding, InspectionTask, TaskState
from yingji.enforcement.services import inspections
from yingji.hazards.models import HiddenHazard


def url(name: str, *args) -> str:
    return reverse(name, args=args)


@pytest.fixture
def tasks(item, firms, crew):
    """i1 on two tasks (one overdue), another crew on a third, one task in 滨江区."""
    late_day = timezone.localdate() - dt.timedelta(days=3)
    return {
        "mine": make_task(item, firms.own, [crew.i1, crew.i2]),
        "late": make_task(item, firms.xihu[1], [crew.i1, crew.i3], due=late_day),
        "others": make_task(item, firms.xihu[2], [crew.i3, crew.i4]),
        "binjiang": make_task(item, firms.other, [crew.other_inspector, crew.i4]),
    }


def test_an_inspector_sees_their_tasks_grouped(client, crew, tasks):
    client.force_login(crew.i1)
    page = client.get(url("enforcement-tasks"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "西湖企业00" in html and "西湖企业01" in html
    assert "西湖企业02" not in html and "滨江企业" not in html
    groups = [g["key"] for g in page.context["groups"]]
    assert groups == ["todo", "doing", "done"]
    todo = page.context["groups"][0]["rows"]
    assert [r.task for r in todo] == [tasks["late"], tasks["mine"]]  # overdue first
    assert todo[0].late and todo[0].late_days == 3


def test_staff_filter_page_and_export(client, crew, tasks, tmp_path):
    client.force_login(crew.county)
    page = client.get(url("enforcement-tasks"))
    assert {r.task for r in page.context["rows"]} == {tasks["mine"], tasks["late"], tasks["others"]}
    page = client.get(url("enforcement-tasks"), {"overdue": "1"})
    assert [r.task for r in page.context["rows"]] == [tasks["late"]]
    page = client.get(url("enforcement-tasks"), {"inspector": crew.i4.inspector.pk})
    assert [r.task for r in page.context["rows"]] == [tasks["others"]]
    page = client.get(url("enforcement-tasks"), {"state": "nonsense", "plan": "'; --"})
    assert page.status_code == 200 and len(page.context["rows"]) == 3  # the filters reset
    started = client.post(url("export"), {"name": "inspection_tasks", "overdue": "1"})
    assert started.status_code == 302
    job = Job.objects.get()
    assert job.params == {"name": "inspection_tasks", "filters": {"overdue": "1"}}
    path = tmp_path / "tasks.xlsx"
    assert (
        exports.write_workbook(inspection_exports.TASKS, crew.county, job.params["filters"], path)
        == 1
    )
    sheet = openpyxl.load_workbook(path).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[0] == "任务编号 code"
    assert row[0] == tasks["late"].code and row[4] == "西湖企业01" and row[10] == "是"
    assert exports.write_workbook(inspection_exports.TASKS, crew.i3, {}, path) == 2  # i3's own


def test_an_enterprise_sees_its_own_tasks_only(client, firms, tasks):
    client.force_login(firms.manager)
    page = client.get(url("enforcement-tasks"))
    assert [r.task for r in page.context["rows"]] == [tasks["mine"]]
    assert client.get(url("enforcement-task", tasks["mine"].pk)).status_code == 200
    assert client.get(url("enforcement-task", tasks["late"].pk)).status_code == 404
    # It may look, not act.
    refused = client.post(url("enforcement-task-act", tasks["mine"].pk), {"action": "start"})
    assert refused.status_code == 403
    assert InspectionTask.objects.get(pk=tasks["mine"].pk).state == TaskState.ASSIGNED


def test_a_task_is_not_found_outside_ones_reach(client, crew, tasks):
    client.force_login(crew.i1)
    for key in ("others", "binjiang"):
        assert client.get(url("enforcement-task", tasks[key].pk)).status_code == 404
        posted = client.post(url("enforcement-task-act", tasks[key].pk), {"action": "start"})
        assert posted.status_code == 404
    client.force_login(crew.other_county)
    assert client.get(url("enforcement-task", tasks["mine"].pk)).status_code == 404
    assert client.get("/enforcement/tasks/99999999999999999999/").status_code == 404


def test_the_whole_inspection_on_the_task_page(client, crew, firms, tasks, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    task = tasks["mine"]
    client.force_login(crew.i1)
    page = client.get(url("enforcement-task", task.pk))
    html = page.content.decode()
    assert "开始检查" in html or "Start the inspection" in html
    assert task.item.legal_basis in html and "西湖企业00" in html
    started = client.post(
        url("enforcement-task-act", task.pk), {"action": "start", "lon": "120.1", "lat": "30.2"}
    )
    assert started.status_code == 302
    for point in ("1", "2"):
        client.post(url("enforcement-finding", task.pk), {"point_id": point, "compliant": "1"})
    saved = client.post(
        url("enforcement-finding", task.pk),
        {"point_id": "3", "compliant": "0", "description": "报警器未投用", "photo": [jpeg()]},
    )
    assert saved.status_code == 302 and saved["Location"].endswith("#point-3")
    finding = Finding.objects.get(task=task, point_id="3")
    photo = finding.photos.get()
    shown = client.get(url("enforcement-finding-photo", task.pk, photo.pk))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    made = client.post(
        url("enforcement-finding-hazard", task.pk, finding.pk),
        {"title": "报警器未投用", "category": "hazchem", "grade": "general",
         "description": "储罐区报警器未投用"},
    )  # fmt: skip
    assert made.status_code == 302
    hazard = HiddenHazard.objects.get()
    assert hazard.enterprise_id == firms.own.pk
    page = client.get(url("enforcement-task", task.pk))
    assert hazard.code in page.content.decode()
    done = client.post(
        url("enforcement-task-act", task.pk),
        {
            "action": "complete",
            "outcome": "rectify",
            "summary": "责令整改",
            "present_person": "王经理",
        },
    )
    assert done.status_code == 302
    assert InspectionTask.objects.get(pk=task.pk).state == TaskState.COMPLETED


def test_refusals_show_in_their_form_and_change_nothing(client, crew, tasks):
    task = tasks["mine"]
    client.force_login(crew.i1)
    refused = client.post(
        url("enforcement-task-act", task.pk), {"action": "start", "lon": "999", "lat": "1"}
    )
    assert refused.status_code == 422
    assert refused.context["failure"]["where"] == "start"
    assert refused.context["failure"]["field"] == "lon"
    assert (
        client.post(url("enforcement-task-act", task.pk), {"action": "explode"}).status_code == 422
    )
    inspections.start(actor=crew.i1, pk=task.pk)
    long = client.post(
        url("enforcement-finding", task.pk),
        {"point_id": "1", "compliant": "0", "description": "长" * 10_000},
    )
    assert long.status_code == 422 and long.context["failure"]["where"] == "point-1"
    fake = client.post(
        url("enforcement-finding", task.pk),
        {"point_id": "1", "compliant": "1", "photo": [_pdf_as_jpg()]},
    )
    assert fake.status_code == 422 and fake.context["failure"]["field"] == "photo"
    assert "PDF" in fake.context["failure"]["message"]
    unknown = client.post(url("enforcement-finding", task.pk), {"point_id": "42", "compliant": "1"})
    assert unknown.status_code == 422
    assert not Finding.objects.filter(task=task).exists()
    twice = client.post(url("enforcement-task-act", task.pk), {"action": "start"})
    assert twice.status_code == 409 and twice.context["failure"]["allowed"] == ["complete"]
    early = client.post(
        url("enforcement-task-act", task.pk), {"action": "complete", "outcome": "no_issues"}
    )
    assert early.status_code == 422 and early.context["failure"]["field"] == "findings"


def _pdf_as_jpg():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.jpg", b"%PDF-1.4\n%%EOF\n", content_type="image/jpeg")


def test_staff_open_an_ad_hoc_task(client, crew, firms, item):
    client.force_login(crew.county)
    form = client.get(url("enforcement-task-new"))
    assert form.status_code == 200
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    data = {"kind": "complaint", "enterprise": firms.xihu[5].pk, "item": item.pk, "due_on": due,
            "inspectors": [crew.i3.inspector.pk]}  # fmt: skip
    refused = client.post(url("enforcement-task-new"), data)
    assert refused.status_code == 422 and refused.context["failure"]["field"] == "inspectors"
    data["inspectors"] = [crew.i3.inspector.pk, crew.i4.inspector.pk]
    made = client.post(url("enforcement-task-new"), data)
    task = InspectionTask.objects.get()
    assert made.status_code == 302 and made["Location"] == url("enforcement-task", task.pk)
    client.force_login(crew.i1)
    assert client.get(url("enforcement-task-new")).status_code == 403


def in_progress_with_fault(task, crew):
    inspections.start(actor=crew.i1, pk=task.pk)
    for point in ("1", "2"):
        inspections.record_finding(
            actor=crew.i1, pk=task.pk, data={"point_id": point, "compliant": "1"}
        )
    inspections.record_finding(
        actor=crew.i1, pk=task.pk,
        data={"point_id": "3", "compliant": "0", "description": "报警器未投用"},
        photos=[jpeg()],
    )  # fmt: skip


def test_issue_a_rectification_order_from_the_preview(client, crew, firms, tasks):
    task = tasks["mine"]
    in_progress_with_fault(task, crew)
    client.force_login(crew.i2)
    address = url("enforcement-document-new", task.pk, "rectify_order")
    preview = client.get(address)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "责令限期整改指令书" in html and "报警器未投用" in html and "（签发时编号）" in html
    assert html.count("data-signature-for=") == 3  # two inspectors and the enterprise
    rectify_by = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    sign = {
        "action": "issue", "rectify_by": rectify_by, "signer_name": "王经理",
        f"sig_{crew.i1.inspector.pk}": signature_url(1),
        f"sig_{crew.i2.inspector.pk}": signature_url(2),
        "sig_enterprise": signature_url(3),
    }  # fmt: skip
    unsigned = client.post(address, {**sign, "sig_enterprise": ""})
    assert unsigned.status_code == 422 and unsigned.context["failure"]["field"] == "signatures"
    # What was signed comes back to the pads.
    assert signature_url(1) in unsigned.content.decode()
    past = client.post(address, {**sign, "rectify_by": "2020-01-01"})
    assert past.status_code == 422 and past.context["failure"]["field"] == "rectify_by"
    assert not EnforcementDocument.objects.exists()
    issued = client.post(address, sign)
    document = EnforcementDocument.objects.get()
    assert issued.status_code == 302 and issued["Location"] == url(
        "enforcement-document", document.pk
    )
    page = client.get(url("enforcement-document", document.pk))
    assert document.number in page.content.decode()
    pdf = client.get(url("enforcement-document-pdf", document.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    text = "".join(
        "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
        ).split()
    )
    assert "责令限期整改指令书" in text and firms.own.name in text and document.number in text
    word = client.get(url("enforcement-document-docx", document.pk))
    body = "".join(
        p.text for p in docx.Document(io.BytesIO(b"".join(word.streaming_content))).paragraphs
    )
    assert document.number in body
    # The enterprise reads its own document; a stranger does not find it.
    client.force_login(firms.manager)
    assert client.get(url("enforcement-document-pdf", document.pk)).status_code == 200
    assert client.get(address).status_code == 403
    for stranger in (crew.i3, crew.other_county, firms.other_manager):
        client.force_login(stranger)
        assert client.get(url("enforcement-document-pdf", document.pk)).status_code == 404
        assert client.get(url("enforcement-document-docx", document.pk)).status_code == 404
        assert client.get(url("enforcement-document", document.pk)).status_code == 404


def test_an_unknown_document_kind_is_not_found(client, crew, tasks):
    client.force_login(crew.i1)
    assert (
        client.get(url("enforcement-document-new", tasks["mine"].pk, "pen_decision")).status_code
        == 404
    )
    # Not started: the preview says why, nothing to sign.
    page = client.get(url("enforcement-document-new", tasks["mine"].pk, "site_record"))
    assert page.status_code == 409 and page.context["content"] is None


def test_the_pages_ask_for_a_sign_in(client, tasks):
    for address in (url("enforcement-tasks"), url("enforcement-task", tasks["mine"].pk)):
        assert client.get(address).status_code == 302

"""Hidden-hazard pages as their users work them: a grid worker reports with a photo from the
form, the township registers, the enterprise rectifies, the county accepts and closes; a major
hazard goes through its plan, 挂牌督办 and lifting; refusals show in the page and change
nothing; each user sees only their own jurisdiction or enterprise."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from yingji.core.errors import InvalidInput
from yingji.core.models import Notification, Photo
from yingji.core.photos import store_photo
from yingji.hazards.models import (
    Evidence,
    HazardEvent,
    HiddenHazard,
    State,
    Supervision,
)
from yingji.hazards.services import report, workflow

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def act(client, hazard, action: str, files=None, **fields):
    data = {"action": action, **fields}
    if files:
        data["photo"] = files
    return client.post(f"/hazards/{hazard.pk}/act/", data)


def reload(hazard: HiddenHazard) -> HiddenHazard:
    return HiddenHazard.objects.get(pk=hazard.pk)


def new_hazard(people, actor=None, **data) -> HiddenHazard:
    fields = {
        "enterprise": str(people.factory.pk),
        "category": "fire",
        "title": "消防通道堵塞",
        "description": "二号车间消防通道堆放货物",
        **data,
    }
    return report.report(actor=actor or people.grid, data=fields)


def register(people, hazard, deadline: int = 10) -> None:
    workflow.transition(
        actor=people.county,
        pk=hazard.pk,
        action="register",
        data={"deadline": days(deadline), "responsible_person": "王工"},
    )


# ---------------------------------------------------------------- the general lifecycle


def report_by_form(client, people, photo) -> HiddenHazard:
    """The grid worker sends the report form with a photo and a point."""
    client.force_login(people.grid)
    response = client.post(
        "/hazards/report/",
        {
            "category": "fire",
            "title": "消防通道堵塞",
            "description": "二号车间消防通道堆放货物",
            "grade": "general",
            "place": "enterprise",
            "enterprise": str(people.factory.pk),
            "lon": "120.1401",
            "lat": "30.2602",
            "photo": [photo("found.jpg")],
        },
    )
    hazard = HiddenHazard.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hazards/{hazard.pk}/"
    return hazard


def test_grid_worker_reports_with_a_photo_and_sees_it_on_the_hazard_page(client, people, photo):
    client.force_login(people.grid)
    form = html_of(client.get("/hazards/report/"))
    assert 'capture="environment"' in form and 'accept="image/*"' in form
    assert re.search(r'<option value="330106002" selected>[^<]*北山街道', form)
    assert 'name="keep_location"' in form
    hazard = report_by_form(client, people, photo)
    assert (hazard.state, hazard.source) == ("reported", "patrol")
    assert hazard.enterprise == people.factory
    assert (hazard.lon, hazard.lat) == (120.1401, 30.2602)
    evidence = Evidence.objects.get(hazard=hazard)
    assert evidence.kind == "report"

    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert hazard.code in page and "已上报" in page
    thumb = f"/hazards/{hazard.pk}/photos/{evidence.photo_id}"
    assert f'src="{thumb}"' in page
    assert 'id="act-' not in page  # a grid worker has no step to take now
    served = client.get(thumb)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert "private" in served["Cache-Control"]
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8\xff")


def test_general_hazard_from_the_report_to_closing(client, people, photo):
    hazard = report_by_form(client, people, photo)

    # The township office registers it.
    client.force_login(people.township)
    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert 'id="act-register"' in page and 'id="act-void"' not in page  # no void for a township
    assert 'value="西湖化工"' in page  # the responsible unit defaults to the enterprise
    response = act(
        client,
        hazard,
        "register",
        category="fire",
        grade="general",
        deadline=days(7),
        responsible_unit="西湖化工",
        responsible_person="王工",
        responsible_phone="13800138000",
    )
    assert response.status_code == 302
    assert reload(hazard).state == State.REGISTERED
    assert reload(hazard).responsible_phone == "13800138000"

    # The enterprise's safety manager starts and submits with a photo.
    client.force_login(people.manager)
    mine = html_of(client.get("/hazards/mine/"))
    assert hazard.code in mine and "剩 7 天" in mine
    assert f'href="/hazards/{hazard.pk}/#act-start"' in mine
    assert act(client, hazard, "start").status_code == 302
    assert reload(hazard).state == State.RECTIFYING
    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert 'id="act-evidence"' in page and 'id="act-submit"' in page
    response = act(
        client,
        hazard,
        "submit",
        files=[photo("fixed.jpg", (40, 160, 60))],
        rectification_note="货物已清走，通道划线",
    )
    assert response.status_code == 302
    hazard = reload(hazard)
    assert hazard.state == State.SUBMITTED and hazard.rectification_note == "货物已清走，通道划线"
    assert hazard.evidence.filter(kind="rectification").count() == 1

    # The county bureau accepts and closes it (销号).
    client.force_login(people.county)
    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert "整改照片" in page and 'id="act-accept"' in page and 'id="act-reject"' in page
    assert act(client, hazard, "accept", note="现场核查，通道畅通").status_code == 302
    assert act(client, hazard, "close").status_code == 302
    hazard = reload(hazard)
    assert hazard.state == State.CLOSED and hazard.acceptance_note == "现场核查，通道畅通"
    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert "已销号" in page and 'id="act-' not in page
    timeline = page.split('id="hz-timeline"')[1]
    for label in ("上报", "登记", "开始整改", "提交验收", "验收通过", "销号"):
        assert label in timeline
    assert list(hazard.events.values_list("action", flat=True)) == [
        "report",
        "register",
        "start",
        "submit",
        "accept",
        "close",
    ]


def test_the_office_is_told_in_the_inbox_and_the_bell(client, people):
    hazard = new_hazard(people)
    client.force_login(people.county)
    assert ">1<" in html_of(client.get("/hazards/inbox/count/"))
    page = html_of(client.get("/hazards/inbox/"))
    assert f"新隐患待登记 {hazard.code}" in page and 'class="unread"' in page
    note = Notification.objects.get(recipient=people.county)
    response = client.post(f"/hazards/inbox/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == f"/hazards/{hazard.pk}/"
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert "bell-count" not in html_of(client.get("/hazards/inbox/count/"))
    # Another user can neither open nor mark it.
    client.force_login(people.township)
    assert client.post(f"/hazards/inbox/{note.pk}/open/").status_code == 404
    # The header of every page carries the bell.
    assert 'href="/hazards/inbox/"' in html_of(client.get("/hazards/"))


def test_mark_all_read(client, people):
    new_hazard(people)
    new_hazard(people, title="配电箱无盖板")
    client.force_login(people.county)
    response = client.post("/hazards/inbox/read/", {"all": "1"})
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=people.county, read_at__isnull=True).exists()


# ---------------------------------------------------------------- a major hazard


def test_major_hazard_with_plan_supervision_and_lifting(client, people, photo, criterion):
    client.force_login(people.county)
    form = html_of(client.get("/hazards/report/"))
    assert f'<option value="{criterion.pk}"' in form and "化工" in form
    response = client.post(
        "/hazards/report/",
        {
            "category": "hazchem",
            "title": "罐区无可燃气体报警",
            "description": "储罐区未设检测报警",
            "grade": "major",
            "criterion": str(criterion.pk),
            "place": "enterprise",
            "enterprise": str(people.factory.pk),
            "source": "inspection",
        },
    )
    assert response.status_code == 302
    hazard = HiddenHazard.objects.get()
    assert (hazard.grade, hazard.criterion, hazard.source) == ("major", criterion, "inspection")
    assert (
        act(
            client,
            hazard,
            "register",
            grade="major",
            criterion=str(criterion.pk),
            category="hazchem",
            deadline=days(30),
            responsible_person="张总",
        ).status_code
        == 302
    )

    # 挂牌督办 by the county.
    response = act(
        client, hazard, "supervise", deadline=days(45), office="西湖区安委办", published="1"
    )
    assert response.status_code == 302
    listing = Supervision.objects.get(hazard=hazard)
    assert (listing.level, listing.office, listing.published) == ("county", "西湖区安委办", True)
    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert "县级挂牌督办" in page.replace(" ", "") and 'id="act-lift"' in page
    board = html_of(client.get("/hazards/supervision/"))
    assert hazard.code in board.split('id="level-county"')[1]
    assert hazard.code not in board.split('id="level-county"')[0]

    # Rectification needs the 治理方案 first: refused in the form, nothing changes.
    response = act(client, hazard, "start")
    assert response.status_code == 422
    assert "治理方案" in html_of(response) and reload(hazard).state == State.REGISTERED
    plan = {
        "plan_goal": "增设可燃气体检测报警",
        "plan_measures": "安装探测器并联锁",
        "plan_funding": "专项资金 20 万元",
        "plan_organisation": "设备部牵头",
        "plan_deadline": days(25),
        "plan_safety": "停用罐区，落实监护",
    }
    assert act(client, hazard, "start", **plan).status_code == 302
    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert "增设可燃气体检测报警" in page.split('id="hz-plan"')[1]

    # A major needs a rectification photo to be submitted.
    response = act(client, hazard, "submit", rectification_note="已安装报警器")
    assert response.status_code == 422 and reload(hazard).state == State.RECTIFYING
    response = act(
        client, hazard, "submit", files=[photo("alarm.jpg")], rectification_note="已安装报警器"
    )
    assert response.status_code == 302 and reload(hazard).state == State.SUBMITTED
    assert (
        act(
            client,
            hazard,
            "accept",
            note="报警联锁测试合格",
            files=[photo("test.jpg", (10, 10, 200))],
        ).status_code
        == 302
    )
    assert hazard.evidence.filter(kind="acceptance").count() == 1

    # Closing waits for the listing to be lifted.
    response = act(client, hazard, "close")
    assert response.status_code == 409 and "挂牌督办" in html_of(response)
    assert reload(hazard).state == State.ACCEPTED
    assert act(client, hazard, "lift", note="验收合格，同意摘牌").status_code == 302
    assert Supervision.objects.get(hazard=hazard).lifted_at is not None
    board = html_of(client.get("/hazards/supervision/"))
    assert hazard.code not in board.split("<main>")[1]  # (the flash message above names it)
    assert act(client, hazard, "close").status_code == 302
    assert reload(hazard).state == State.CLOSED
    page = html_of(client.get(f"/hazards/{hazard.pk}/"))
    assert "摘牌" in page or "解除" in page


def test_an_illegal_action_is_409_naming_the_allowed_ones(client, people):
    hazard = new_hazard(people)
    events = HazardEvent.objects.count()
    client.force_login(people.county)
    response = act(client, hazard, "close")
    assert response.status_code == 409
    alert = html_of(response).split('id="failure"')[1].split("</div>")[0]
    assert "销号" in alert  # what was asked
    allowed = re.findall(r'<span class="tag">([^<]+)</span>', alert)
    assert sorted(allowed) == sorted(workflow.LABELS[a] for a in ("register", "void"))
    assert reload(hazard).state == State.REPORTED and HazardEvent.objects.count() == events
    # The forms for what is allowed are on the page.
    assert 'id="act-register"' in html_of(response)


def test_a_role_that_may_not_act_is_refused(client, people):
    hazard = new_hazard(people)
    register(people, hazard)
    client.force_login(people.grid)
    response = act(client, hazard, "void", note="重复上报的隐患")
    assert response.status_code == 403
    assert reload(hazard).state == State.REGISTERED


# ---------------------------------------------------------------- who sees what


def test_another_county_gets_404_on_the_page_the_photo_and_the_action(client, people, photo):
    hazard = report.report(
        actor=people.grid,
        photos=[photo()],
        data={
            "region": "330106002",
            "category": "geological",
            "title": "边坡裂缝",
            "description": "山体边坡出现裂缝",
        },
    )
    evidence = hazard.evidence.get()
    client.force_login(people.other_county)
    assert client.get(f"/hazards/{hazard.pk}/").status_code == 404
    assert client.get(f"/hazards/{hazard.pk}/photos/{evidence.photo_id}").status_code == 404
    assert act(client, hazard, "void", note="不是隐患啊").status_code == 404
    assert hazard.code not in html_of(client.get("/hazards/"))
    assert reload(hazard).state == State.REPORTED
    # Inside the county, a photo of another hazard is not served under this one's address.
    other = new_hazard(people)
    client.force_login(people.county)
    assert client.get(f"/hazards/{other.pk}/photos/{evidence.photo_id}").status_code == 404
    assert client.get(f"/hazards/{hazard.pk}/photos/{evidence.photo_id}").status_code == 200
    assert client.get(f"/hazards/{2**64}/").status_code == 404


def test_an_enterprise_user_sees_only_its_own_hazards(client, people, photo):
    own = new_hazard(people, actor=people.manager)
    theirs = report.report(
        actor=people.other_manager,
        photos=[photo()],
        data={"category": "electrical", "title": "配电柜积尘", "description": "配电柜内积尘严重"},
    )
    street = report.report(
        actor=people.grid,
        data={
            "region": "330106002",
            "category": "other",
            "title": "井盖缺失",
            "description": "人行道井盖缺失",
        },
    )
    client.force_login(people.manager)
    assert client.get("/hazards/")["Location"] == "/hazards/mine/"
    mine = html_of(client.get("/hazards/mine/"))
    assert own.code in mine and "西湖化工" in mine
    assert theirs.code not in mine and street.code not in mine
    assert client.get(f"/hazards/{own.pk}/").status_code == 200
    for hazard in (theirs, street):
        assert client.get(f"/hazards/{hazard.pk}/").status_code == 404
    photo_id = theirs.evidence.get().photo_id
    assert client.get(f"/hazards/{theirs.pk}/photos/{photo_id}").status_code == 404
    # Their own report form has no place to choose: it is their enterprise.
    form = html_of(client.get("/hazards/report/"))
    assert 'name="place"' not in form and "西湖化工" in form


# ---------------------------------------------------------------- refusals in the report form


def test_the_report_form_refuses_a_non_image_and_creates_nothing(client, people):
    text = b"not a photo at all, just some words\n" * 10
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        store_photo(SimpleUploadedFile("notes.txt", text), purpose="hazard")
    client.force_login(people.grid)
    response = client.post(
        "/hazards/report/",
        {
            "category": "fire",
            "title": "灭火器过期",
            "description": "灭火器压力不足",
            "place": "region",
            "region": "330106002",
            "photo": [SimpleUploadedFile("notes.txt", text, content_type="image/jpeg")],
        },
    )
    assert response.status_code == 422
    page = html_of(response)
    assert refused.value.message in page
    assert 'value="灭火器过期"' in page and "灭火器压力不足" in page  # the typing is kept
    assert (HiddenHazard.objects.count(), Photo.objects.count(), Evidence.objects.count()) == (
        0,
        0,
        0,
    )


def test_the_report_form_names_a_missing_field(client, people):
    client.force_login(people.grid)
    response = client.post(
        "/hazards/report/",
        {"title": "无类别", "description": "x", "place": "region", "region": "330106002"},
    )
    assert response.status_code == 422
    alert = html_of(response).split('id="failure"')[1].split("</div>")[0]
    assert "<b>类别</b>" in alert and not HiddenHazard.objects.exists()
    # A place outside the jurisdiction is a refused field, not a page that is missing.
    response = client.post(
        "/hazards/report/",
        {
            "category": "fire",
            "title": "t",
            "description": "d",
            "place": "region",
            "region": "330108001",
        },
    )
    assert response.status_code == 422 and not HiddenHazard.objects.exists()


# ---------------------------------------------------------------- the queue


def test_the_queue_lists_overdue_first_with_their_days(client, people):
    later = new_hazard(people, title="晚到期")
    register(people, later, deadline=20)
    unscheduled = new_hazard(people, title="未登记")
    late = new_hazard(people, title="已逾期")
    register(people, late, deadline=5)
    HiddenHazard.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(3))
    soon = new_hazard(people, title="快到期")
    register(people, soon, deadline=2)
    closed = new_hazard(people, title="已作废")
    workflow.transition(actor=people.county, pk=closed.pk, action="void", data={"note": "重复上报"})

    client.force_login(people.county)
    page = html_of(client.get("/hazards/"))
    queue = page.split('id="hz-queue"')[1]
    order = re.findall(r"YH-\d{6}-\d{4}-\d{6}", queue)
    assert order == [late.code, soon.code, later.code, unscheduled.code]
    first = queue.split("</li>")[0]
    assert "逾期 3 天" in first and 'class="hz-item late' in first
    assert "剩 2 天" in queue and "上报隐患" in page
    # filters: overdue only; the voided one under its own tab; a search by title
    overdue = html_of(client.get("/hazards/?overdue=1")).split('id="hz-queue"')[1]
    assert re.findall(r"YH-\d{6}-\d{4}-\d{6}", overdue) == [late.code]
    voided = html_of(client.get("/hazards/?state=voided")).split('id="hz-queue"')[1]
    assert re.findall(r"YH-\d{6}-\d{4}-\d{6}", voided) == [closed.code]
    found = html_of(client.get("/hazards/?state=all&q=快到")).split('id="hz-queue"')[1]
    assert re.findall(r"YH-\d{6}-\d{4}-\d{6}", found) == [soon.code]
    # A bad filter is a message, not an error page.
    response = client.get("/hazards/?grade=huge")
    assert response.status_code == 200 and late.code in html_of(response)

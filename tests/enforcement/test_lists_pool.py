"""The inspector pool and conflicts of interest (回避): who may add, deactivate, declare and
withdraw; that only inspector accounts join the pool; hostile input; the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.enforcement.models import Conflict as Declared
from yingji.enforcement.models import Inspector
from yingji.enforcement.services import draw_pool, lists

pytestmark = pytest.mark.django_db


def test_only_inspector_accounts_of_the_jurisdiction_join_the_pool(crew, make_user):
    new = make_user("xh_insp5", "330106", "inspector")
    staff = make_user("xh_other", "330106", "viewer")
    far = make_user("bj_insp2", "330108", "inspector")
    for who in (staff.username, far.username, crew.i1.username, "nobody", "1 OR 1=1"):
        with pytest.raises(InvalidInput) as refused:
            lists.add_inspector(
                actor=crew.county, data={"user": who, "certificate_number": "ZJ-1234"}
            )
        assert refused.value.field == "user"
    person = lists.add_inspector(
        actor=crew.county,
        data={
            "user": new.username,
            "certificate_number": "zj-330106-9",
            "qualifications": "危化，工贸、消防",
        },
    )
    assert person.certificate_number == "ZJ-330106-9" and person.qualifications == "危化,工贸,消防"
    assert person.region_path == "330106" and person.name == str(new)
    assert AuditEntry.objects.filter(
        action="create", object_id=str(person.pk), object_type="enforcement.inspector"
    ).exists()
    with pytest.raises(Forbidden):
        lists.add_inspector(
            actor=crew.viewer, data={"user": far.username, "certificate_number": "X-1234"}
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("certificate_number", ""),
        ("certificate_number", "ab"),
        ("certificate_number", "x" * 31),
        ("certificate_number", "ZJ330106001"),  # already in the pool (i1's)
        ("certificate_number", "<script>"),
        ("qualifications", ",".join(["危化"] * 11)),
        ("qualifications", "x" * 21),
        ("region", "330108"),
        ("region", "abc"),
        ("name", "n" * 51),
    ],
)
def test_hostile_inspector_input(crew, make_user, field, value):
    make_user("xh_insp6", "330106", "inspector")
    payload = {"user": "xh_insp6", "certificate_number": "ZJ-330106-0099", field: value}
    with pytest.raises(InvalidInput) as refused:
        lists.add_inspector(actor=crew.county, data=payload)
    assert refused.value.field == field
    assert not Inspector.objects.filter(user__username="xh_insp6").exists()


def test_deactivated_inspectors_are_not_eligible(crew):
    person = Inspector.objects.get(user=crew.i1)
    assert person in draw_pool.eligible_inspectors("330106")
    with pytest.raises(InvalidInput):
        lists.set_inspector_active(actor=crew.county, pk=person.pk, active=False, reason="")
    lists.set_inspector_active(actor=crew.county, pk=person.pk, active=False, reason="调离")
    assert person not in draw_pool.eligible_inspectors("330106")
    with pytest.raises(Conflict):
        lists.set_inspector_active(actor=crew.county, pk=person.pk, active=False, reason="again")
    with pytest.raises(NotFound):
        lists.set_inspector_active(actor=crew.other_county, pk=person.pk, active=True, reason="")
    lists.set_inspector_active(actor=crew.county, pk=person.pk, active=True, reason="")
    crew.i2.is_active = False  # a disabled account is not drawn either
    crew.i2.save()
    assert Inspector.objects.get(user=crew.i2) not in draw_pool.eligible_inspectors("330106")


def test_staff_record_and_inspectors_declare_their_own_conflicts(crew, firms):
    mine = Inspector.objects.get(user=crew.i1)
    theirs = Inspector.objects.get(user=crew.i2)
    recorded = lists.declare_conflict(
        actor=crew.county,
        data={
            "inspector": str(theirs.pk),
            "enterprise": firms.xihu[3].credit_code,
            "reason": "employment",
        },
    )
    declared = lists.declare_conflict(
        actor=crew.i1,
        data={
            "inspector": str(theirs.pk),  # ignored: an inspector declares for themself
            "enterprise": f"{firms.xihu[4].name}（{firms.xihu[4].credit_code}）",
            "reason": "relative",
        },
    )
    assert recorded.inspector == theirs and declared.inspector == mine
    assert list(lists.conflicts(crew.i1)) == [declared]  # an inspector sees their own only
    assert set(lists.conflicts(crew.county)) == {recorded, declared}
    assert not lists.conflicts(crew.other_county).exists()
    assert not lists.conflicts(firms.manager).exists()
    with pytest.raises(Conflict):
        lists.declare_conflict(
            actor=crew.i1,
            data={"enterprise": str(firms.xihu[4].pk), "reason": "interest", "note": "again"},
        )
    with pytest.raises(NotFound):  # not theirs to withdraw
        lists.withdraw_conflict(actor=crew.i1, pk=recorded.pk, reason="x")
    with pytest.raises(InvalidInput):
        lists.withdraw_conflict(actor=crew.i1, pk=declared.pk, reason="")
    lists.withdraw_conflict(actor=crew.i1, pk=declared.pk, reason="已离职三年以上")
    with pytest.raises(Conflict):
        lists.withdraw_conflict(actor=crew.county, pk=declared.pk, reason="again")
    entry = AuditEntry.objects.get(action="withdraw_conflict")
    assert entry.message == "已离职三年以上"
    with pytest.raises(Forbidden):
        lists.declare_conflict(actor=crew.viewer, data={"enterprise": "1", "reason": "relative"})
    with pytest.raises(Forbidden):
        lists.declare_conflict(actor=firms.manager, data={"enterprise": "1", "reason": "relative"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("enterprise", ""),
        ("enterprise", "999999999"),
        ("enterprise", "' OR 1=1 --"),
        ("enterprise", "x" * 300),
        ("reason", "hatred"),
        ("reason", ""),
        ("note", "n" * 201),
    ],
)
def test_hostile_conflict_input(crew, firms, field, value):
    payload = {"enterprise": firms.xihu[1].credit_code, "reason": "relative", field: value}
    with pytest.raises(InvalidInput) as refused:
        lists.declare_conflict(actor=crew.i1, data=payload)
    assert refused.value.field == field
    assert not Declared.objects.exists()


def test_other_interest_needs_a_note_and_other_county_firms_are_refused(crew, firms):
    with pytest.raises(InvalidInput) as refused:
        lists.declare_conflict(
            actor=crew.i1, data={"enterprise": str(firms.xihu[1].pk), "reason": "interest"}
        )
    assert refused.value.field == "note"
    with pytest.raises(InvalidInput) as refused:
        lists.declare_conflict(
            actor=crew.i1, data={"enterprise": firms.other.credit_code, "reason": "relative"}
        )
    assert refused.value.field == "enterprise"
    with pytest.raises(InvalidInput) as refused:  # staff: an inspector outside their pool
        lists.declare_conflict(
            actor=crew.county,
            data={
                "inspector": str(Inspector.objects.get(user=crew.other_inspector).pk),
                "enterprise": firms.xihu[1].credit_code,
                "reason": "relative",
            },
        )
    assert refused.value.field == "inspector"


def test_pool_and_conflict_pages(client, crew, firms, make_user):
    make_user("xh_insp7", "330106", "inspector")
    client.force_login(crew.county)
    page = client.get(reverse("enforcement-inspectors")).content.decode()
    assert "执法人员1" in page and "滨江执法人员" not in page and "xh_insp7" in page
    added = client.post(
        reverse("enforcement-inspectors"), {"user": "xh_insp7", "certificate_number": "ZJ-7777"}
    )
    assert added.status_code == 302 and Inspector.objects.filter(user__username="xh_insp7").exists()
    refused = client.post(
        reverse("enforcement-inspectors"), {"user": "xh_insp7", "certificate_number": "ZJ-7778"}
    )
    assert refused.status_code == 422 and 'data-field="user"' in refused.content.decode()
    person = Inspector.objects.get(user=crew.i3)
    off = client.post(
        reverse("enforcement-inspector-active", args=[person.pk]), {"active": "0", "reason": "借调"}
    )
    assert off.status_code == 302 and not Inspector.objects.get(pk=person.pk).active
    recorded = client.post(
        reverse("enforcement-conflicts"),
        {
            "inspector": str(person.pk),
            "enterprise": firms.xihu[2].credit_code,
            "reason": "employment",
        },
    )
    assert recorded.status_code == 302
    client.force_login(crew.i1)
    page = client.get(reverse("enforcement-conflict-declare")).content.decode()
    table = page.split('id="dj-conflicts"')[1]
    assert 'id="dj-declare"' in page and firms.xihu[2].name not in table  # not their conflict
    declared = client.post(
        reverse("enforcement-conflicts"),
        {"enterprise": firms.xihu[5].credit_code, "reason": "relative"},
    )
    assert declared.status_code == 302
    bad = client.post(reverse("enforcement-conflicts"), {"enterprise": "x" * 5000, "reason": "x"})
    assert bad.status_code == 422
    assert client.post(reverse("enforcement-inspectors"), {"user": "x"}).status_code == 403
    found = client.get(reverse("enforcement-enterprise-search"), {"q": firms.xihu[5].name[:4]})
    assert any(r["code"] == firms.xihu[5].credit_code for r in found.json()["results"])
    client.force_login(firms.manager)
    assert client.get(reverse("enforcement-conflicts")).status_code == 403
    assert client.get(reverse("enforcement-enterprise-search"), {"q": "西湖"}).json() == {
        "results": []
    }

"""Done-means 4, end to end through the real services: an enterprise with an open major hidden
hazard under 挂牌督办 shows a red safety code with that reason on its public page; closing the
hazard through the hazards workflow recomputes it, and the history keeps both colours.

The hazards app calls ``safety_code.refresh`` after every change (hazards/links.py); the
recompute runs when the change commits (``on_commit`` fixture), never before and never for a
change that is rolled back.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.enforcement.conftest import jpeg
from tests.enforcement.test_credit_facts import close_major, major_hazard
from yingji.core.models import Notification
from yingji.enforcement.models import SafetyCode, SafetyCodeChange
from yingji.enforcement.services import safety_code
from yingji.hazards.services import report

pytestmark = pytest.mark.django_db
REASON = "存在挂牌督办的重大事故隐患尚未销号"


def test_supervised_major_hazard_is_red_on_the_public_page_until_closed(
    crew, firms, on_commit, client
):
    own = firms.own
    with on_commit(execute=True):
        hazard = major_hazard(crew.county, own)
    code = SafetyCode.objects.get(pk=own.pk)
    assert code.colour == "red"
    assert [r["rule"] for r in code.reasons if r["colour"] == "red"] == ["R1"]

    page = client.get(f"/public/code/{code.token}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-colour="red"' in text and "红码" in text and REASON in text
    assert own.name in text

    with on_commit(execute=True):
        close_major(crew.county, hazard)
    code.refresh_from_db()
    assert code.colour != "red"
    assert all(r["rule"] != "R1" for r in code.reasons)
    page = client.get(f"/public/code/{code.token}/")
    text = page.content.decode()
    assert f'data-colour="{code.colour}"' in text and REASON not in text

    history = list(SafetyCodeChange.objects.filter(enterprise=own).order_by("at", "pk"))
    assert [(h.from_colour, h.to_colour) for h in history] == [("", "red"), ("red", code.colour)]
    assert REASON in history[0].reasons[0]["text"]
    assert all(REASON not in r["text"] for r in history[1].reasons)
    assert "隐患" in history[1].cause

    told = Notification.objects.filter(kind="safety_code_changed")
    assert {n.recipient for n in told} >= {firms.manager, crew.county}
    assert all(own.name in n.title for n in told)


def test_the_first_code_notifies_nobody_and_an_unchanged_colour_keeps_since(crew, firms, on_commit):
    own = firms.own
    with on_commit(execute=True):
        hazard = major_hazard(crew.county, own)
    first = SafetyCode.objects.get(pk=own.pk)
    assert not Notification.objects.filter(kind="safety_code_changed").exists()
    with on_commit(execute=True):  # still red: nothing new in the history
        report.add_evidence(actor=crew.county, pk=hazard.pk, kind="rectification", photos=[jpeg()])
        safety_code.refresh([own.pk], cause="again")
    again = SafetyCode.objects.get(pk=own.pk)
    assert (again.colour, again.since, again.token) == (first.colour, first.since, first.token)
    assert again.computed_at >= first.computed_at
    assert SafetyCodeChange.objects.filter(enterprise=own).count() == 1


def test_a_rolled_back_change_never_changes_a_code(crew, firms, on_commit):
    own = firms.own
    with on_commit(execute=True):
        try:
            with transaction.atomic():
                major_hazard(crew.county, own)
                raise RuntimeError("the caller fails after the hazard was listed")
        except RuntimeError:
            pass
    assert not SafetyCode.objects.filter(pk=own.pk).exists()
    assert not SafetyCodeChange.objects.filter(enterprise=own).exists()


def test_refresh_waits_for_the_commit(crew, firms, on_commit):
    own = firms.own
    with on_commit(execute=False) as pending:
        major_hazard(crew.county, own)
        assert not SafetyCode.objects.filter(pk=own.pk).exists()
    assert pending  # queued, to run once the caller's transaction commits
    for callback in pending:
        callback()
    assert SafetyCode.objects.get(pk=own.pk).colour == "red"

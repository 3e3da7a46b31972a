"""The warning lifecycle (issue 7, done means 1): draft → submitted → reviewed → issued →
updated → cancelled with three different people; separation of duties; illegal steps 409."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.alerts.conftest import draft, through
from yingji.alerts import services
from yingji.alerts.models import MsgType, State
from yingji.core.errors import Forbidden, InvalidInput, NotFound

NOW = timezone.now()


def test_alert_update_cancel_with_three_people(people):
    first = through(draft(people["duty"]), people)
    assert first.state == State.ISSUED and first.identifier.startswith("330106000")
    update = services.start_replacement(people["duty"], first.pk, MsgType.UPDATE)
    update = services.edit_draft(people["duty"], update.pk, {"level": 3, "headline": "升级为红色"})
    through(update, people)
    first.refresh_from_db()
    assert first.state == State.UPDATED and update.references_id == first.pk
    cancel = services.start_replacement(people["duty"], update.pk, MsgType.CANCEL)
    through(cancel, people)
    update.refresh_from_db()
    assert update.state == State.CANCELLED
    assert [e.action for e in first.events.all()] == [
        "create",
        "submit",
        "review",
        "issue",
        "updated",
    ]


def test_one_person_cannot_draft_review_and_issue(people):
    warning = draft(people["both"])
    services.act(people["both"], warning.pk, "submit")
    with pytest.raises(Forbidden, match="drafter cannot review"):
        services.act(people["both"], warning.pk, "review")
    services.act(people["reviewer"], warning.pk, "review")
    with pytest.raises(Forbidden, match="neither the drafter nor the reviewer"):
        services.act(people["both"], warning.pk, "issue")
    warning.refresh_from_db()
    assert warning.state == State.REVIEWED


def test_illegal_steps_and_bad_input_change_nothing(people):
    warning = draft(people["duty"])
    with pytest.raises(services.IllegalTransition, match="allowed now"):
        services.act(people["issuer"], warning.pk, "issue")
    with pytest.raises(InvalidInput, match="has no 蓝色 signal"):
        draft(people["duty"], event_type="heat", level=0)
    with pytest.raises(InvalidInput, match="expires must be after"):
        draft(people["duty"], expires=(NOW - dt.timedelta(hours=1)).isoformat())
    with pytest.raises(NotFound):
        draft(people["binjiang"])  # 西湖区 is not in 滨江's jurisdiction
    with pytest.raises(InvalidInput, match="polygon"):
        draft(people["duty"], areas=[{"description": "x", "polygon": [[30, 120], [31, 121]]}])
    services.act(people["duty"], warning.pk, "submit")
    with pytest.raises(InvalidInput, match="what must change"):
        services.act(people["reviewer"], warning.pk, "return")
    back = services.act(people["reviewer"], warning.pk, "return", note="补充影响区域")
    assert back.state == State.DRAFT


def test_expiry(people):
    warning = through(draft(people["duty"]), people)
    assert services.expire(NOW + dt.timedelta(hours=7)) == 1
    warning.refresh_from_db()
    assert warning.state == State.EXPIRED

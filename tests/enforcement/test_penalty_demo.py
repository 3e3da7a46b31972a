"""The penalty demo: the table and three decided cases (published, due, overdue), once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from yingji.enforcement import demo_penalty
from yingji.enforcement.models import DiscretionRule, PenaltyCase, Publication
from yingji.registry.models.enterprise import EnterpriseAccount


def test_demo_loads_three_cases_once(
    xihu_staff: Any, firms: SimpleNamespace, make_user: Any
) -> None:
    company = make_user("xihu_company", "330106002", "enterprise_user")
    EnterpriseAccount.objects.create(user=company, enterprise=firms.xihu[5])
    first = demo_penalty.load()
    assert first["cases"] == 3 and not first["skipped"], first
    assert first["rules"]["created"] == DiscretionRule.objects.count()
    today = timezone.localdate()
    items = Publication.objects.filter(case__synthetic=True)
    published = items.get(published_at__isnull=False)
    assert published.case.enterprise == firms.xihu[5]  # the demo enterprise user's own
    due = items.get(published_at__isnull=True, due_on__gte=today)
    overdue = items.get(published_at__isnull=True, due_on__lt=today)
    assert overdue.overdue_flagged_at is not None and due.overdue_flagged_at is None
    assert PenaltyCase.objects.filter(synthetic=True, state="decided").count() == 3
    again = demo_penalty.load()
    assert again["cases"] == 0 and again["rules"]["created"] == 0
    assert PenaltyCase.objects.count() == 3 and Publication.objects.count() == 3


def test_demo_without_its_user_says_so(db: None) -> None:
    counts = demo_penalty.load()
    assert counts["cases"] == 0 and "xihu_staff" in counts["skipped"][0]

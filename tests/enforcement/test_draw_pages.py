"""双随机 pages: home, pool, plan form → preview → draw → verify → void → replace, with the
service's refusals shown in the form (422/409) and scoping (404 for another county)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from yingji.enforcement.models import DrawPlan, InspectionTask, PlanState
from yingji.enforcement.services import draws
from yingji.risk import services as risk_services
from yingji.risk.models import CurrentRisk
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db


@pytest.fixture
def coloured(firms: Any) -> Any:
    risk_services.enterprises.assess(Selection(ids=tuple(f.pk for f in firms.xihu)), reason="t")
    CurrentRisk.objects.filter(enterprise__in=firms.xihu).update(colour=0)
    CurrentRisk.objects.filter(enterprise=firms.xihu[0]).update(colour=3)
    return firms


def form(item: Any, /, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {
        "title": "西湖区危化抽查",
        "item": str(item.pk),
        "region": "330106000000",
        "share": "5",
        "key_colours": ["red", "orange"],
        "per_entity": "2",
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=30)).isoformat(),
    }
    data.update(extra)
    return data


def test_create_preview_draw_verify_void_and_replace(client, crew, item, coloured):
    client.force_login(crew.county)
    page = client.get(reverse("enforcement-plan-new"))
    assert page.status_code == 200 and item.code in page.content.decode()
    created = client.post(reverse("enforcement-plan-new"), form(item))
    assert created.status_code == 302
    plan = DrawPlan.objects.get()
    detail = client.get(created.url).content.decode()
    assert 'id="dj-preview"' in detail and 'id="dj-pool-size">20<' in detail
    assert 'id="dj-key-count">1<' in detail and 'id="dj-sample">1<' in detail
    drawn = client.post(reverse("enforcement-plan-draw", args=[plan.pk]), {"seed": "page-seed"})
    assert drawn.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and plan.seed == "page-seed"
    detail = client.get(drawn.url).content.decode()
    assert plan.fingerprint in detail and "JC-330106-" in detail and 'id="dj-load"' in detail
    again = client.post(reverse("enforcement-plan-draw", args=[plan.pk]), {"seed": "x"})
    assert again.status_code == 409
    verify = client.get(reverse("enforcement-plan-verify", args=[plan.pk]), HTTP_HX_REQUEST="true")
    assert 'data-verify="identical"' in verify.content.decode()
    full = client.get(reverse("enforcement-plan-verify", args=[plan.pk]))
    assert 'data-verify="identical"' in full.content.decode()
    download = client.get(reverse("enforcement-plan-inputs", args=[plan.pk]))
    doc = json.loads(download.content)
    assert doc["seed"] == "page-seed" and doc["fingerprint"] == plan.fingerprint
    assert "attachment" in download["Content-Disposition"]
    refused = client.post(reverse("enforcement-plan-void", args=[plan.pk]), {"reason": ""})
    assert refused.status_code == 422 and 'data-field="reason"' in refused.content.decode()
    voided = client.post(reverse("enforcement-plan-void", args=[plan.pk]), {"reason": "名录有误"})
    assert voided.status_code == 302
    assert set(InspectionTask.objects.filter(plan=plan).values_list("state", flat=True)) == {
        "cancelled"
    }
    page = client.get(voided.url).content.decode()
    assert "名录有误" in page and f"?replaces={plan.pk}" in page
    redo = client.post(reverse("enforcement-plan-new"), form(item, replaces=str(plan.pk)))
    assert redo.status_code == 302
    new = DrawPlan.objects.get(replaces=plan)
    assert plan.code in client.get(redo.url).content.decode()
    assert new.code in client.get(voided.url).content.decode()  # and back: "replaced by"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("share", "1e308"),
        ("share", "-5"),
        ("share", "4.9"),
        ("share", "abc"),
        ("per_entity", "1"),
        ("per_entity", "99"),
        ("title", "x" * 10_000),
        ("item", "999999"),
        ("item", "1' OR '1'='1"),
        ("region", "330108"),
        ("due_on", "not a date"),
        ("key_colours", ["purple"]),
        ("industries", "'; DROP TABLE x;--"),
        ("colours", ["black"]),
    ],
)
def test_hostile_plan_form_is_refused_naming_the_field(client, crew, item, field, value):
    client.force_login(crew.county)
    response = client.post(reverse("enforcement-plan-new"), form(item, **{field: value}))
    assert response.status_code == 422
    assert 'class="error hz-failure"' in response.content.decode()
    assert not DrawPlan.objects.exists()


def test_hostile_seed_on_the_page(client, crew, item, coloured):
    client.force_login(crew.county)
    client.post(reverse("enforcement-plan-new"), form(item))
    plan = DrawPlan.objects.get()
    response = client.post(reverse("enforcement-plan-draw", args=[plan.pk]), {"seed": "s" * 5000})
    assert response.status_code == 422 and 'data-field="seed"' in response.content.decode()
    assert DrawPlan.objects.get().state == PlanState.DRAFT


def test_scoping_of_plan_pages(client, crew, item, coloured, firms):
    today = timezone.localdate()
    plan = draws.create_plan(
        actor=crew.county, data={"title": "t", "item": item.pk, "starts_on": today, "due_on": today}
    )
    client.force_login(crew.other_county)
    for name in ("enforcement-plan", "enforcement-plan-verify", "enforcement-plan-inputs"):
        assert client.get(reverse(name, args=[plan.pk])).status_code == 404
    assert client.post(reverse("enforcement-plan-draw", args=[plan.pk])).status_code == 404
    assert plan.code not in client.get(reverse("enforcement-plans")).content.decode()
    client.force_login(crew.viewer)  # reads, cannot draw
    assert client.get(reverse("enforcement-plan", args=[plan.pk])).status_code == 200
    assert client.post(reverse("enforcement-plan-draw", args=[plan.pk])).status_code == 403
    assert client.get(reverse("enforcement-plan-new")).status_code == 403
    client.force_login(firms.manager)  # an enterprise: no plans, no pool
    assert client.get(reverse("enforcement-plan", args=[plan.pk])).status_code == 404
    assert client.get(reverse("enforcement-plans")).status_code == 403
    assert client.get(reverse("enforcement-pool")).status_code == 403


def test_home_for_staff_inspector_and_enterprise(client, crew, item, coloured, firms):
    client.force_login(crew.county)
    page = client.get(reverse("enforcement-home"))
    assert page.status_code == 200 and 'data-kind="staff"' in page.content.decode()
    client.force_login(firms.manager)
    page = client.get(reverse("enforcement-home")).content.decode()
    assert 'data-kind="enterprise"' in page and firms.own.name in page
    assert 'id="dj-plans"' not in page
    client.force_login(crew.i1)
    page = client.get(reverse("enforcement-home"))
    try:
        tasks = reverse("enforcement-tasks")
    except Exception:  # the inspection part not mounted yet: the inspector's own summary
        assert 'data-kind="inspector"' in page.content.decode()
    else:
        assert page.status_code == 302 and page.url == tasks


def test_pool_page_counts_and_filters(client, crew, item, coloured):
    client.force_login(crew.county)
    page = client.get(reverse("enforcement-pool"), {"item": item.pk}).content.decode()
    assert 'data-colour="red"><b><span class="dj-dot dj-c-red"></span>1<' in page
    page = client.get(reverse("enforcement-pool"), {"item": item.pk, "colours": "red"})
    assert page.content.decode().count("<tr>\n      <td>") == 1
    bad = client.get(reverse("enforcement-pool"), {"item": item.pk, "industries": "Z9; --"})
    assert bad.status_code == 422
    bad = client.get(reverse("enforcement-pool"), {"item": "99999999"})
    assert bad.status_code == 422

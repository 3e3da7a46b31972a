"""The plan library: drafts, versions with their roles and actions copied, approval retiring
the previous version (one current version per code, also as a database constraint), search,
jurisdiction scoping, the Word export read back with python-docx, the Excel export, and the
demo library marked as illustrative examples."""

from __future__ import annotations

import io

import docx
import pytest
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from yingji.core import exports as core_exports
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.plans import export_specs, selectors, services
from yingji.plans.models import Plan, Status
from yingji.plans.services import export

from .conftest import county_plan


def test_versions_copy_roles_and_actions_and_one_is_current(people):
    v1 = county_plan(people.county)
    assert (v1.status, v1.version, v1.region_path) == ("draft", 1, "330106")
    with pytest.raises(Conflict):
        county_plan(people.county)  # the code is taken: version it instead
    services.approve(people.county, v1.pk)
    v2 = services.new_version(people.county, v1.pk)
    assert (v2.version, v2.status, v2.supersedes_id) == (2, "draft", v1.pk)
    assert list(v2.roles.values_list("name", flat=True)) == ["指挥长", "转移安置组"]
    assert v2.actions.count() == 3
    with pytest.raises(Conflict) as twice:
        services.new_version(people.county, v1.pk)
    assert twice.value.code == "draft_exists"
    services.update_draft(people.county, v2.pk, {"title": "西湖区防汛防台应急预案（2026修订）",
                                                 "condition_ii": "超强台风影响西湖区"})  # fmt: skip
    services.approve(people.county, v2.pk)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("retired", "current") and v1.retired_at is not None
    assert v2.approved_by == people.county and v2.defined_levels == [0, 1, 2]
    assert Plan.objects.filter(code="XH-FXFT", status=Status.CURRENT).count() == 1
    with pytest.raises(Conflict):
        services.update_draft(people.county, v2.pk, {"title": "改"})  # current: not editable
    with pytest.raises(Conflict):
        services.approve(people.county, v1.pk)


def test_the_database_allows_one_current_version_per_code(people):
    plan = county_plan(people.county)
    services.approve(people.county, plan.pk)
    copy = services.new_version(people.county, plan.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=copy.pk).update(status=Status.CURRENT)


def test_a_draft_is_edited_whole_or_not_at_all(people):
    plan = county_plan(people.county)
    bad_actions = [{"from_level": 0, "title": "值班", "role": "指挥长"},
                   {"from_level": 0, "title": "巡查", "role": "不存在的组"}]  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        services.update_draft(people.county, plan.pk, {"title": "新标题", "actions": bad_actions})
    assert caught.value.field == "actions" and "Row 2" in caught.value.message
    with pytest.raises(InvalidInput) as used:
        services.update_draft(people.county, plan.pk, {"roles": [{"name": "指挥长"}]})
    assert used.value.field == "roles"  # 转移安置组 still has actions
    plan.refresh_from_db()
    assert plan.title == "西湖区防汛防台应急预案" and plan.actions.count() == 3
    services.update_draft(people.county, plan.pk, {
        "roles": [{"name": "指挥长"}], "actions": bad_actions[:1], "event_types": "flood,typhoon",
    })  # fmt: skip
    plan.refresh_from_db()
    assert plan.event_types == "typhoon,flood" and plan.actions.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "防汛"}, "code"),
        ({"code": "x"}, "code"),
        ({"title": ""}, "title"),
        ({"title": "预" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"kind": "secret"}, "kind"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["typhoon", "tsunami"]}, "event_types"),
        ({"event_types": "fire,"}, None),  # accepted: a trailing comma is nothing
        ({"region": "abc"}, "region"),
        ({"region": "330108"}, "region"),
        ({"colour": "red"}, "colour"),
        ({"roles": "指挥长"}, "roles"),
        ({"roles": [{"name": "指挥长"}, {"name": "指挥长"}]}, "roles"),
        ({"actions": [{"from_level": 5, "title": "t", "role": "指挥长"}]}, "actions"),
        (
            {"actions": [{"from_level": 0, "title": "t", "role": "指挥长", "offset_minutes": -5}]},
            "actions",
        ),
        (
            {"actions": [{"from_level": 0, "title": "t", "role": "指挥长", "offset_minutes": "²"}]},
            "actions",
        ),
        (
            {"actions": [{"from_level": 0, "title": "t", "role": "指挥长", "priority": 9}]},
            "actions",
        ),
    ],
)
def test_bad_drafts_are_refused_naming_the_field(people, changes, field):
    if field is None:
        county_plan(people.county, **changes)
        return
    with pytest.raises((InvalidInput, NotFound)) as caught:
        county_plan(people.county, **changes)
    assert caught.value.field == field
    assert not Plan.objects.exists()


def test_who_sees_and_manages_which_plans(library, people):
    mine = county_plan(people.county)
    # The county sees the province's current plans and its own draft; 滨江 not that draft.
    seen = set(selectors.visible(people.county).values_list("code", flat=True))
    assert {"ZJ-FXFT", "XH-FXFT"} <= seen
    assert "XH-FXFT" not in set(selectors.visible(people.other).values_list("code", flat=True))
    with pytest.raises(NotFound):
        services.approve(people.other, mine.pk)
    with pytest.raises(Forbidden):
        services.new_version(people.county, library["ZJ-FXFT"].pk)  # the province's plan
    with pytest.raises(Forbidden):
        services.approve(people.duty, mine.pk)  # a duty officer does not manage plans
    province_draft = services.new_version(people.province, library["ZJ-DZ"].pk)
    with pytest.raises(NotFound):
        selectors.get_plan(people.county, province_draft.pk)  # a higher office's draft


def test_search(library, people):
    def codes(**filters):
        return [p.code for p in selectors.search(people.county, **filters)]

    assert codes(event_type="typhoon") == ["ZJ-FXFT", "ZJ-ZT"]
    assert codes(event_type="fire") == ["ZJ-ZT"]  # not 森林火灾 (forest_fire) by substring
    assert codes(q="地质") == ["ZJ-DZZH"]
    assert codes(kind="general") == ["ZJ-ZT"]
    assert len(codes(status="current", region="33")) == 7
    assert codes(region="330108") == []
    for bad, field in [({"event_type": "meteor"}, "event_type"), ({"kind": "x"}, "kind"),
                       ({"status": "old"}, "status"), ({"region": "3301x"}, "region")]:  # fmt: skip
        with pytest.raises(InvalidInput) as caught:
            codes(**bad)
        assert caught.value.field == field
    assert codes(q="' OR 1=1 --") == []


def test_the_demo_library_is_marked_as_illustrative(library):
    assert set(library) == {"ZJ-ZT", "ZJ-FXFT", "ZJ-DZZH", "ZJ-SLHZ", "ZJ-WHP", "ZJ-DZ",
                            "ZJ-SCAQ"}  # fmt: skip
    for plan in library.values():
        assert plan.synthetic and plan.title.endswith("（示例）")
        assert "并非官方发布的预案文本" in plan.scope
        assert plan.defined_levels == [0, 1, 2, 3]
        assert all(plan.condition(level).startswith("【示例") for level in range(4))
        levels = set(plan.actions.values_list("from_level", flat=True))
        assert levels == {0, 1, 2, 3} and 8 <= plan.actions.count() <= 20
        roles = set(plan.roles.values_list("name", flat=True))
        assert set(plan.actions.values_list("role", flat=True)) <= roles


def test_the_word_export_reads_back(library, people):
    plan = library["ZJ-FXFT"]
    _found, content = export.plan_docx(people.viewer, plan.pk)
    document = docx.Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert plan.title in text and "并非官方发布的预案文本" in text
    assert "Ⅱ级响应" in text
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert set(plan.actions.values_list("title", flat=True)) <= cells
    assert {"转移安置组", "指挥长", "3小时内", "30分钟内"} <= cells
    with pytest.raises(NotFound):
        export.plan_docx(people.other, county_plan(people.county).pk)


def test_the_library_exports_to_excel(library, people, tmp_path):
    county_plan(people.county)
    rows = core_exports.write_workbook(export_specs.PLANS, people.county,
                                       {"event_type": "typhoon"}, tmp_path / "p.xlsx")  # fmt: skip
    values = list(load_workbook(tmp_path / "p.xlsx").active.iter_rows(values_only=True))
    assert rows == 3 == len(values) - 1
    assert {row[0] for row in values[1:]} == {"ZJ-FXFT", "ZJ-ZT", "XH-FXFT"}
    other = core_exports.write_workbook(export_specs.PLANS, people.other, {}, tmp_path / "o.xlsx")
    assert other == 7  # the province's plans, not 西湖's draft

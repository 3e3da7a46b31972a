"""防御指南 (defence guides): the decree's text ships and is loaded at migrate; the drafting
form offers it; the provincial bureau edits it (audited), a county cannot; `yingji warnings
load-guides` loads a file, refusing a bad one whole."""

from __future__ import annotations

import json

import pytest

from yingji import cli
from yingji.alerts import forms
from yingji.alerts.models import Guidance
from yingji.alerts.services import guides
from yingji.core.audit import AuditEntry
from yingji.core.errors import Forbidden, InvalidInput


@pytest.fixture
def province_reviewer(make_user):
    return make_user("zj_reviewer", "33", "warning_reviewer")


def test_the_decrees_guides_are_there_after_migrate(db):
    red = Guidance.objects.get(event_type="typhoon", level=3)
    assert red.instruction.startswith("1．政府及相关部门按照职责做好防台风应急和抢险工作")
    assert "中国气象局令第16号" in red.source
    assert Guidance.objects.filter(event_type="rainstorm").count() == 4
    offered = {t["code"]: t["guidance"] for t in forms.type_options()}
    assert offered["rainstorm"]["2"].startswith("1．政府及相关部门按照职责做好防暴雨应急工作")


def test_the_bureau_edits_a_guide_and_a_reload_keeps_the_edit(province_reviewer):
    guides.edit(province_reviewer, "gale", 1, "  1．加固易被风吹动的搭建物。  ")
    guide = Guidance.objects.get(event_type="gale", level=1)
    assert guide.instruction == "1．加固易被风吹动的搭建物。"
    assert guide.updated_by == province_reviewer
    assert AuditEntry.objects.filter(action="create", object_id=str(guide.pk)).exists()
    guides.edit(province_reviewer, "typhoon", 0, "本省修订文本")
    assert guides.load()["kept"] == 8
    assert Guidance.objects.get(event_type="typhoon", level=0).instruction == "本省修订文本"
    guides.edit(province_reviewer, "gale", 1, "")
    assert not Guidance.objects.filter(event_type="gale", level=1).exists()


def test_a_county_or_a_drafter_cannot_edit_and_bad_text_is_refused(make_user, province_reviewer):
    county = make_user("xihu_reviewer", "330106", "warning_reviewer")
    with pytest.raises(Forbidden):
        guides.edit(county, "gale", 1, "x")
    with pytest.raises(Forbidden):
        guides.edit(make_user("zj_duty", "33", "duty_officer"), "gale", 1, "x")
    for event_type, level, text in (("gale", 9, "x"), ("nonsense", 1, "x"),
                                    ("drought", 0, "x"),  # 干旱 has no 蓝
                                    ("gale", 1, "x" * 4001), ("gale", 1, "a\x00b")):  # fmt: skip
        with pytest.raises(InvalidInput):
            guides.edit(province_reviewer, event_type, level, text)
    assert not Guidance.objects.filter(event_type="gale").exists()


def test_the_page_lists_every_signal_and_only_the_bureau_sees_edit_links(
    client, login, province_reviewer, make_user
):
    login(province_reviewer)
    page = client.get("/alerts/guides/").content.decode()
    assert page.count('<tr class="al-head-') == sum(len(t["levels"]) for t in forms.type_options())
    assert "/alerts/guides/gale/1/" in page
    saved = client.post("/alerts/guides/gale/1/", {"instruction": "1．停止高空作业。"})
    assert saved.status_code == 302
    assert Guidance.objects.get(event_type="gale", level=1).instruction == "1．停止高空作业。"
    login(make_user("xihu_duty", "330106", "duty_officer"))
    assert "/alerts/guides/gale/1/" not in client.get("/alerts/guides/").content.decode()
    assert client.post("/alerts/guides/gale/1/", {"instruction": "x"}).status_code == 403
    assert client.get("/alerts/guides/gale/9/").status_code == 404


def test_load_guides_cli_loads_a_file_and_refuses_a_bad_one_whole(db, tmp_path, capsys):
    good = tmp_path / "guides.json"
    good.write_text(json.dumps({"source": "浙江省气象局", "guides": [
        {"event_type": "gale", "level": 1, "instruction": "1．加固搭建物。"},
        {"event_type": "typhoon", "level": 3, "instruction": "替换文本"},
    ]}), encoding="utf-8")  # fmt: skip
    assert cli.main(["warnings", "load-guides", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"created": 1, "replaced": 0, "kept": 1}
    assert cli.main(["warnings", "load-guides", str(good), "--replace", "--json"]) == 0
    assert Guidance.objects.get(event_type="typhoon", level=3).instruction == "替换文本"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"guides": [
        {"event_type": "fog", "level": 1, "instruction": "1．减速慢行。"},
        {"event_type": "fog", "level": 0, "instruction": "大雾没有蓝色"},
    ]}), encoding="utf-8")  # fmt: skip
    assert cli.main(["warnings", "load-guides", str(bad)]) == 2
    assert "fog" in capsys.readouterr().err
    assert not Guidance.objects.filter(event_type="fog").exists()
    for hostile in (b"\xff\xfe not json", b'{"guides": 5}', b"[" * 100000, b" " * 3_000_000):
        bad.write_bytes(hostile)
        assert cli.main(["warnings", "load-guides", str(bad)]) == 2

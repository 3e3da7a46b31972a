"""`yingji risk assess [--region CODE] [--json]`."""

from __future__ import annotations

import json

import pytest

from yingji import cli
from yingji.risk.models import ControlIndex, CurrentRisk

pytestmark = pytest.mark.django_db


def test_region_run_assesses_only_that_county(make_enterprise, capsys):
    xihu = make_enterprise(facts={"open_major_hazards": 1})
    make_enterprise(region="330108001")
    assert cli.main(["risk", "assess", "--region", "330106", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["enterprises"]["assessed"] == 1
    assert summary["enterprises"]["colours"]["orange"] == 1
    assert "areas" not in summary
    assert list(CurrentRisk.objects.values_list("enterprise_id", flat=True)) == [xihu.pk]


def test_full_run_without_area_inputs_still_scores_and_says_what_was_skipped(
    make_enterprise, capsys
):
    make_enterprise(facts={"hazards_found_12m": 4, "hazards_rectified_12m": 4})
    assert cli.main(["risk", "assess"]) == 0
    out = capsys.readouterr().out
    assert "enterprises: 1 assessed" in out
    assert "area risk: skipped" in out
    assert "control index: 1 counties" in out
    assert ControlIndex.objects.count() == 1


@pytest.mark.parametrize("region", ["999999", "abc", "33' OR 1=1"])
def test_unknown_region_exits_2_with_one_line(region, capsys):
    assert cli.main(["risk", "assess", "--region", region]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "no region" in err

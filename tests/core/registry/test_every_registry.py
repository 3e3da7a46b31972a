"""Every registry, through the generic mechanism, on the demo province (Done means 1 and 4).

One test loads the deterministic demo province inside its transaction and checks, for every
registered entity, that a county user sees only its county's rows — in the list API, the list
page, the detail endpoint and the Excel export.
"""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from yingji.cli import main
from yingji.core import exports
from yingji.core.registry import selectors
from yingji.core.registry import spec as specs
from yingji.registry import demo


def _path_of(spec, obj) -> str:
    value = obj
    for part in spec.model.scope_path_field.split("__"):
        value = getattr(value, part)
    return value


@pytest.mark.slow
def test_every_registry_is_scoped_and_the_demo_has_the_plan_sizes(
    client, xihu_staff, tmp_path, capsys
):
    counts = demo.load()
    assert counts["shelters"] == 9210
    assert counts["disaster_prone_villages"] == 16_400
    assert main(["registry", "summary", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["shelters"] == 9210
    for spec in specs.all_specs():
        assert summary[spec.name] == counts.get(spec.name, 0), spec.name

    client.force_login(xihu_staff)
    for spec in specs.all_specs():
        everything = selectors.records(None, spec)
        mine = [o for o in everything if _path_of(spec, o).startswith("330106")]
        listed = client.get(f"/api/registry/{spec.name}/?limit=500").json()
        assert listed["count"] == len(mine), spec.name
        assert {item["id"] for item in listed["items"]} <= {o.pk for o in mine}, spec.name
        elsewhere = next((o for o in everything if not _path_of(spec, o).startswith("330106")),
                         None)  # fmt: skip
        if elsewhere is not None:
            assert client.get(f"/api/registry/{spec.name}/{elsewhere.pk}").status_code == 404
            assert client.get(f"/registry/{spec.name}/{elsewhere.pk}/").status_code == 404
        out = tmp_path / f"{spec.name}.xlsx"
        written = exports.write_workbook(exports.get(f"registry.{spec.name}"), xihu_staff, {},
                                         out)  # fmt: skip
        assert written == len(mine), spec.name
        assert sum(1 for _ in load_workbook(out, read_only=True).active.rows) == len(mine) + 1

"""`yingji risk gb18218 FILE.json [--json]`: grading from a file, one clear line on bad input."""

from __future__ import annotations

import argparse
import json

import pytest

from yingji import cli, cli_risk

ISSUE_EXAMPLE = {
    "people_within_500m": 60,
    "units": [
        {
            "name": "储罐区",
            "kind": "storage",
            "chemicals": [
                {"cas": "7782-50-5", "quantity_t": 30},
                {"name": "液氨", "quantity_t": 50},
                {"name": "甲醇", "quantity_t": 1000, "category": "W5.3"},
            ],
        },
        {"name": "装卸区", "chemicals": [{"name": "柴油", "quantity_t": 100, "category": "W5.4"}]},
    ],
}


def _no_database():
    raise AssertionError("yingji risk gb18218 must not set up Django")


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """Run `yingji risk gb18218` on a file through `yingji.cli.main` (its error handling)."""

    def parser():
        top = argparse.ArgumentParser(prog="yingji")
        cli_risk.add_parser(top.add_subparsers(dest="command", required=True), _no_database, None)
        return top

    monkeypatch.setattr(cli, "build_parser", parser)

    def invoke(content, *flags):
        path = tmp_path / "source.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
            path.write_text(text, encoding="utf-8")
        code = cli.main(["risk", "gb18218", str(path), *flags])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_issue_example_gives_the_expected_json(run):
    code, out, err = run(ISSUE_EXAMPLE, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "units": [
            {
                "name": "储罐区",
                "S": 13.0,
                "is_major": True,
                "alpha": 1.5,
                "R": 54.0,
                "grade": "二级",
                "terms": [
                    {"chemical": "氯", "cas": "7782-50-5", "q": 30.0, "Q": 5.0, "beta": 4.0,
                     "Q_source": "表1", "beta_source": "表3"},
                    {"chemical": "氨", "cas": "7664-41-7", "q": 50.0, "Q": 10.0, "beta": 2.0,
                     "Q_source": "表1", "beta_source": "表3"},
                    {"chemical": "甲醇", "cas": "67-56-1", "q": 1000.0, "Q": 500.0, "beta": 1.0,
                     "Q_source": "表1", "beta_source": "表4 W5.3"},
                ],
            },
            {
                "name": "装卸区",
                "S": 0.02,
                "is_major": False,
                "alpha": 1.5,
                "R": None,
                "grade": None,
                "terms": [
                    {"chemical": "柴油", "cas": None, "q": 100.0, "Q": 5000.0, "beta": 1.0,
                     "Q_source": "表2 W5.4", "beta_source": "表4 W5.4"},
                ],
            },
        ]
    }  # fmt: skip


def test_table_output_shows_the_verdict_and_each_term(run):
    code, out, _err = run(ISSUE_EXAMPLE)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "储罐区: S = 13 重大危险源, α = 1.5, R = 54 二级"
    assert lines[3].split() == ["氨", "[液氨]", "7664-41-7", "50", "10", "表1", "2", "表3", "10"]
    assert "装卸区: S = 0.02 不构成重大危险源, α = 1.5" in lines
    assert "R =" not in out.split("装卸区")[1]


def test_byte_order_mark_and_full_width_input_are_accepted(run):
    chemicals = [
        {"name": "氯化氢（无水）", "quantity_t": 20},
        {"cas": "７７８２－５０－５", "quantity_t": 0},
    ]
    source = {"people_within_500m": 0, "units": [{"name": "A", "chemicals": chemicals}]}
    text = json.dumps(source, ensure_ascii=False)
    code, out, err = run(("\ufeff" + text).encode("utf-8"), "--json")
    assert (code, err) == (0, "")
    unit = json.loads(out)["units"][0]
    assert (unit["S"], unit["R"], unit["grade"]) == (1.0, 1.5, "四级")  # 0.5 × 3 × 20/20


def _unit(*chemicals, people=10):
    return {"people_within_500m": people, "units": [{"name": "罐区", "chemicals": list(chemicals)}]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (Expecting property name"),
        ("", "not valid JSON"),
        ("[1, 2]".encode("utf-16"), "not UTF-8"),
        ("[]", "the file: must be an object with people_within_500m, units"),
        ({"units": []}, "people_within_500m: missing"),
        ({"people_within_500m": -1, "units": []}, "people_within_500m: must be a whole number"),
        ({"people_within_500m": "60", "units": []}, 'must be a whole number ≥ 0, not "60"'),
        ({"people_within_500m": 6.5, "units": []}, "must be a whole number ≥ 0, not 6.5"),
        ({"people_within_500m": 6}, "units: must be a non-empty list"),
        ({"people_within_500m": 6, "units": []}, "units: must be a non-empty list"),
        ({"people_within_500m": 6, "units": [], "extra": 1}, "unknown field 'extra'"),
        ({"people_within_500m": 6, "units": ["罐区"]}, "units[0]: must be an object"),
        ({"people_within_500m": 6, "units": [{"chemicals": []}]}, "units[0].name: must be"),
        ({"people_within_500m": 6, "units": [{"name": "A", "kind": "tank", "chemicals": []}]},
         'units[0].kind: must be production or storage, not "tank"'),
        ({"people_within_500m": 6, "units": [{"name": "A", "kind": ["storage"]}]},
         'units[0].kind: must be production or storage, not ["storage"]'),
        ({"people_within_500m": 6, "units": [{"name": "A"}]}, "units[0] (A).chemicals: must be"),
        (_unit({"name": "液氯"}), "units[0] (罐区).chemicals[0].quantity_t: missing"),
        (_unit({"quantity_t": 3}), "units[0] (罐区).chemicals[0]: needs a cas or a name"),
        (_unit({"name": "液氯", "quantity": 3}), "chemicals[0]: unknown field 'quantity'"),
        (_unit({"name": 7, "quantity_t": 3}), "chemicals[0].name: must be text, not 7"),
        (_unit({"name": "液氯", "quantity_t": "30"}), 'must be a number of tonnes, not "30"'),
        (_unit({"name": "液氯", "quantity_t": True}), "quantity_t: must be a number of tonnes"),
        (_unit({"name": "液氯", "quantity_t": -30}), "units[0] (罐区): 液氯: quantity must be ≥ 0"),
        ('{"people_within_500m": 1, "units": [{"name": "A", "chemicals": '
         '[{"name": "液氯", "quantity_t": NaN}]}]}', "液氯: quantity must be a finite number"),
        ('{"people_within_500m": 1, "units": [{"name": "A", "chemicals": '
         '[{"name": "液氯", "quantity_t": 1e999}]}]}', "液氯: quantity must be a finite number"),
        (_unit({"name": "柴油", "quantity_t": 100}), "(罐区): 柴油: not in GB 18218 Table"),
        (_unit({"name": "柴油", "quantity_t": 1, "category": "W99"}), "'W99' is not a GB 18218"),
        (_unit({"name": "柴油", "quantity_t": 1, "category": 5}), "category: must be a code"),
        (_unit({"cas": "7782-50-4", "quantity_t": 1}), "CAS number '7782-50-4' check digit is 4"),
        (_unit({"cas": "7664-41-7", "name": "液氯", "quantity_t": 1}), "name is GB 18218 表1 氯"),
    ],
)  # fmt: skip
def test_malformed_file_exits_2_with_one_line_and_nothing_on_stdout(run, content, message):
    code, out, err = run(content, "--json")
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1
    assert message in err


def test_missing_file_exits_2(monkeypatch, capsys, tmp_path):
    top = argparse.ArgumentParser(prog="yingji")
    cli_risk.add_parser(top.add_subparsers(dest="command", required=True), _no_database, None)
    monkeypatch.setattr(cli, "build_parser", lambda: top)
    assert cli.main(["risk", "gb18218", str(tmp_path / "nowhere.json")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: cannot read ") and "nowhere.json" in err

"""`yingji accidents grade`: the Decree 493 grade as JSON; bad figures exit 2 with the reason."""

from __future__ import annotations

import json

import pytest

from yingji import cli


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--dead", "2", "--seriously-injured", "10"], {"grade": "较大",
                                                       "decided_by": ["seriously_injured"]}),
        (["--dead", "10"], {"grade": "重大", "decided_by": ["dead"]}),
        (["--loss-yuan", "100,000,000"], {"grade": "特别重大", "decided_by": ["loss_yuan"]}),
        ([], {"grade": "一般", "decided_by": []}),
    ],
)  # fmt: skip
def test_grade_prints_the_grade_and_what_decided_it(args, expected, capsys):
    assert cli.main(["accidents", "grade", *args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected


@pytest.mark.parametrize(
    "args",
    [["--dead", "-1"], ["--dead", "2.5"], ["--seriously-injured", "x"], ["--loss-yuan", "nan"],
     ["--loss-yuan", "-5"], ["--loss-yuan", "1" * 40], ["--dead", "9" * 20]],
)  # fmt: skip
def test_bad_figures_exit_2_naming_the_argument(args, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["accidents", "grade", *args, "--json"])
    assert stopped.value.code == 2
    assert args[0] in capsys.readouterr().err

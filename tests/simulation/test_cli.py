"""`yingji simulate typhoon`: arguments checked before anything runs; --json prints JSON only."""

from __future__ import annotations

import argparse
import json

import pytest

from yingji import cli_simulate
from yingji.cli_errors import CommandError
from yingji.simulation import services


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="yingji")
    cli_simulate.add_parser(parser.add_subparsers(dest="command"), lambda: None)
    return parser.parse_args(["simulate", "typhoon", *argv])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--track", "haiyan-2013"], "--track: unknown track 'haiyan-2013'"),
        (["--scale", "country"], "--scale: must be small or province"),
        (["--speed", "-2"], "--speed: must be 0"),
        (["--speed", "fast"], "--speed: not a number"),
        (["--seed", "1.5"], "--seed: must be a whole number"),
        (["--seed", "-1"], "--seed: must be a whole number"),
        (["--scope", "110101"], "--scope: a Zhejiang region code"),
        (["--scope", "33'; DROP TABLE x"], "--scope: a Zhejiang region code"),
        (["--from", "yesterday"], "--from: not an ISO 8601 time"),
        (["--to", "2019-13-40T00:00Z"], "--to: not an ISO 8601 time"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message):
    args = parse(*argv)
    with pytest.raises(CommandError) as caught:
        args.func(args)  # CommandError is what `yingji` turns into exit 2 and one line
    text = str(caught.value)
    assert text.startswith(message) and "\n" not in text


def test_a_county_and_window_are_read():
    args = parse("--scope", "331081", "--from", "2019-08-09T15:00:00Z", "--to", "2019-08-09T21:00Z")
    assert cli_simulate.checked(args) == {
        "track": "lekima-2019", "scale": "small", "speed": 0.0, "seed": 1, "scope": "331081",
        "start": "2019-08-09T15:00:00Z", "end": "2019-08-09T21:00Z",
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2019-08-09T21:00:00Z", "2019-08-09T15:00:00Z"),  # backwards
        ("2019-07-01T00:00:00Z", "2019-07-02T00:00:00Z"),  # before the track begins
    ],
)
def test_a_window_outside_the_track_or_backwards_is_refused(start, end):
    with pytest.raises(ValueError, match="replay window"):
        services.run_typhoon(scope="331081", start=start, end=end)


def test_good_arguments_are_read():
    args = parse("--scale", "province", "--speed", "600", "--seed", "42")
    assert cli_simulate.checked(args) == {
        "track": "lekima-2019", "scale": "province", "speed": 600.0, "seed": 42,
    }  # fmt: skip


@pytest.mark.django_db
def test_json_prints_the_summary_and_nothing_else(tiny_scope, monkeypatch, capsys):
    start, end = tiny_scope["window"]
    monkeypatch.setitem(services.SCALES, "small", services.Scale(tiny_scope["county"], start, end))
    args = parse("--seed", "3", "--json")
    assert args.func(args) == 0
    out = capsys.readouterr().out
    summary = json.loads(out)
    assert summary["seed"] == 3 and summary["scope"] == tiny_scope["county"]
    assert set(summary["warnings_by_level"]) == {"blue", "yellow", "orange", "red"}

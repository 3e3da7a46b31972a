"""The `yingji` command line."""

from __future__ import annotations

import json

import pytest

from yingji.cli import main
from yingji.core.models import ApiToken, User


def test_regions_summary_json(db, capsys):
    assert main(["regions", "summary", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert set(counts) == {"province", "city", "county", "township", "village"}
    assert (counts["province"], counts["city"], counts["county"]) == (1, 11, 90)
    assert counts["township"] >= 1350 and counts["village"] >= 25000


def test_createuser_reads_password_from_stdin(db, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-pass-42\n"))
    code = main(
        ["createuser", "duty1", "--region", "330106", "--role", "duty_officer", "--password-stdin"]
    )
    assert code == 0
    user = User.objects.get(username="duty1")
    assert user.check_password("a-long-enough-pass-42")
    assert user.region.name == "西湖区"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["createuser", "user_x1", "--region", "339999", "--password-stdin"], "region: No region"),
        (
            ["createuser", "user_x2", "--region", "33x", "--password-stdin"],
            "region: Invalid region",
        ),
        (
            [
                "createuser",
                "user_x3",
                "--region",
                "330106",
                "--role",
                "emperor",
                "--password-stdin",
            ],
            "roles: Unknown role",
        ),
        (
            [
                "createuser",
                "user_x4",
                "--region",
                "330106",
                "--role",
                "city_staff",
                "--password-stdin",
            ],
            "needs a home region at city level",
        ),
        (["createuser", "x 5", "--region", "330106", "--password-stdin"], "username:"),
    ],
)
def test_createuser_bad_input_exits_2_with_one_line(db, capsys, monkeypatch, args, message):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-pass-42\n"))
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not User.objects.filter(
        username__in=["user_x1", "user_x2", "user_x3", "user_x4", "x 5"]
    ).exists()


def test_weak_password_is_refused(db, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("123456\n"))
    assert main(["createuser", "weak", "--region", "330106", "--password-stdin"]) == 2
    assert "password:" in capsys.readouterr().err


def test_token_create_prints_secret_once(db, capsys, make_user):
    make_user("gateway", "330106", "viewer")
    assert main(["token", "create", "gateway", "--name", "rain gauges", "--days", "30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["token"].startswith("yj_")
    stored = ApiToken.objects.get(pk=out["id"])
    assert out["token"] not in (stored.token_hash, stored.prefix)
    assert main(["token", "revoke", str(out["id"])]) == 0
    assert main(["token", "revoke", str(out["id"])]) == 2


def test_createuser_without_a_terminal_says_how_to_send_the_password(db, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script, a pipe: no one to ask
    assert main(["createuser", "nobody1", "--region", "330106"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--password-stdin" in err and "\n" not in err and "Traceback" not in err
    assert not User.objects.filter(username="nobody1").exists()

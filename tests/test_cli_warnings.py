"""`yingji warnings import-cap` and `export-cap`: a CAP file becomes a draft ({"id": N}); a
rejected file exits 2 with the reason and leaves no draft; a warning prints as CAP XML."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone, translation

from yingji import cli
from yingji.alerts import capio, services
from yingji.alerts.models import Source, Warning
from yingji.kernels import cap


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def duty(make_user):
    return make_user("xihu_duty", "330106", "duty_officer")


def make_draft(actor):
    now = timezone.now()
    return services.create_draft(
        actor,
        {
            "event_type": "gale", "level": 1, "headline": "西湖区大风黄色预警",
            "description": "预计今天夜里西湖区有8级以上大风。",
            "expires": (now + dt.timedelta(hours=12)).isoformat(),
            "areas": [{"region": "330106", "description": "西湖区"}],
        },
    )  # fmt: skip


def test_import_cap_prints_the_new_drafts_id(duty, tmp_path, capsys):
    path = tmp_path / "upstream.xml"
    path.write_bytes(capio.to_xml(make_draft(duty)))
    assert cli.main(["warnings", "import-cap", str(path), "--as", "xihu_duty", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    imported = Warning.objects.get(pk=out["id"])
    assert imported.source == Source.CAP and imported.event_type == "gale"
    assert imported.level == 1 and imported.drafted_by == duty


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<alert>", "Not a valid CAP 1.2 message"),
        (
            b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
            "entities are not allowed",
        ),
    ],
)
def test_a_rejected_file_exits_2_and_leaves_no_draft(duty, tmp_path, capsys, content, message):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    assert cli.main(["warnings", "import-cap", str(path), "--as", "xihu_duty"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cap: ") and message in err and err.count("\n") == 1
    assert not Warning.objects.exists()


def test_bad_sources_and_users_exit_2(duty, tmp_path, capsys):
    path = tmp_path / "x.xml"
    path.write_bytes(capio.to_xml(make_draft(duty)))
    assert cli.main(["warnings", "import-cap", str(path), "--as", "nobody"]) == 2
    assert "no active user 'nobody'" in capsys.readouterr().err
    assert cli.main(["warnings", "import-cap", "file:///etc/passwd", "--as", "xihu_duty"]) == 2
    assert "only http:// and https://" in capsys.readouterr().err
    assert cli.main(["warnings", "import-cap", str(tmp_path / "none.xml"), "--as", "x"]) == 2
    assert "no such file" in capsys.readouterr().err
    big = tmp_path / "big.xml"
    big.write_bytes(b" " * 1_000_001)
    assert cli.main(["warnings", "import-cap", str(big), "--as", "xihu_duty"]) == 2
    assert "larger than 1000000 bytes" in capsys.readouterr().err
    assert Warning.objects.count() == 1


def test_export_cap_prints_the_xml(duty, capsys):
    warning = make_draft(duty)
    assert cli.main(["warnings", "export-cap", str(warning.pk)]) == 0
    alert = cap.from_xml(capsys.readouterr().out.encode())
    assert alert.status is cap.Status.DRAFT and alert.infos[0].event == "大风"
    assert cli.main(["warnings", "export-cap", "999999"]) == 2
    assert "no warning #999999" in capsys.readouterr().err

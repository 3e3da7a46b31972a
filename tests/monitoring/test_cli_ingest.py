"""`yingji ingest replay FILE.csv` (issue 6): a recorded series goes through the same ingest as
HTTP, in time order, at its own pace when asked; bad rows are reported by their row in the
file, a file that is not such a CSV stops everything."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.monitoring.conftest import XIHU_STATION
from yingji.cli import main
from yingji.monitoring.models import Reading

RAIN = f"{XIHU_STATION}-R1"
RAIN2 = f"{XIHU_STATION}-R2"
T0 = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).astimezone(SHANGHAI).isoformat()


def epoch(value: Any) -> int:
    return int(value.timestamp()) if isinstance(value, dt.datetime) else int(value)


@pytest.fixture
def gateway(make_user, stations, make_sensor):
    make_sensor(RAIN)
    make_sensor(RAIN2)
    user = make_user("xihu-gateway", "330106", "viewer")
    user.is_machine = True
    user.save(update_fields=["is_machine"])
    return user


@pytest.fixture
def recording(tmp_path: Path):
    def write(text: str, name: str = "series.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def replay(path: Path, *flags: str, user: str = "xihu-gateway") -> int:
    return main(["ingest", "replay", str(path), "--as", user, *flags])


def stored() -> list[tuple[str, int, float]]:
    rows = Reading.objects.values_list("sensor__code", "ts", "value")
    return sorted((code, epoch(ts), value) for code, ts, value in rows)


SERIES = (
    "sensor_id,type,timestamp,value\n"
    f"{RAIN},rain,{at(10)},1.5\n"  # row 2
    f"{RAIN},rain,{at(0)},0.5\n"  # row 3: earlier, sent first
    f"{RAIN2},rain,{at(0)},0\n"  # row 4
    f"{RAIN2},rain,{at(5)},2.25\n"  # row 5
)


def test_a_recording_is_stored_and_a_second_run_only_finds_duplicates(gateway, recording, capsys):
    path = recording(SERIES)
    assert replay(path) == 0
    out = capsys.readouterr().out
    assert "4 readings, accepted 4, duplicates 0, rejected 0" in out
    first = stored()
    assert [(code, ts - epoch(T0), value) for code, ts, value in first] == [
        (RAIN, 0, 0.5), (RAIN, 600, 1.5), (RAIN2, 0, 0.0), (RAIN2, 300, 2.25)
    ]  # fmt: skip
    assert replay(path, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["accepted"], report["duplicates"], report["rejected"]) == (0, 4, [])
    assert stored() == first


def test_the_ingest_header_is_read_too_and_bad_rows_are_reported_by_file_row(
    gateway, recording, capsys
):
    path = recording(
        "value,sensor,ts\n"  # row 1, columns in another order
        f"1.0,{RAIN},{at(2)}\n"  # 2
        f"oops,{RAIN},{at(1)}\n"  # 3
        f"2.0,{RAIN},{at(2)}\n"  # 4: same sensor and time as row 2
        "\n"  # 5: blank
        f"1.0,{RAIN}\n"  # 6: a field short
        f"1.0,33-RAIN-NOPE,{at(1)}\n"  # 7
        f"3.0,{RAIN2},yesterday\n"  # 8
        f"0.5,{RAIN2},{int((T0 + dt.timedelta(minutes=4)).timestamp())}\n"  # 9: epoch seconds
    )
    assert replay(path, "--json", "--batch", "2") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["readings"], report["accepted"], report["rejected_count"]) == (7, 2, 5)
    reasons = {item["row"]: item["reason"] for item in report["rejected"]}
    assert [item["row"] for item in report["rejected"]] == [3, 4, 6, 7, 8]
    assert reasons[3] == "value is not a finite number"
    assert reasons[4] == "duplicate of row 2 of the file (same sensor and time)"
    assert reasons[6] == "expected 3 fields like the header, not 2"
    assert reasons[7] == "unknown sensor"
    assert "not ISO 8601" in reasons[8]
    assert [(code, value) for code, _, value in stored()] == [(RAIN, 1.0), (RAIN2, 0.5)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"", "empty file"),
        (b"sensor_id,timestamp,value\nR1,2024-07-01T08:00:00+08:00,1\n", "header must be"),
        (b"sensor,ts,value,sensor\n", "header must be"),
        (b"sensor,ts,value\n\n", "no readings after the header"),
        (b"sensor,ts,value\n\xff\xfe1,2,3\n", "not UTF-8"),
    ],
)
def test_a_malformed_file_exits_2_with_one_line_and_stores_nothing(
    gateway, tmp_path, capsys, content, message
):
    path = tmp_path / "broken.csv"
    if content is not None:
        path.write_bytes(content)
    assert replay(path) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not Reading.objects.exists()


def test_a_file_with_no_valid_reading_exits_2_after_the_report(gateway, recording, capsys):
    path = recording(f"sensor,ts,value\n33-RAIN-NOPE,{at(1)},1\n")
    assert replay(path) == 2
    captured = capsys.readouterr()
    assert "row 2 (33-RAIN-NOPE): unknown sensor" in captured.out
    assert "nothing stored" in captured.err


@pytest.mark.parametrize(
    ("user", "message"),
    [("nobody", "no active user 'nobody'"), ("xihu-viewer", "sensor gateways")],
)
def test_the_account_must_exist_and_be_a_gateway(
    gateway, make_user, recording, capsys, user, message
):
    make_user("xihu-viewer", "330106", "viewer")
    assert replay(recording(SERIES), user=user) == 2
    assert message in capsys.readouterr().err
    assert not Reading.objects.exists()


def test_speed_replays_at_the_recorded_pace_times_n(gateway, recording, capsys):
    path = recording(
        "sensor,ts,value\n"
        f"{RAIN},{at(0)},1\n{RAIN2},{at(0)},1\n{RAIN},{at(1)},1\n{RAIN},{at(2)},1\n"
    )
    began = time.monotonic()
    assert replay(path, "--speed", "600") == 0  # 120 s of recording → 0.2 s
    assert time.monotonic() - began >= 0.19
    assert len(stored()) == 4
    assert replay(path, "--speed", "0") == 2
    assert "--speed: must be a number > 0" in capsys.readouterr().err


def test_shift_to_now_moves_the_last_reading_to_now(gateway, recording, capsys):
    path = recording(
        "sensor_id,type,timestamp,value\n"
        f"{RAIN},rain,2019-08-09T20:00:00+08:00,3.5\n"
        f"{RAIN},rain,2019-08-09T21:00:00+08:00,12.0\n"
    )
    before = int(time.time())
    assert replay(path, "--shift-to-now", "--json") == 0
    assert json.loads(capsys.readouterr().out)["accepted"] == 2
    (_, first, _), (_, last, _) = stored()
    assert before - 1 <= last <= time.time()
    assert last - first == 3600

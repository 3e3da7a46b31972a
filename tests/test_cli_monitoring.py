"""`yingji monitoring replay FILE.csv`: the CMA rainstorm replay of the issue's "Done means 1",
gale alarms, and one clear line for a malformed file."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest

from yingji import cli

CST = timezone(timedelta(hours=8))
MIDNIGHT = datetime(2019, 8, 9, tzinfo=CST)
HEADER = "sensor_id,type,timestamp,value"


def stamp(k, step_minutes=5, tz=CST):
    return (MIDNIGHT + timedelta(minutes=step_minutes * k)).astimezone(tz).isoformat()


def storm_mm(k):
    """Rain of the k-th 5-minute interval (ending at 00:00 + 5k min) of the replay storm."""
    if k <= 124:
        return 0.4  # drizzle: 49.6 mm by 10:20
    return {
        125: 0.3,  # 10:25 12 h = 49.9 → nothing yet
        126: 0.1,  # 10:30 12 h = 50.0 → 蓝
        127: 0.4,
        128: 0.4,
        129: 0.4,
        130: 36.4,  # 10:50 3 h = 50.0 (and 6 h = 66.4) → 橙, skipping 黄
        **dict.fromkeys(range(131, 139), 5.0),
        139: 13.5,  # 11:35 3 h = 99.9 → still 橙
        140: 0.5,  # 11:40 3 h = 100.0 → 红
        **dict.fromkeys(range(141, 145), 1.0),  # 12:00 3 h = 102.4
    }.get(k, 0.0)  # the rain stops after 12:00


def storm_csv(last=300, **kwargs):
    rows = [f"R1,rain,{stamp(k, **kwargs)},{storm_mm(k)}" for k in range(1, last + 1)]
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def replay(tmp_path, capsys):
    def invoke(content, *flags):
        path = tmp_path / "readings.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        code = cli.main(["monitoring", "replay", str(path), *flags])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def alarms_of(replay, content, *flags):
    code, out, err = replay(content, "--json", *flags)
    assert (code, err) == (0, "")
    return json.loads(out)["alarms"]


def t(hhmm, day=9):
    return f"2019-08-{day:02d}T{hhmm}:00+08:00"


def test_done_means_1_one_alarm_rising_blue_orange_red_then_closing(replay):
    (alarm,) = alarms_of(replay, storm_csv())
    assert alarm == {
        "sensor_id": "R1",
        "rule": "rainstorm",
        "start": t("10:30"),
        # The 12-hour sum drops below 50 mm at 23:00, when the 5.0 mm reading of 11:00 is
        # exactly 12 h old and so outside (t − 12 h, t]; the alarm ends one hold (60 min) later.
        "end": t("00:00", day=10),
        "peak": "red",
        "levels": [
            {"level": "blue", "at": t("10:30")},  # 12 h: 49.9 at 10:25, 50.0 at 10:30
            {"level": "orange", "at": t("10:50")},  # 3 h and 6 h reach 50 at the same reading
            {"level": "red", "at": t("11:40")},  # 3 h: 99.9 at 11:35, 100.0 at 11:40
            # falling as the windows empty: 3 h is still exactly 100.0 at 12:30 (inclusive),
            # and at 12:35 the 0.4 mm of 09:35 is exactly 3 h old and out: 99.6 → orange
            {"level": "orange", "at": t("12:35")},
            {"level": "yellow", "at": t("14:00")},  # 3 h < 50 once 36.4 and 2 × 5.0 left
            {"level": "blue", "at": t("17:00")},  # 6 h < 50
        ],
        "peak_values": {
            "1h_mm": 91.4,
            "3h_mm": 102.4,
            "6h_mm": 116.8,
            "12h_mm": 145.6,
            "24h_mm": 145.6,
        },
    }


def test_the_alarm_stays_open_until_the_hold_has_passed(replay):
    # data up to 23:55: the level cleared at 23:00 but the hold ends at 00:00
    (alarm,) = alarms_of(replay, storm_csv(last=287))
    assert alarm["end"] is None
    assert alarm["levels"][-1] == {"level": "blue", "at": t("17:00")}


def test_hold_minutes_sets_the_end_instant(replay):
    (alarm,) = alarms_of(replay, storm_csv(), "--hold-minutes", "0")
    assert alarm["end"] == t("23:00")
    (alarm,) = alarms_of(replay, storm_csv(), "--hold-minutes", "90")
    assert alarm["end"] == t("00:30", day=10)


def rerise(minutes_after_clear):
    """The storm, then 50 mm more in the 5-minute interval ending that long after the clear."""
    lines = storm_csv(last=400).splitlines()
    k = 276 + minutes_after_clear // 5  # 23:00 is k = 276
    lines[k] = f"R1,rain,{stamp(k)},50.0"
    return "\n".join(lines)


def test_rain_returning_within_the_hold_continues_the_same_alarm(replay):
    (alarm,) = alarms_of(replay, rerise(60))  # exactly at the hold: still the same alarm
    assert alarm["start"] == t("10:30")
    assert alarm["levels"][5:] == [
        {"level": "blue", "at": t("17:00")},
        {"level": "orange", "at": t("00:00", day=10)},  # 50 mm in 5 minutes
        {"level": "yellow", "at": t("03:00", day=10)},  # then out of the 3-hour window
        {"level": "blue", "at": t("06:00", day=10)},
    ]
    assert alarm["end"] is None  # the 12-hour window still holds it when the data end


def test_rain_returning_after_the_hold_is_a_new_alarm(replay):
    first, second = alarms_of(replay, rerise(65))
    assert first["end"] == t("00:00", day=10)
    assert (second["start"], second["peak"]) == (t("00:05", day=10), "orange")


def test_rows_in_any_order_and_offset_give_the_same_alarm(replay):
    lines = storm_csv().splitlines()
    body = lines[1:]
    random.Random(6).shuffle(body)
    expected = alarms_of(replay, storm_csv())
    assert alarms_of(replay, "\n".join([lines[0], *body])) == expected
    utc = alarms_of(replay, storm_csv(tz=UTC))
    assert utc[0]["start"] == "2019-08-09T02:30:00+00:00"  # shown in the file's own offset
    assert utc[0]["levels"][2]["at"] == "2019-08-09T03:40:00+00:00"


def test_mixed_offsets_are_shown_in_beijing_time(replay):
    rows = storm_csv().splitlines()
    rows[5] = rows[5].replace(stamp(5), stamp(5, tz=UTC))
    assert alarms_of(replay, "\n".join(rows))[0]["start"] == t("10:30")


def test_a_dry_file_has_no_alarms(replay):
    rows = [f"R1,rain,{stamp(k)},0.0" for k in range(1, 20)]
    assert alarms_of(replay, "\n".join([HEADER, *rows])) == []


def test_gale_alarm_from_mean_speed_and_gust(replay):
    rows = [
        f"W1,wind_speed,{t('08:00')},10.7",  # force 5
        f"W1,wind_gust,{t('08:00')},13.8",  # force 6: nothing
        f"W1,wind_gust,{t('08:10')},13.9",  # gust force 7 → 蓝
        f"W1,wind_speed,{t('08:20')},17.2",  # mean force 8 → 黄
        f"W1,wind_gust,{t('08:30')},32.7",  # gust force 12 → 橙
        f"W1,wind_speed,{t('08:40')},5.0",
        f"W1,wind_gust,{t('08:40')},10.0",  # calm again
        f"W1,wind_speed,{t('09:40')},4.0",
    ]
    (alarm,) = alarms_of(replay, "\n".join([HEADER, *rows]))
    assert alarm["rule"] == "gale"
    assert alarm["levels"] == [
        {"level": "blue", "at": t("08:10")},
        {"level": "yellow", "at": t("08:20")},
        {"level": "orange", "at": t("08:30")},
    ]
    assert (alarm["start"], alarm["end"], alarm["peak"]) == (t("08:10"), t("09:40"), "orange")
    assert alarm["peak_values"] == {"mean_m_s": 17.2, "gust_m_s": 32.7}


def test_the_table_lists_each_alarm_and_its_levels(replay):
    code, out, err = replay(storm_csv())
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "300 readings from 1 sensor: 1 alarm"
    assert "R1  暴雨 rainstorm  peak 红 red" in out
    assert f"    {t('11:40')}  红 red" in lines
    assert f"→ {t('00:00', day=10)}" in out


ROW = f"R1,rain,{t('10:00')},1.0"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("sensor_id,type,timestamp\n" + ROW, "row 1: missing column 'value'"),
        (HEADER + ",unit\n" + ROW + ",mm", "row 1: unknown column 'unit'"),
        (HEADER + "\n", "no readings after the header"),
        (f"{HEADER}\n{ROW}\n{ROW[:-4]}", "row 3: expected 4 fields like the header, not 3"),
        (f"{HEADER}\n{ROW}\n,rain,{t('10:05')},1", "row 3: sensor_id is empty"),
        (f"{HEADER}\n{ROW}\nR1,snow,{t('10:05')},1", "row 3: type 'snow' is not supported"),
        (f"{HEADER}\nR1,rain,yesterday,1", "row 2: timestamp 'yesterday' is not an ISO 8601"),
        (f"{HEADER}\nR1,rain,2019-08-09T10:00:00,1",
         "row 2: timestamp '2019-08-09T10:00:00' has no UTC offset"),
        (f"{HEADER}\nR1,rain,2019-08-09T10:00:00.5+08:00,1",
         "row 2: timestamp .* fraction of a second"),
        (f"{HEADER}\n{ROW}\n\nR1,rain,{t('10:05')},nan",
         "row 4: value 'nan' is not a finite number"),
        (f"{HEADER}\nR1,rain,{t('10:05')},inf", "row 2: value 'inf' is not a finite number"),
        (f"{HEADER}\nR1,rain,{t('10:05')},-0.1", "row 2: rainfall must be ≥ 0 mm"),
        (f"{HEADER}\nR1,wind_gust,{t('10:05')},-1", "row 2: wind speed must be ≥ 0 m/s"),
        (f"{HEADER}\nR1,rain,{t('10:05')},", "row 2: value '' is not a number"),
        (f"{HEADER}\n{ROW}\nR1,rain,2019-08-09T02:00:00+00:00,2",
         "row 3: duplicate reading: sensor R1 rain at 2019-08-09T02:00:00\\+00:00 is also on "
         "row 2"),
        (b"sensor_id,type,timestamp,value\nR\xe9,rain,x,1", "not UTF-8"),
    ],
)  # fmt: skip
def test_a_malformed_file_gets_one_line_naming_the_row(replay, content, message):
    code, out, err = replay(content, "--json")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert re.search(message, err), err


def test_unreadable_file_and_bad_hold(replay, tmp_path, capsys):
    assert cli.main(["monitoring", "replay", str(tmp_path / "missing.csv")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "cannot read" in err
    code, out, err = replay(storm_csv(), "--hold-minutes", "-5")
    assert (code, out) == (2, "") and "--hold-minutes" in err


def test_replay_needs_no_configuration_or_database(tmp_path):
    path = tmp_path / "storm.csv"
    path.write_text(storm_csv(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YINGJI_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "-m", "yingji.cli", "monitoring", "replay", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["alarms"][0]["peak"] == "red"

"""The typhoon replay's physical core (yingji.kernels.typhoon, issue 10): Lekima's CMA best
track, the Holland wind field, the R-CLIPER rain field and the seeded station readings.

Reference points (WGS-84):

- Landfall: CMA, "the centre landed at 温岭市城南镇 around 01:45 CST on 10 August 2019
  (17:45 UTC on the 9th) with 52 m/s and 930 hPa". 城南镇 is taken as 28.27 N, 121.40 E
  (approximate town position; the 30 km tolerance is far larger than its uncertainty).
- Rain: CMA reported a Zhejiang mean of 165 mm for the event and 831 mm at Kuocang Shan
  (Linhai); the issue cites 200–500+ mm over parts of Taizhou and Wenzhou. The target here
  is a 48-hour total (9 Aug 00Z – 11 Aug 00Z) of 200–500 mm at the landfall point, i.e. the
  reported range without its mountain extremes (a lowland station, no terrain factor).
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import shape

from yingji.kernels import typhoon
from yingji.kernels.geo import haversine_km
from yingji.kernels.typhoon import (
    DEFAULT_REPLAY,
    DEFAULT_WIND,
    NoiseModel,
    ReplayModel,
    Track,
    compare_vmax,
    entry_time,
    gradient_wind,
    holland_b,
    load_track,
    rcliper_rate,
    readings,
    rmax_km,
    wind_field,
)

ROOT = Path(__file__).resolve().parents[2]
TRACK_CSV = ROOT / "data" / "simulation" / "lekima_2019_track.csv"
BOUNDARIES = ROOT / "data" / "regions" / "zhejiang_boundaries.geojson.gz"
WENLING = (28.27, 121.40)  # 温岭市城南镇, approximate
LANDFALL = np.datetime64("2019-08-09T17:45")
HEADER = "time_utc,lat,lon,pressure_hpa,wind_ms\n"
KM_PER_DEGREE = math.radians(1) * 6371.0088


@pytest.fixture(scope="module")
def lekima() -> Track:
    return load_track(TRACK_CSV.read_text(encoding="utf-8"))


def offset(lat, lon, east_km, north_km):
    """The point ``east_km``/``north_km`` from (lat, lon), flat-earth (fine within 200 km)."""
    return (lat + north_km / KM_PER_DEGREE,
            lon + east_km / (KM_PER_DEGREE * math.cos(math.radians(lat))))  # fmt: skip


# --- the track -------------------------------------------------------------------------------


def test_the_real_cma_track_parses_with_its_landfall_point(lekima):
    assert lekima.time.size == 62
    assert str(lekima.start) == "2019-08-03T18:00:00"
    assert str(lekima.end) == "2019-08-14T12:00:00"
    i = int(np.flatnonzero(lekima.time == np.datetime64("2019-08-09T18:00"))[0])
    assert (lekima.lat[i], lekima.lon[i]) == (28.3, 121.4)
    assert (lekima.pressure_hpa[i], lekima.vmax_ms[i]) == (930.0, 52.0)
    assert lekima.pressure_hpa.min() == 915.0  # peak: 8 Aug 12Z, 62 m/s
    assert lekima.source[i].startswith("CMA best track")


def rows(*lines):
    return HEADER + "".join(f"{line}\n" for line in lines)


GOOD = ("2019-08-09T12:00:00Z,27.5,122.0,940,48", "2019-08-09T15:00:00Z,27.9,121.7,935,50")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("time,lat,lon,p,w\n" + "\n".join(GOOD), "header must be"),
        (HEADER.replace("lat,lon", "lon,lat") + "\n".join(GOOD), "header must be"),
        (HEADER.strip() + ",extra\n" + "\n".join(g + ",x" for g in GOOD), "header must be"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,nan,121.7,935,50"), "row 2: lat must be a finite"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,27.9,inf,935,50"), "row 2: lon must be a finite"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,27.9,121.7,,50"), "row 2: pressure_hpa '' is not"),
        (rows(GOOD[1], GOOD[0]), "row 2: time_utc must be later"),
        (rows(GOOD[0], GOOD[0]), "row 2: time_utc must be later"),
        (
            rows(GOOD[0], "2019-08-09T15:00:00Z,95,121.7,935,50"),
            r"row 2: lat 95 is not a number in \[-90, 90\]",
        ),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,27.9,181,935,50"), "row 2: lon"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,27.9,121.7,800,50"), r"pressure_hpa .*\[850, 1020\]"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,27.9,121.7,1021,50"), "pressure_hpa"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,27.9,121.7,935,-1"), "row 2: wind_ms"),
        (rows(GOOD[0], "2019-08-09T15:00:00+08:00,27.9,121.7,935,50"), "must be in UTC"),
        (rows(GOOD[0], "2019-08-09T15:00:00,27.9,121.7,935,50"), "must be in UTC"),
        (rows(GOOD[0], "9 Aug 2019,27.9,121.7,935,50"), "not an ISO date-time"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,27.9,121.7,935"), "4 fields"),
        (rows(GOOD[0]), "at least 2 points"),
        (rows(GOOD[0], "2019-08-09T15:00:00Z,37.9,121.7,935,50"), "would move at 386 km/h"),
        ('time_utc,lat,lon,pressure_hpa,wind_ms\n"unclosed' + "x" * 200_000, "readable CSV"),
    ],
)
def test_hostile_or_broken_csv_is_refused_with_the_row_and_rule(text, message):
    with pytest.raises(ValueError, match=message):
        load_track(text)


def test_a_track_of_20000_rows_is_refused_before_it_is_parsed():
    start = datetime(2000, 1, 1, tzinfo=UTC)
    lines = [f"{(start + timedelta(hours=h)).isoformat()},20,130,990,20" for h in range(20_000)]
    with pytest.raises(ValueError, match="more than 10,000 rows"):
        load_track(rows(*lines))


def test_a_byte_order_mark_and_blank_lines_are_tolerated():
    track = load_track("\ufeff" + rows(GOOD[0], "", GOOD[1]))
    assert track.time.size == 2
    assert track.source == ()


def test_interpolation_returns_the_best_track_points_exactly_at_their_times(lekima):
    state = lekima.at(lekima.time)
    np.testing.assert_array_equal(state.lat, lekima.lat)
    np.testing.assert_array_equal(state.lon, lekima.lon)
    np.testing.assert_array_equal(state.pressure_hpa, lekima.pressure_hpa)
    np.testing.assert_array_equal(state.vmax_ms, lekima.vmax_ms)


def test_the_centre_at_the_reported_landfall_time_is_at_wenling_with_930_hpa(lekima):
    state = lekima.at(LANDFALL)
    assert float(haversine_km(state.lat[0], state.lon[0], *WENLING)) < 30
    assert state.pressure_hpa[0] == pytest.approx(930, abs=1.5)
    assert state.vmax_ms[0] == pytest.approx(52, abs=1)
    # Moving north-west (CMA's bulletins: north-west at about 15 km/h).
    assert 290 < state.heading_deg[0] < 340
    assert 10 < state.speed_ms[0] * 3.6 < 25


def test_times_may_be_aware_datetimes_and_must_lie_within_the_track(lekima):
    cst = timezone(timedelta(hours=8))
    state = lekima.at([datetime(2019, 8, 10, 1, 45, tzinfo=cst), "2019-08-09T17:45:00Z"])
    assert state.time.tolist() == [LANDFALL.astype(datetime)] * 2
    with pytest.raises(ValueError, match="outside the track"):
        lekima.at("2019-08-15T00:00Z")
    with pytest.raises(ValueError, match="not a UTC date-time"):
        lekima.at("tomorrow")


def test_the_centre_enters_wenling_county_just_before_the_reported_landfall(lekima):
    with gzip.open(BOUNDARIES, "rt", encoding="utf-8") as file:
        features = json.load(file)["features"]
    wenling = next(shape(f["geometry"]) for f in features if f["properties"]["name"] == "温岭市")
    when = entry_time(lekima, wenling)
    assert np.datetime64("2019-08-09T17:15") <= when <= np.datetime64("2019-08-09T18:00")


def test_entry_time_takes_a_bounding_box_and_may_find_none(lekima):
    assert entry_time(lekima, (121.0, 28.0, 122.0, 29.0)) == np.datetime64("2019-08-09T15:45")
    assert entry_time(lekima, (100.0, 0.0, 101.0, 1.0)) is None
    assert entry_time(lekima, (130.0, 15.0, 132.0, 17.0)) == lekima.start
    with pytest.raises(ValueError, match="area"):
        entry_time(lekima, (1, 2, 3))


# --- wind ------------------------------------------------------------------------------------


def test_the_holland_profile_peaks_at_rmax_with_the_surface_reduced_vmax_and_decays():
    vs, dp, lat = 50.0, 80.0, 28.3
    rmax = float(rmax_km(dp, lat))
    b = float(holland_b(vs, dp, rmax=rmax, lat=lat))
    r = np.linspace(1.0, 600.0, 6000)
    surface = DEFAULT_WIND.surface_factor * gradient_wind(r, dp_hpa=dp, rmax=rmax, b=b, lat=lat)
    peak = int(np.argmax(surface))
    assert r[peak] == pytest.approx(rmax, rel=0.03)
    assert surface[peak] == pytest.approx(vs, rel=0.005)
    assert (np.diff(surface[peak:]) < 0).all()
    assert (np.diff(surface[: peak + 1]) >= 0).all()
    assert rmax == pytest.approx(35.4, abs=0.5)  # Vickery & Wadhera 2008 at 80 hPa, 28.3 N


def test_the_model_peak_matches_the_track_at_landfall_and_at_lifetime_peak(lekima):
    at_landfall = compare_vmax(lekima, LANDFALL)
    assert abs(at_landfall.relative_error) < 0.01
    assert at_landfall.model_peak_10min_ms == pytest.approx(0.93 * 51.83, rel=0.01)
    assert abs(compare_vmax(lekima, "2019-08-08T12:00Z").relative_error) < 0.01


def test_the_right_of_the_track_is_windier_than_the_left(lekima):
    state = lekima.at(LANDFALL)
    heading = math.radians(state.heading_deg[0])
    rmax = float(rmax_km(1010 - state.pressure_hpa[0], state.lat[0]))
    right = offset(state.lat[0], state.lon[0], 1.5 * rmax * math.cos(heading),
                   -1.5 * rmax * math.sin(heading))  # fmt: skip
    left = offset(state.lat[0], state.lon[0], -1.5 * rmax * math.cos(heading),
                  1.5 * rmax * math.sin(heading))  # fmt: skip
    speed, _ = wind_field(state, [right[0], left[0]], [right[1], left[1]])
    difference = speed[0, 0] - speed[0, 1]
    # 2 × 0.55 × storm speed × the taper at 1.5 Rmax, in 10-minute terms.
    assert 3.0 < difference < 2 * 0.55 * state.speed_ms[0]


def test_wind_far_from_the_storm_is_nearly_calm_and_blows_cyclonically(lekima):
    state = lekima.at(LANDFALL)
    far = offset(state.lat[0], state.lon[0], 0.0, 1000.0)
    north = offset(state.lat[0], state.lon[0], 0.0, 60.0)
    speed, direction = wind_field(state, [far[0], north[0]], [far[1], north[1]])
    assert speed[0, 0] < 1.0
    # North of a Northern-Hemisphere cyclone the wind blows from the east, turned inwards.
    assert 50 < direction[0, 1] < 100


def test_wind_field_is_vectorised_over_times_and_stations(lekima):
    state = lekima.at(lekima.time[:5])
    speed, direction = wind_field(state, np.full(7, 28.0), np.full(7, 121.0))
    assert speed.shape == direction.shape == (5, 7)


# --- rain ------------------------------------------------------------------------------------


def test_rcliper_rate_at_landfall_intensity():
    r = np.array([0.0, 25.0, 100.0, 500.0])
    rate = rcliper_rate(r, 52.0)  # U = 3.0
    assert rate[1] == pytest.approx(13.5, abs=0.2)  # Tm = 12.8 in/day at rm = 25 km
    assert rate[2] == pytest.approx(6.5, abs=0.2)
    assert rate[3] < 0.2
    assert (rcliper_rate(r, 5.0) == 0).all()  # a depression's negative rate is clipped


STATIONS = {  # lat, lon
    "landfall": WENLING,
    "taizhou": (28.66, 121.42),
    "hangzhou": (30.27, 120.15),
    "far_800km": (28.3, 113.2),
}


def rain_48h(track, seed=1, model=DEFAULT_REPLAY):
    lat, lon = np.array(list(STATIONS.values())).T
    result = readings(track, lat, lon, ["rain"] * len(STATIONS), start="2019-08-09T00:00Z",
                      end="2019-08-11T00:00Z", step_minutes=60, seed=seed, model=model)  # fmt: skip
    return dict(zip(STATIONS, result.values.sum(axis=0), strict=True)), result


def test_48_hour_rain_near_landfall_is_in_the_reported_range_and_nil_far_away(lekima):
    totals, result = rain_48h(lekima)
    assert result.values.shape == (48, 4)
    assert 200 <= totals["landfall"] <= 500
    assert 200 <= totals["taizhou"] <= 500
    assert totals["hangzhou"] < totals["landfall"]
    assert totals["far_800km"] < 2.0
    assert (result.values >= 0).all()


def test_terrain_adds_rain_on_high_ground(lekima):
    lat, lon = np.array([WENLING, WENLING]).T
    kwargs = {"start": "2019-08-09T00:00Z", "end": "2019-08-10T00:00Z", "step_minutes": 60}
    result = readings(lekima, lat, lon, ["rain", "rain"], seed=3, elevation_m=[0, 1000],
                      **kwargs)  # fmt: skip
    plain = readings(lekima, lat, lon, ["rain", "rain"], seed=3, **kwargs)
    totals = result.values.sum(axis=0) / plain.values.sum(axis=0)
    assert totals[0] == pytest.approx(1.0, abs=0.01)
    assert totals[1] == pytest.approx(1.5, abs=0.01)


# --- readings --------------------------------------------------------------------------------


def test_same_seed_gives_identical_readings_and_another_seed_close_ones(lekima):
    first, a = rain_48h(lekima, seed=7)
    _, b = rain_48h(lekima, seed=7)
    other, c = rain_48h(lekima, seed=8)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.times, b.times)
    assert not np.array_equal(a.values, c.values)
    for name in ("landfall", "taizhou", "hangzhou"):
        assert other[name] == pytest.approx(first[name], rel=0.25)


def test_every_kind_at_once_with_its_own_response(lekima):
    lat, lon = np.array([WENLING] * 4 + [STATIONS["far_800km"]] * 2).T
    kinds = ["wind", "rain", "water_level", "landslide", "water_level", "landslide"]
    still = ReplayModel(noise=NoiseModel(0, 0, 0, 0, 0))  # the same rain at the same place
    result = readings(lekima, lat, lon, kinds, start="2019-08-09T00:00Z",
                      end="2019-08-11T00:00Z", step_minutes=60, seed=11, model=still)  # fmt: skip
    wind, rain, level, moved = result.values[:, :4].T
    hour = {str(t)[:13]: i for i, t in enumerate(result.times)}
    assert wind.max() > 30 and wind.argmax() in range(hour["2019-08-09T15"], hour["2019-08-09T21"])
    assert wind[0] < wind.max() / 3 and wind[-1] < 10
    # The gauge rises about 1 cm per mm of rain, with a lag, then recedes.
    assert 1.0 <= level[0] <= 6.05
    assert level.argmax() > rain.argmax()
    assert 1.0 < level.max() - level[0] < 4.0
    # The slope moves only after 100 mm in 24 h, and never back.
    rain_24h = np.convolve(rain, np.ones(24))[: rain.size]
    first = int(np.argmax(rain_24h > 100))
    assert (moved[:first] == 0).all() and moved[first + 1] > 0
    assert moved[-1] > 10 and (np.diff(moved) >= 0).all()
    # Far away: the gauge stays at its base, the slope still.
    assert np.ptp(result.values[:, 4]) < 0.1
    assert (result.values[:, 5] == 0).all()
    assert result.kinds == tuple(kinds)


def test_readings_are_stamped_at_the_end_of_each_step_and_listed_as_rows(lekima):
    result = readings(lekima, [28.0, 29.0], [121.0, 120.0], ["rain", "wind"],
                      start="2019-08-09T12:00Z", end="2019-08-09T13:00Z", step_minutes=20,
                      seed=0)  # fmt: skip
    assert [str(t) for t in result.times] == [
        "2019-08-09T12:20:00", "2019-08-09T12:40:00", "2019-08-09T13:00:00"]  # fmt: skip
    listed = list(result.rows())
    assert len(listed) == 6
    assert listed[1] == (1, result.times[0], result.values[0, 1])
    with pytest.raises(FrozenInstanceError):
        result.values = None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kinds": ["rain", "snow"]}, "unknown 'snow'"),
        ({"kinds": ["rain"]}, "one kind per station"),
        ({"end": "2019-08-09T13:30Z"}, "whole number of steps"),
        ({"end": "2019-08-09T11:00Z"}, "whole number of steps"),
        ({"start": "2019-08-01T00:00Z"}, "within the track"),
        ({"step_minutes": 0}, "between 1 and 1440"),
        ({"step_minutes": 7.5}, "whole number of minutes"),
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"lat": [28.0, 95.0]}, "stations"),
        ({"elevation_m": [0.0]}, "elevation_m"),
    ],
)
def test_bad_requests_are_refused(lekima, change, message):
    request = {"lat": [28.0, 29.0], "lon": [121.0, 120.0], "kinds": ["rain", "wind"],
               "start": "2019-08-09T12:00Z", "end": "2019-08-09T14:00Z", "step_minutes": 60,
               "seed": 0} | change  # fmt: skip
    with pytest.raises(ValueError, match=message):
        readings(lekima, **request)


def test_a_request_too_large_for_memory_is_refused(lekima):
    n = 200_000
    with pytest.raises(ValueError, match="sub-steps"):
        readings(lekima, np.full(n, 28.0), np.full(n, 121.0), ["rain"] * n,
                 start="2019-08-05T00:00Z", end="2019-08-12T00:00Z", step_minutes=60,
                 seed=0)  # fmt: skip


def test_sensor_types_and_units_cover_every_kind():
    assert set(typhoon.SENSOR_TYPES) == set(typhoon.KINDS) == set(typhoon.UNITS)
    assert typhoon.SENSOR_TYPES["landslide"] == "displacement"

"""Grid clustering of map points (yingji.kernels.clusters)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from yingji.kernels.clusters import cell_degrees, grid_clusters, view_px

ZHEJIANG = (118.0, 27.0, 123.5, 31.5)


def points(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Dense towns plus scattered countryside, like enterprises in a province.
    towns = rng.uniform((118.5, 27.5), (122.5, 31.0), size=(40, 2))
    near = towns[rng.integers(0, 40, n // 2)] + rng.normal(0, 0.05, (n // 2, 2))
    far = rng.uniform((118.0, 27.0), (123.5, 31.5), size=(n - n // 2, 2))
    both = np.vstack((near, far))
    return both[:, 0], both[:, 1]


def test_every_point_in_the_box_is_counted_exactly_once():
    lon, lat = points(20_000)
    result = grid_clusters(lon, lat, ZHEJIANG, zoom=8)
    inside = (lon >= 118) & (lon <= 123.5) & (lat >= 27) & (lat <= 31.5)
    assert result.total == int(inside.sum())
    assert (result.count >= 1).all()
    # Fewer clusters than points: this is what makes a province-wide view cheap.
    assert len(result) < result.total / 10


def test_points_outside_the_box_and_nan_are_left_out():
    lon = np.array([120.0, 120.001, 125.0, np.nan, 120.002])
    lat = np.array([30.0, 30.001, 30.0, 30.0, np.nan])
    result = grid_clusters(lon, lat, ZHEJIANG, zoom=10)
    assert result.total == 2
    assert result.count.tolist() == [2]
    assert result.index.tolist() == [-1]


def test_a_lone_point_is_returned_as_itself():
    lon = np.array([120.0, 121.0, 121.0001])
    lat = np.array([30.0, 29.0, 29.0001])
    result = grid_clusters(lon, lat, ZHEJIANG, zoom=9)
    lone = result.count == 1
    assert result.index[lone].tolist() == [0]
    assert result.lon[lone].tolist() == [120.0]
    assert result.lat[lone].tolist() == [30.0]
    pair = ~lone
    assert result.count[pair].tolist() == [2]
    assert result.lon[pair][0] == pytest.approx(121.00005)
    assert result.bounds[pair][0].tolist() == [121.0, 29.0, 121.0001, 29.0001]


def test_centroids_lie_inside_their_points_bounds():
    lon, lat = points(5_000)
    result = grid_clusters(lon, lat, ZHEJIANG, zoom=9)
    b = result.bounds
    assert ((b[:, 0] <= result.lon) & (result.lon <= b[:, 2])).all()
    assert ((b[:, 1] <= result.lat) & (result.lat <= b[:, 3])).all()
    # A cluster's points fit in one cell.
    assert ((b[:, 2] - b[:, 0]) <= result.cell_deg).all()


def test_same_input_same_output_and_panning_does_not_recut_cells():
    lon, lat = points(10_000)
    first = grid_clusters(lon, lat, ZHEJIANG, zoom=9)
    again = grid_clusters(lon.copy(), lat.copy(), ZHEJIANG, zoom=9)
    for name in ("lon", "lat", "count", "index", "bounds"):
        assert np.array_equal(getattr(first, name), getattr(again, name))
    # A view shifted by a fraction of a cell: clusters wholly inside both views are identical.
    shifted = grid_clusters(lon, lat, (118.013, 27.0, 123.5, 31.5), zoom=9)
    inner = (first.bounds[:, 0] > 118.5) & (first.bounds[:, 2] < 123)
    moved = (shifted.bounds[:, 0] > 118.5) & (shifted.bounds[:, 2] < 123)
    assert np.array_equal(first.count[inner], shifted.count[moved])
    assert np.array_equal(first.lon[inner], shifted.lon[moved])


def test_zooming_in_splits_clusters():
    lon, lat = points(20_000)
    counts = [len(grid_clusters(lon, lat, ZHEJIANG, zoom=z)) for z in (6, 8, 10, 12)]
    assert counts == sorted(counts)
    assert counts[0] < counts[-1]
    assert cell_degrees(8) == pytest.approx(cell_degrees(7) / 2)


def test_empty_input_and_mismatched_lengths():
    result = grid_clusters(np.array([]), np.array([]), ZHEJIANG, zoom=7)
    assert len(result) == 0
    assert result.total == 0
    with pytest.raises(ValueError, match="differ in length"):
        grid_clusters(np.array([120.0]), np.array([]), ZHEJIANG, zoom=7)
    with pytest.raises(ValueError, match="finite"):
        grid_clusters(np.array([120.0]), np.array([30.0]), ZHEJIANG, zoom=float("nan"))


def test_view_size_in_pixels():
    width, height = view_px((0.0, -10.0, 360 / 2**7, 10.0), zoom=7)
    assert width == pytest.approx(256)
    assert height > 0


def test_half_a_million_points_cluster_fast():
    lon, lat = points(500_000)
    grid_clusters(lon[:1000], lat[:1000], ZHEJIANG, zoom=7)  # warm up
    started = time.perf_counter()
    result = grid_clusters(lon, lat, ZHEJIANG, zoom=8)
    elapsed = time.perf_counter() - started
    assert result.total == 500_000 - int(
        (~((lon >= 118) & (lon <= 123.5) & (lat >= 27) & (lat <= 31.5))).sum()
    )
    # Vectorised: about 0.1 s on a laptop; a loop per point would take several seconds.
    assert elapsed < 1.5, f"{elapsed:.2f} s"

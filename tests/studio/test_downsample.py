"""Min/max downsampling: few points, the same envelope, spikes kept, order kept."""

from __future__ import annotations

import numpy as np

from carnet.studio.downsample import MAX_BUCKETS, downsample


def test_short_series_come_back_whole() -> None:
    x = np.arange(10, dtype=float)
    got = downsample(x, x * 2, buckets=100)
    assert not got.downsampled and got.total == got.in_range == 10
    assert got.x.tolist() == x.tolist()


def test_long_series_keep_min_and_max_of_every_bucket() -> None:
    n = 1_000_000
    x = np.arange(n, dtype=float)
    y = np.sin(x / 5000)
    y[123_457] = 50.0  # one spike among a million points
    y[876_543] = -50.0
    got = downsample(x, y, buckets=1000)
    assert got.downsampled and got.total == n
    assert len(got.x) <= 2000
    assert 50.0 in got.y and -50.0 in got.y
    assert got.y.max() == y.max() and got.y.min() == y.min()
    assert np.all(np.diff(got.x) > 0)  # the points keep their order
    assert got.x[0] <= 500 and got.x[-1] >= n - 1001  # the whole range is covered


def test_range_selects_points_for_a_zoom() -> None:
    x = np.arange(100_000, dtype=float)
    got = downsample(x, x, buckets=50, x_min=1000, x_max=1999)
    assert got.in_range == 1000 and got.total == 100_000
    assert got.x.min() >= 1000 and got.x.max() <= 1999 and len(got.x) <= 100


def test_non_finite_values_are_dropped_and_buckets_are_capped() -> None:
    x = np.arange(6, dtype=float)
    y = np.array([1.0, np.nan, np.inf, 2.0, -np.inf, 3.0])
    assert downsample(x, y, buckets=10).y.tolist() == [1.0, 2.0, 3.0]
    big = np.arange(100_000, dtype=float)
    assert len(downsample(big, big, buckets=10**9).x) <= 2 * MAX_BUCKETS

"""Long series cut down to what a chart can show: per bucket the lowest and the highest point.

A chart a thousand pixels wide cannot show a million points, and averaging would hide the spike a
user is looking for. Keeping the minimum and the maximum of each bucket (in their original order)
draws the same envelope as the full series with at most two points per bucket. Zooming asks again
with the visible x range, so the detail comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MAX_BUCKETS = 5000


@dataclass(frozen=True)
class Downsampled:
    """The points to draw (``x`` and ``y`` aligned, NaN dropped), how many points the range held,
    and whether some were left out."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    total: int
    in_range: int
    downsampled: bool


def downsample(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    buckets: int,
    x_min: float | None = None,
    x_max: float | None = None,
) -> Downsampled:
    """At most ``2 * buckets`` points of ``(x, y)`` between ``x_min`` and ``x_max`` (inclusive;
    None: unbounded), keeping each bucket's lowest and highest ``y``. ``x`` need not be sorted;
    points keep their order. Non-finite ``y`` values are dropped (a chart cannot place them)."""
    buckets = max(1, min(int(buckets), MAX_BUCKETS))
    total = int(x.shape[0])
    keep = np.isfinite(y) & np.isfinite(x)
    if x_min is not None:
        keep &= x >= x_min
    if x_max is not None:
        keep &= x <= x_max
    xs, ys = x[keep], y[keep]
    n = int(xs.shape[0])
    if n <= 2 * buckets:
        return Downsampled(xs, ys, total, n, False)
    size = -(-n // buckets)  # points per bucket, rounded up; the last bucket may be short
    padded = size * buckets
    low = np.full(padded, np.inf)
    high = np.full(padded, -np.inf)
    low[:n] = ys
    high[:n] = ys
    rows = np.arange(buckets) * size
    picks = np.concatenate(
        (rows + low.reshape(buckets, size).argmin(axis=1), rows + high.reshape(buckets, size).argmax(axis=1))
    )
    picks = np.unique(picks[picks < n])  # sorted: the points stay in their order
    return Downsampled(xs[picks], ys[picks], total, n, True)

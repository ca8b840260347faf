"""Chart data for a numeric metric: the x axis the user chose, then min/max downsampling.

x is the step, the wall time (milliseconds since the epoch), the time since the metric's first
point (seconds), or another metric of the run matched by step (its last value at that step).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from carnet.exceptions import InvalidArgument
from carnet.store.base import TrackingStore
from carnet.studio.downsample import downsample

X_AXES = ("step", "time", "relative")


def _x_of(
    store: TrackingStore, run_id: str, steps: npt.NDArray[np.int64], times: npt.NDArray[np.int64], x: str
) -> npt.NDArray[np.float64]:
    if x == "step":
        return steps.astype(np.float64)
    if x == "time":
        return times.astype(np.float64)
    if x == "relative":
        start = float(times.min()) if times.size else 0.0
        return (times.astype(np.float64) - start) / 1000.0
    if x.startswith("metric:"):
        other = store.get_metric_columns(run_id, x[len("metric:") :])
        if len(other) == 0:
            raise InvalidArgument(f"x: the run has no numeric metric {x[7:]!r} to plot against", field="x")
        # The last value logged at each step: order by step (stable), keep each step's last entry.
        order = np.argsort(other.steps, kind="stable")
        o_steps, o_values = other.steps[order], other.values[order]
        last = np.r_[o_steps[1:] != o_steps[:-1], True]
        o_steps, o_values = o_steps[last], o_values[last]
        at = np.clip(np.searchsorted(o_steps, steps), 0, max(o_steps.size - 1, 0))
        matched = o_steps[at] == steps
        return np.where(matched, o_values[at], np.nan)
    raise InvalidArgument(
        f"x: {x!r} is not an x axis; use one of {', '.join(X_AXES)} or metric:<key>", field="x"
    )


def chart_data(
    store: TrackingStore,
    run_id: str,
    key: str,
    *,
    x: str = "step",
    buckets: int = 1000,
    x_min: float | None = None,
    x_max: float | None = None,
) -> dict[str, Any]:
    """``{key, x_axis, x, y, total, in_range, downsampled, x_range}`` for a numeric metric of a
    run; ``x_range`` is the full series' extent, so a chart can zoom back out."""
    if buckets < 1:
        raise InvalidArgument("buckets: must be at least 1", field="buckets")
    store.get_run(run_id)  # NotFound for an unknown run, rather than an empty chart
    columns = store.get_metric_columns(run_id, key)
    xs = _x_of(store, run_id, columns.steps, columns.timestamps, x)
    finite = xs[np.isfinite(xs)]
    extent = [float(finite.min()), float(finite.max())] if finite.size else None
    picked = downsample(xs, columns.values, buckets, x_min, x_max)
    # Steps and times are whole numbers: sent as integers they cost half the bytes.
    whole = x in ("step", "time")
    return {
        "key": key,
        "x_axis": x,
        "x": picked.x.astype(np.int64).tolist() if whole else picked.x.tolist(),
        "y": picked.y.tolist(),
        "total": picked.total,
        "in_range": picked.in_range,
        "downsampled": picked.downsampled,
        "x_range": extent,
    }

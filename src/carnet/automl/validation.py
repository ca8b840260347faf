"""Checks on ``run``'s arguments, all made before the search starts.

Each bad input raises :class:`~carnet.exceptions.InvalidArgument` (or ``NotFound`` for a missing
file) naming the argument, so nothing is logged and no time is spent on a search that cannot work.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carnet.automl.frameworks import choose_frameworks
from carnet.automl.metrics import CLASSIFICATION, FORECASTING, REGRESSION, TASKS, default_metric, metric_spec
from carnet.exceptions import InvalidArgument, NotFound

MIN_ROWS = 20
MAX_TIMEOUT_S = 7 * 24 * 3600
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_S = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


@dataclass
class Problem:
    """What the search works on, checked: features, target (class indices for classification),
    and the settings."""

    task: str
    target: str
    metric: str
    frameworks: list[str]
    timeout_s: float
    max_trials: int | None
    n_jobs: int
    seed: int
    X: pd.DataFrame
    y: np.ndarray
    classes: np.ndarray | None = None
    time_column: str | None = None
    horizon: int | None = None
    times: pd.DatetimeIndex | None = None
    freq: str | None = None
    notes: list[str] = field(default_factory=list)
    source: str | None = None  # the file the data came from, if any


def parse_timeout(value: Any) -> float:
    """Seconds from ``30``, ``"30s"``, ``"10m"``, ``"1.5h"``."""
    if isinstance(value, bool):
        raise InvalidArgument(f"timeout: {value!r} is not a duration", field="timeout")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise InvalidArgument(
                f"timeout: {value!r} is not a duration; write e.g. 90, 90s, 10m or 1h", field="timeout"
            )
        seconds = float(match.group(1)) * _UNIT_S[(match.group(2) or "s").lower()]
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_TIMEOUT_S:
        raise InvalidArgument(f"timeout: {value!r} must be above 0 and at most 7 days", field="timeout")
    return seconds


def read_data(data: Any) -> tuple[pd.DataFrame, str | None]:
    """A DataFrame from a DataFrame, or a ``.csv`` / ``.parquet`` path."""
    if isinstance(data, pd.DataFrame):
        return data, None
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.is_file():
            raise NotFound(f"data: no file at {str(path)!r}", field="data")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return pd.read_csv(path), str(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path), str(path)
        raise InvalidArgument(f"data: {path.name!r} is neither a .csv nor a .parquet file", field="data")
    raise InvalidArgument(
        f"data: expected a pandas DataFrame or a CSV/Parquet path, got {type(data).__name__}", field="data"
    )


def _positive_int(value: Any, name: str, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidArgument(f"{name}: {value!r} must be a whole number of at least 1", field=name)
    return int(value)


def prepare(
    data: Any,
    task: str,
    target: str,
    *,
    metric: str | None,
    frameworks: Any,
    timeout: Any,
    max_trials: int | None,
    time_column: str | None,
    horizon: int | None,
    n_jobs: int,
    seed: int,
) -> Problem:
    """Check every argument of ``run`` and build the :class:`Problem`."""
    task = str(task).strip().lower()
    if task not in TASKS:
        raise InvalidArgument(f"task: {task!r}; use one of {', '.join(TASKS)}", field="task")
    timeout_s = parse_timeout(timeout)
    trials = _positive_int(max_trials, "max_trials", allow_none=True)
    jobs = _positive_int(n_jobs, "n_jobs")
    assert jobs is not None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InvalidArgument(f"seed: {seed!r} must be an integer", field="seed")
    if metric is not None:
        metric_spec(task, metric)  # raises when the metric does not fit the task
    names, notes = choose_frameworks(task, frameworks)
    frame, source = read_data(data)
    if not isinstance(target, str) or target not in frame.columns:
        raise InvalidArgument(
            f"target: no column {target!r} in the data (columns: {', '.join(map(str, frame.columns[:20]))})",
            field="target",
        )
    common: dict[str, Any] = {
        "task": task,
        "target": target,
        "frameworks": names,
        "timeout_s": timeout_s,
        "max_trials": trials,
        "n_jobs": jobs,
        "seed": int(seed),
        "notes": notes,
        "source": source,
    }
    if task == FORECASTING:
        from carnet.automl.forecasting import prepare_series

        return prepare_series(frame, metric=metric, time_column=time_column, horizon=horizon, **common)
    y_raw = frame[target]
    missing = int(y_raw.isna().sum())
    if missing == len(frame):
        raise InvalidArgument(f"target: column {target!r} has no values", field="target")
    if missing:
        notes.append(f"{missing} rows without a target value were left out")
        frame = frame[y_raw.notna()].reset_index(drop=True)
        y_raw = frame[target]
    if y_raw.nunique() < 2:
        raise InvalidArgument(
            f"target: column {target!r} is constant ({y_raw.iloc[0]!r}); there is nothing to learn",
            field="target",
        )
    if len(frame) < MIN_ROWS:
        raise InvalidArgument(
            f"data: {len(frame)} rows with a target; AutoML needs at least {MIN_ROWS}", field="data"
        )
    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise InvalidArgument("data: no feature columns besides the target", field="data")
    X.columns = [str(c) for c in X.columns]
    if task == REGRESSION:
        numeric = pd.to_numeric(y_raw, errors="coerce")
        if numeric.isna().any() or pd.api.types.is_bool_dtype(y_raw):
            raise InvalidArgument(
                f"target: column {target!r} is not numeric (e.g. {y_raw[numeric.isna()].iloc[0]!r}); "
                "regression needs numbers, or use --task classification",
                field="target",
            )
        return Problem(metric=metric or default_metric(task), X=X, y=numeric.to_numpy(float), **common)
    classes, y = np.unique(y_raw.to_numpy(), return_inverse=True)
    counts = np.bincount(y)
    if counts.min() < 2:
        rare = [str(c) for c, n in zip(classes, counts, strict=True) if n < 2]
        raise InvalidArgument(
            f"target: class(es) {', '.join(rare[:5])} have a single row; each class needs at least 2",
            field="target",
        )
    assert task == CLASSIFICATION
    return Problem(
        metric=metric or default_metric(task, len(classes)), X=X, y=y.astype(int), classes=classes, **common
    )

"""Numeric points as packed chunks: encoding a batch's points per series, decoding a history.

A chunk holds three little-endian arrays (int64 steps, int64 timestamps, float64 values). NaN and
±inf are stored as they are, which SQLite's REAL column could not do for NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from carnet.entities import MetricColumns
from carnet.exceptions import InvalidValue

STEP_DTYPE = np.dtype("<i8")
VALUE_DTYPE = np.dtype("<f8")


class Chunk:
    """One series' points of one batch, packed for a ``metric_chunks`` row."""

    __slots__ = ("arrays", "last", "max_step", "min_step", "n", "step_data", "timestamp_data", "value_data")

    def __init__(
        self,
        step_array: npt.NDArray[np.int64],
        time_array: npt.NDArray[np.int64],
        value_array: npt.NDArray[np.float64],
    ) -> None:
        self.arrays = (step_array, time_array, value_array)
        self.n = int(step_array.shape[0])
        self.min_step = int(step_array.min())
        self.max_step = int(step_array.max())
        # The latest point has the highest (step, timestamp); of equal ones, the last logged.
        # lexsort is stable, so the last index of its order is exactly that point.
        i = int(np.lexsort((time_array, step_array))[-1])
        self.last = (int(step_array[i]), int(time_array[i]), float(value_array[i]))
        self.step_data = step_array.tobytes()
        self.timestamp_data = time_array.tobytes()
        self.value_data = value_array.tobytes()

    @classmethod
    def pack(
        cls,
        key: str,
        steps: Sequence[int] | npt.NDArray[np.int64],
        timestamps: Sequence[int] | npt.NDArray[np.int64],
        values: Sequence[float] | npt.NDArray[np.float64],
    ) -> Chunk:
        try:
            arrays = (
                np.asarray(steps, dtype=STEP_DTYPE),
                np.asarray(timestamps, dtype=STEP_DTYPE),
                np.asarray(values, dtype=VALUE_DTYPE),
            )
        except (OverflowError, ValueError, TypeError) as exc:
            raise InvalidValue(
                f"metric {key!r}: steps and timestamps must be 64-bit integers and values numbers ({exc})",
                field=f"metrics.{key}",
            ) from None
        if not arrays[0].shape == arrays[1].shape == arrays[2].shape or arrays[0].ndim != 1:
            raise InvalidValue(
                f"metric {key!r}: steps, timestamps and values must be flat and of the same length",
                field=f"metrics.{key}",
            )
        return cls(*arrays)

    @classmethod
    def join(cls, parts: Sequence[Chunk]) -> Chunk:
        """One chunk of several, in order (a batch that names a series twice)."""
        return cls(*(np.concatenate([p.arrays[i] for p in parts]) for i in range(3)))


def decode(key: str, rows: Iterable[Sequence[Any]]) -> MetricColumns:
    """Concatenate ``(step_data, timestamp_data, value_data)`` rows (in ``seq`` order) into columns
    ordered by step, logging order kept among equal steps."""
    steps: list[npt.NDArray[np.int64]] = []
    stamps: list[npt.NDArray[np.int64]] = []
    values: list[npt.NDArray[np.float64]] = []
    for step_data, timestamp_data, value_data in rows:
        steps.append(np.frombuffer(step_data, STEP_DTYPE))
        stamps.append(np.frombuffer(timestamp_data, STEP_DTYPE))
        values.append(np.frombuffer(value_data, VALUE_DTYPE))
    if not steps:
        return MetricColumns.empty(key)
    step_array = np.concatenate(steps).astype(np.int64, copy=False)
    time_array = np.concatenate(stamps).astype(np.int64, copy=False)
    value_array = np.concatenate(values).astype(np.float64, copy=False)
    if step_array.shape[0] > 1 and bool((step_array[1:] < step_array[:-1]).any()):
        order = np.argsort(step_array, kind="stable")
        step_array, time_array, value_array = step_array[order], time_array[order], value_array[order]
    return MetricColumns(key, step_array, time_array, value_array)

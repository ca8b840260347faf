"""Checking predict inputs against a model's input schema.

A missing column, or a value that cannot be converted without loss, is an ``InvalidValue``
naming the column; columns the signature does not list are dropped with a warning; widening
conversions (int → float, float32 → float64) are applied quietly.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from carnet.exceptions import InvalidValue
from carnet.models.schema import ColSpec, Schema, TensorSpec

# numpy dtypes each column type accepts without losing information.
_ACCEPTS: dict[str, tuple[str, ...]] = {
    "double": (
        "float64",
        "float32",
        "float16",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
    ),
    "float": ("float32", "float16", "int8", "int16", "uint8", "uint16"),
    "long": ("int64", "int32", "int16", "int8", "uint32", "uint16", "uint8"),
    "integer": ("int32", "int16", "int8", "uint16", "uint8"),
    "boolean": ("bool",),
}
_TARGET = {"double": "float64", "float": "float32", "long": "int64", "integer": "int32", "boolean": "bool"}


def enforce_schema(data: Any, schema: Schema) -> Any:
    """``data`` converted to what the schema describes, or ``InvalidValue``."""
    if schema.is_tensor:
        return _enforce_tensors(data, schema)
    if not all(isinstance(spec, ColSpec) and spec.name is not None for spec in schema.specs):
        return data  # an unnamed column schema: nothing to match columns against
    return _enforce_columns(_as_frame(data, schema), schema)


def _as_frame(data: Any, schema: Schema) -> pd.DataFrame:
    names = [str(n) for n in schema.names]
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, dict) or (isinstance(data, list) and data and all(isinstance(r, dict) for r in data)):
        return pd.DataFrame(data)
    array = np.asarray(data) if isinstance(data, (list, tuple)) else data
    if isinstance(array, np.ndarray) and array.ndim == 2 and array.shape[1] == len(names):
        return pd.DataFrame(array, columns=names)
    raise InvalidValue(
        f"model_input: the model takes columns {names}; got {type(data).__name__} that does not match",
        field="model_input",
    )


def _enforce_columns(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    specs = [s for s in schema.specs if isinstance(s, ColSpec)]
    if any(not isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    columns = list(frame.columns)
    have = set(columns)
    missing = [str(s.name) for s in specs if s.required and str(s.name) not in have]
    if missing:
        raise InvalidValue(
            f"model_input: missing column(s) {', '.join(repr(m) for m in missing)} required by the model's "
            "signature",
            field=missing[0],
        )
    present = [s for s in specs if str(s.name) in have]
    order = [str(s.name) for s in present]
    extra = [c for c in columns if c not in set(order)]
    if extra:
        warnings.warn(
            f"model_input: column(s) {', '.join(repr(e) for e in extra)} are not in the model's signature "
            "and were dropped",
            UserWarning,
            stacklevel=3,
        )
    if columns != order:
        frame = frame.loc[:, order]
    # Single-row predictions are latency bound: convert only the columns that need it, in one call.
    conversions: dict[str, str] = {}
    for spec in present:
        target = _conversion(frame[str(spec.name)], spec)
        if target is not None:
            conversions[str(spec.name)] = target
    if not conversions:
        return frame
    dates = [name for name, target in conversions.items() if target == "datetime"]
    frame = frame.astype({n: t for n, t in conversions.items() if t != "datetime"})
    for name in dates:
        frame[name] = pd.to_datetime(frame[name])
    return frame


def _conversion(series: pd.Series, spec: ColSpec) -> str | None:
    """The dtype the column must be converted to (None: it is fine as it is); ``InvalidValue``
    when no safe conversion exists."""
    if spec.raw:
        return None  # a richer MLflow type: presence is all carnet checks
    name = str(spec.name)
    dtype = series.dtype
    kind = getattr(dtype, "kind", "O")
    if spec.type in _ACCEPTS:
        if kind in "biuf" and np.dtype(getattr(dtype, "numpy_dtype", dtype)).name in _ACCEPTS[spec.type]:
            target = _TARGET[spec.type]
            return None if dtype == np.dtype(target) else target
        raise _wrong_type(name, spec.type, dtype)
    if spec.type == "datetime" and kind == "M":
        return None
    values = series.dropna()
    if spec.type == "string" and all(isinstance(v, str) for v in values):
        return None
    if spec.type == "binary" and all(isinstance(v, (bytes, bytearray)) for v in values):
        return None
    if spec.type == "datetime" and all(isinstance(v, pd.Timestamp) for v in values):
        return "datetime"
    raise _wrong_type(name, spec.type, dtype)


def _wrong_type(name: str, wanted: str, got: Any) -> InvalidValue:
    return InvalidValue(
        f"model_input: column {name!r} has type {got}, which does not convert safely to {wanted!r} "
        "as the model's signature requires",
        field=name,
    )


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    specs = [s for s in schema.specs if isinstance(s, TensorSpec)]
    if len(specs) > 1 and all(s.name for s in specs):
        if not isinstance(data, dict):
            raise InvalidValue("model_input: the model takes named tensors; pass a dict", field="model_input")
        missing = [str(s.name) for s in specs if s.name not in data]
        if missing:
            raise InvalidValue(f"model_input: missing tensor(s) {missing}", field=missing[0])
        return {str(s.name): _enforce_tensor(data[s.name], s) for s in specs}
    return _enforce_tensor(data, specs[0])


def _enforce_tensor(data: Any, spec: TensorSpec) -> np.ndarray:
    label = spec.name or "model_input"
    array = data.to_numpy() if isinstance(data, (pd.DataFrame, pd.Series)) else np.asarray(data)
    target = np.dtype(spec.dtype)
    if array.dtype != target:
        if not np.can_cast(array.dtype, target, casting="safe"):
            raise InvalidValue(
                f"{label}: dtype {array.dtype} does not convert safely to {target} as the model's "
                "signature requires",
                field=label,
            )
        array = array.astype(target)
    fits = len(array.shape) == len(spec.shape) and all(
        want in (-1, got) for want, got in zip(spec.shape, array.shape, strict=True)
    )
    if not fits:
        raise InvalidValue(
            f"{label}: shape {list(array.shape)} does not match the signature's {list(spec.shape)}",
            field=label,
        )
    return array

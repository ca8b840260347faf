"""``infer_signature``: a signature from example inputs (and outputs).

DataFrames, Series, dicts of columns and lists of dicts give column specs; numpy arrays and
lists of numbers give a tensor spec whose first dimension is -1 (any number of rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carnet.exceptions import InvalidValue
from carnet.models.schema import ColSpec, ModelSignature, Schema, TensorSpec


def infer_signature(model_input: Any, model_output: Any = None) -> ModelSignature:
    """The signature of a model that takes ``model_input`` and returns ``model_output``."""
    return ModelSignature(
        infer_schema(model_input, "model_input"),
        infer_schema(model_output, "model_output") if model_output is not None else None,
    )


def infer_schema(data: Any, what: str = "data") -> Schema:
    if isinstance(data, pd.DataFrame):
        return Schema(tuple(ColSpec(column_type(data[c], str(c)), str(c)) for c in data.columns))
    if isinstance(data, pd.Series):
        name = str(data.name) if data.name is not None else None
        return Schema((ColSpec(column_type(data, name or what), name),))
    if isinstance(data, dict):
        return infer_schema(pd.DataFrame(data), what)
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        return infer_schema(pd.DataFrame(data), what)
    if isinstance(data, (list, tuple)):
        if not data:
            raise InvalidValue(f"{what}: cannot infer a schema from an empty list", field=what)
        data = np.asarray(data)
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "biuf":
            raise InvalidValue(
                f"{what}: cannot infer a tensor spec for dtype {data.dtype}; pass a DataFrame for "
                "text or mixed columns",
                field=what,
            )
        return Schema((TensorSpec(data.dtype.name, (-1, *data.shape[1:])),))
    raise InvalidValue(
        f"{what}: cannot infer a schema from {type(data).__name__}; use a DataFrame, a numpy array or a list",
        field=what,
    )


def column_type(series: pd.Series, name: str) -> str:
    """carnet's (and MLflow's) type name for a column."""
    dtype = series.dtype
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return "boolean"
    if kind in "iu":
        return "integer" if dtype.itemsize < 4 or (kind == "i" and dtype.itemsize == 4) else "long"
    if kind == "f":
        return "double" if dtype.itemsize >= 8 else "float"
    if kind == "M":
        return "datetime"
    values = series.dropna()
    if isinstance(dtype, pd.StringDtype) or (len(values) and all(isinstance(v, str) for v in values)):
        return "string"
    if len(values) and all(isinstance(v, (bytes, bytearray)) for v in values):
        return "binary"
    if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
        return "boolean"
    raise InvalidValue(
        f"column {name!r}: cannot infer a type from dtype {dtype} (mixed or unsupported values)", field=name
    )

"""MLflow's scoring protocol: request bodies in, ``{"predictions": ...}`` out.

A JSON body holds exactly one of ``dataframe_split`` (``{"columns", "data"}``), ``dataframe_records``
(a list of row objects), ``instances`` or ``inputs`` (TF-serving style: a list of rows, a list of
scalars, or named columns), plus optional ``params``. A ``text/csv`` body is a table with a header
row. Anything else is refused with the field that is wrong, so a client can fix its request.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pandas as pd

from carnet.exceptions import InvalidValue, LimitExceeded

INPUT_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
JSON_TYPES = ("application/json",)
CSV_TYPES = ("text/csv", "application/csv")


class UnsupportedMediaType(InvalidValue):
    """The request's content type is neither JSON nor CSV (answered with 415)."""

    http_status = 415


class PayloadTooLarge(LimitExceeded):
    """The request body is over the scoring app's limit (answered with 413)."""

    http_status = 413


@dataclass
class ScoringRequest:
    """A parsed request: the model input (a DataFrame, a numpy array or a dict of arrays) and the
    params that came with it."""

    data: Any
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        if isinstance(self.data, (pd.DataFrame, np.ndarray)):
            return len(self.data)
        return 0


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_request(body: bytes, content_type: str | None, *, doubles: bool = False) -> ScoringRequest:
    """The model input in ``body``, or ``InvalidValue`` naming what is wrong (``UnsupportedMediaType``
    for a content type that is neither JSON nor CSV). ``doubles``: every column the model takes is a
    double, so a table of plain numbers may be read straight into one float array."""
    kind = media_type(content_type)
    if kind in CSV_TYPES:
        return ScoringRequest(parse_csv(body))
    if kind not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"content-type: {kind or 'none'!r} is not supported; send application/json (dataframe_split, "
            "dataframe_records, instances or inputs) or text/csv",
            field="content-type",
        )
    if not body.strip():
        raise InvalidValue("body: the request body is empty", field="body")
    try:
        payload = orjson.loads(body)
    except ValueError:
        payload = _lenient_json(body)  # e.g. NaN, which Python's json (and so MLflow's client) writes
    return parse_json(payload, plain_numbers=_plain(body, doubles))


def _plain(body: bytes, doubles: bool) -> bool:
    # Plain numbers only (no true, false or null to convert differently per column): one array.
    return doubles and b"true" not in body and b"false" not in body and b"null" not in body


def _lenient_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidValue(f"body: not valid JSON ({e})", field="body") from None


def parse_csv(body: bytes) -> pd.DataFrame:
    if not body.strip():
        raise InvalidValue("body: the CSV body is empty", field="body")
    try:
        return pd.read_csv(io.BytesIO(body))
    except (ValueError, pd.errors.ParserError) as e:
        raise InvalidValue(f"body: not a valid CSV table ({e})", field="body") from None


def parse_json(payload: Any, *, plain_numbers: bool = False) -> ScoringRequest:
    if not isinstance(payload, dict):
        raise InvalidValue(f"body: expected a JSON object with one of {', '.join(INPUT_KEYS)}", field="body")
    keys = [k for k in INPUT_KEYS if k in payload]
    unknown = sorted(set(payload) - set(INPUT_KEYS) - {"params"})
    if len(keys) != 1 or unknown:
        found = ", ".join(sorted(payload)) or "nothing"
        raise InvalidValue(
            f"body: expected exactly one of {', '.join(INPUT_KEYS)} (and optional params); got {found}",
            field=unknown[0] if unknown else "body",
        )
    params = payload.get("params") or {}
    if not isinstance(params, dict):
        raise InvalidValue("params: expected a JSON object", field="params")
    key = keys[0]
    value = payload[key]
    if key == "dataframe_split":
        data: Any = _split(value, plain_numbers)
    elif key == "dataframe_records":
        data = _records(value)
    else:
        data = _tensor_input(key, value)
    return ScoringRequest(data, params)


def _split(value: Any, plain_numbers: bool = False) -> pd.DataFrame:
    if not isinstance(value, dict) or "data" not in value:
        raise InvalidValue(
            'dataframe_split: expected {"columns": [...], "data": [[...], ...]}', field="dataframe_split"
        )
    rows, columns = value["data"], value.get("columns")
    if not isinstance(rows, list):
        raise InvalidValue("dataframe_split.data: expected a list of rows", field="dataframe_split.data")
    if columns is not None and not isinstance(columns, list):
        raise InvalidValue(
            "dataframe_split.columns: expected a list of names", field="dataframe_split.columns"
        )
    if columns is not None:
        width = len(columns)
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != width:
                raise InvalidValue(
                    f"dataframe_split.data: row {i} has {len(row) if isinstance(row, list) else 'no'} "
                    f"values; the columns name {width}",
                    field="dataframe_split.data",
                )
    if plain_numbers and columns is not None and rows and value.get("index") is None:
        try:
            array = np.array(rows, dtype=np.float64)
        except (ValueError, TypeError):  # text among the numbers: let pandas type each column
            array = None
        if array is not None and array.ndim == 2:
            return pd.DataFrame(array, columns=columns)
    try:
        return pd.DataFrame(rows, columns=columns, index=value.get("index"))
    except (ValueError, TypeError) as e:
        raise InvalidValue(f"dataframe_split: {e}", field="dataframe_split") from None


def _records(value: Any) -> pd.DataFrame:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise InvalidValue("dataframe_records: expected a list of row objects", field="dataframe_records")
    return pd.DataFrame.from_records(value)


def _tensor_input(key: str, value: Any) -> Any:
    if isinstance(value, dict):  # named columns or tensors
        try:
            return {str(k): np.asarray(v) for k, v in value.items()}
        except (ValueError, TypeError) as e:
            raise InvalidValue(f"{key}: {e}", field=key) from None
    if not isinstance(value, list):
        raise InvalidValue(f"{key}: expected a list or an object of named inputs", field=key)
    if value and all(isinstance(r, dict) for r in value):
        return pd.DataFrame.from_records(value)
    try:
        return np.asarray(value)
    except ValueError as e:  # ragged rows
        raise InvalidValue(f"{key}: rows of different lengths ({e})", field=key) from None


def jsonable(predictions: Any) -> Any:
    """Predictions as JSON values: arrays and series as lists, a DataFrame as row objects, NaN as null."""
    if isinstance(predictions, pd.DataFrame):
        return json.loads(predictions.to_json(orient="records"))
    if isinstance(predictions, pd.Series):
        predictions = predictions.to_numpy()
    if isinstance(predictions, np.ndarray):
        if predictions.dtype.kind == "f" and not np.isfinite(predictions).all():
            return [_finite(v) for v in predictions.tolist()]
        return predictions.tolist()
    if isinstance(predictions, dict):
        return {str(k): jsonable(v) for k, v in predictions.items()}
    if isinstance(predictions, (list, tuple)):
        return [jsonable(v) for v in predictions]
    if isinstance(predictions, np.generic):
        return predictions.item()
    return predictions


def _finite(value: Any) -> Any:
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def encode_predictions(predictions: Any) -> bytes:
    return orjson.dumps({"predictions": jsonable(predictions)})

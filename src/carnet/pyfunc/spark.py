"""Scoring a Spark DataFrame with a carnet (or MLflow) model: ``carnet.pyfunc.spark_udf``, where
MLflow users look for it (``mlflow.pyfunc.spark_udf``); install ``carnet[spark]``.

The model folder is resolved once on the driver (downloaded for ``models:/`` and ``runs:/`` URIs)
and shipped to the executors with ``SparkContext.addFile``; each Python worker loads it once and
scores whole Arrow batches with the model's ``predict`` (signature checks included).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from carnet.exceptions import InvalidValue

_LOADED: dict[tuple[str, str], Any] = {}  # per Python worker: (folder, method) -> predict function
_LOCK = threading.Lock()


def _predict_function(
    folder: str, method: str, allow_pickle: bool | None, trusted: Sequence[str] | None
) -> Any:
    with _LOCK:
        key = (folder, method)
        if key not in _LOADED:
            from carnet import pyfunc

            model = pyfunc.load_model(folder, allow_pickle=allow_pickle, trusted_types=trusted)
            _LOADED[key] = (model, getattr(model, method))
        return _LOADED[key]


def _local_folder(name: str, driver_folder: str) -> str:
    from pyspark import SparkFiles

    shipped = Path(SparkFiles.get(name))
    return str(shipped if shipped.exists() else driver_folder)


def spark_udf(
    spark: Any,
    model_uri: str,
    result_type: Any = "double",
    *,
    method: str = "predict",
    allow_pickle: bool | None = None,
    trusted_types: Sequence[str] | None = None,
    tracking_uri: str | None = None,
) -> Any:
    """A pandas UDF that scores its columns with the model: ``df.withColumn("p", udf(*columns))``.

    Columns are matched to the model's signature by position when there are as many as it names
    (so ``udf(*df.columns)`` or ``udf("a", "b")`` both work), else by their own names.
    ``result_type`` is a Spark type or its DDL string: ``"double"``, ``"long"``, ``"string"``,
    ``"array<double>"`` (e.g. with ``method="predict_proba"``).
    """
    from pyspark.sql.functions import pandas_udf  # type: ignore[attr-defined]

    from carnet.models import local_model_path
    from carnet.models.mlmodel import Model

    if method not in ("predict", "predict_proba"):
        raise InvalidValue(f"method: {method!r} is not predict or predict_proba", field="method")
    folder = local_model_path(model_uri, tracking_uri=tracking_uri).resolve()
    signature = Model.load(folder).signature
    names = [str(n) for n in signature.inputs.names] if signature and signature.inputs else []
    spark.sparkContext.addFile(str(folder), recursive=True)
    shipped_name, driver_folder = folder.name, str(folder)
    trusted = list(trusted_types) if trusted_types else None

    def score(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.Series]:
        _, predict = _predict_function(
            _local_folder(shipped_name, driver_folder), method, allow_pickle, trusted
        )
        for columns in batches:
            series = list(columns) if isinstance(columns, tuple) else [columns]
            if names and len(series) == len(names):
                frame = pd.concat([s.rename(n) for s, n in zip(series, names, strict=True)], axis=1)
            else:
                frame = pd.concat(series, axis=1)
            result = predict(frame)
            if isinstance(result, pd.DataFrame):
                result = result.to_numpy()
            if getattr(result, "ndim", 1) == 2:
                yield pd.Series([list(row) for row in result])
            else:
                yield pd.Series(result).reset_index(drop=True)

    return pandas_udf(score, returnType=result_type)

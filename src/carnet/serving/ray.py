"""Scoring a Ray dataset with a carnet (or MLflow) model: ``score_ray_dataset`` (install
``carnet[ray]``). A pool of Ray actors each loads the model once and scores pandas batches with
``map_batches``; the result is the dataset with a prediction column (or columns) added."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from carnet.exceptions import InvalidValue


class _BatchScorer:
    """The callable class Ray builds once per actor."""

    def __init__(
        self, folder: str, method: str, output: str, allow_pickle: bool | None, trusted: Sequence[str] | None
    ) -> None:
        from carnet import pyfunc

        self.model = pyfunc.load_model(folder, allow_pickle=allow_pickle, trusted_types=trusted)
        self.predict = getattr(self.model, method)
        self.output = output
        signature = self.model.metadata.signature
        self.inputs = [str(n) for n in signature.inputs.names] if signature and signature.inputs else None

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        features = batch[self.inputs] if self.inputs and set(self.inputs) <= set(batch.columns) else batch
        result = self.predict(features)
        out = batch.copy()
        array = result.to_numpy() if isinstance(result, (pd.DataFrame, pd.Series)) else np.asarray(result)
        if array.ndim == 2:
            for i in range(array.shape[1]):
                out[f"{self.output}_{i}"] = array[:, i]
        else:
            out[self.output] = array
        return out


def score_ray_dataset(
    dataset: Any,
    model_uri: str,
    *,
    method: str = "predict",
    output_column: str = "prediction",
    batch_size: int = 4096,
    actors: int = 1,
    allow_pickle: bool | None = None,
    trusted_types: Sequence[str] | None = None,
    tracking_uri: str | None = None,
) -> Any:
    """``dataset`` (a ``ray.data.Dataset``) with ``output_column`` added (``<output_column>_<i>``
    for each column of ``predict_proba``), scored by ``actors`` Ray actors in batches of
    ``batch_size`` rows. Columns the signature does not name are kept but not given to the model.
    Lazy, as Ray datasets are: nothing runs until the result is consumed."""
    import ray.data

    from carnet.models import local_model_path

    if method not in ("predict", "predict_proba"):
        raise InvalidValue(f"method: {method!r} is not predict or predict_proba", field="method")
    if actors < 1 or batch_size < 1:
        raise InvalidValue(
            "actors and batch_size: must be at least 1", field="actors" if actors < 1 else "batch_size"
        )
    folder = str(local_model_path(model_uri, tracking_uri=tracking_uri).resolve())
    return dataset.map_batches(
        _BatchScorer,
        fn_constructor_kwargs={
            "folder": folder,
            "method": method,
            "output": output_column,
            "allow_pickle": allow_pickle,
            "trusted": list(trusted_types) if trusted_types else None,
        },
        batch_format="pandas",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors),
    )

"""Datasets a run logs as inputs: building one from arguments, and from a pandas DataFrame.

MLflow's ``mlflow.log_input(dataset, context)`` takes an ``mlflow.data.Dataset``; carnet does not
depend on MLflow, so it takes carnet's :class:`~carnet.entities.Dataset` or the same fields as
arguments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from carnet.entities import DATASET_CONTEXT_TAG, Dataset, DatasetInput
from carnet.exceptions import InvalidArgument
from carnet.validation import check_dataset_input

DIGEST_LENGTH = 8  # hex characters, like MLflow's dataset digests


def dataset_input(
    dataset: Dataset | str,
    digest: str | None = None,
    source: str | None = None,
    source_type: str = "local",
    context: str | None = None,
    schema: str | None = None,
    profile: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> DatasetInput:
    """A checked input: ``dataset`` is a :class:`Dataset`, or its name with ``digest`` and
    ``source`` given too; ``context`` (``training``, ``validation``, ...) becomes MLflow's
    ``mlflow.data.context`` tag."""
    if isinstance(dataset, Dataset):
        if digest is not None or source is not None:
            raise InvalidArgument(
                "dataset: give a Dataset, or a name with digest and source, not both", field="dataset"
            )
        entity = dataset
    else:
        if digest is None or source is None:
            missing = "digest" if digest is None else "source"
            raise InvalidArgument(f"{missing}: needed with a dataset name", field=missing)
        entity = Dataset(dataset, digest, source_type, source, schema or "", profile or "")
    all_tags = {str(k): str(v) for k, v in (tags or {}).items()}
    if context is not None:
        all_tags[DATASET_CONTEXT_TAG] = context
    return check_dataset_input(DatasetInput(entity, all_tags), field="dataset")


def from_pandas(df: Any, source: str, name: str | None = None, source_type: str = "local") -> Dataset:
    """A :class:`Dataset` describing a pandas DataFrame: its digest is the first 8 hex characters
    of a hash of the frame's columns and values (the same frame gives the same digest)."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument(f"df: expected a pandas DataFrame, got {type(df).__name__}", field="df")
    hasher = hashlib.sha256()
    hasher.update("\x1f".join(map(str, df.columns)).encode())
    hasher.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    digest = hasher.hexdigest()[:DIGEST_LENGTH]
    return Dataset(name or "dataset", digest, source_type, source)

"""Dataset inputs on MLflow's wire: ``runs/log-inputs`` bodies in, ``run.inputs`` out.

A dataset input travels as ``{"dataset": {name, digest, source_type, source, schema?, profile?},
"tags": [{key, value}]}`` (``mlflow/entities/dataset_input.py``).
"""

from __future__ import annotations

from typing import Any

from carnet.entities import Dataset, DatasetInput
from carnet.exceptions import InvalidArgument
from carnet.server.mlflow.request import as_list
from carnet.validation import check_dataset_input

_REQUIRED = ("name", "digest", "source_type", "source")
_OPTIONAL = ("schema", "profile")


def parse_inputs(items: Any) -> list[DatasetInput]:
    """The ``datasets`` of a ``runs/log-inputs`` body, checked: a missing field is named."""
    return [check_dataset_input(_parse_input(item)) for item in as_list(items)]


def _parse_input(item: Any) -> DatasetInput:
    if not isinstance(item, dict) or not isinstance(item.get("dataset"), dict):
        raise _missing("datasets.dataset")
    raw = item["dataset"]
    values: dict[str, str] = {}
    for name in _REQUIRED:
        value = raw.get(name)
        if value is None or value == "":
            raise _missing(f"datasets.dataset.{name}")
        values[name] = str(value)
    for name in _OPTIONAL:
        value = raw.get(name)
        values[name] = "" if value is None else str(value)
    tags: dict[str, str] = {}
    for tag in as_list(item.get("tags")):
        if not isinstance(tag, dict) or tag.get("key") in (None, ""):
            raise _missing("datasets.tags.key")
        if tag.get("value") is None:
            raise _missing("datasets.tags.value")
        tags[str(tag["key"])] = str(tag["value"])
    return DatasetInput(Dataset(**values), tags)


def _missing(path: str) -> InvalidArgument:
    return InvalidArgument(f"Missing value for required parameter '{path}'", field=path)


def run_inputs(inputs: list[DatasetInput]) -> dict[str, Any]:
    """A run's ``inputs`` message: empty when the run logged no dataset, as MLflow sends it."""
    if not inputs:
        return {}
    return {"dataset_inputs": [dataset_input(i) for i in inputs]}


def dataset_input(item: DatasetInput) -> dict[str, Any]:
    d = item.dataset
    dataset = {"name": d.name, "digest": d.digest, "source_type": d.source_type, "source": d.source}
    # MLflow leaves an unset schema or profile out of the message.
    if d.schema:
        dataset["schema"] = d.schema
    if d.profile:
        dataset["profile"] = d.profile
    return {"tags": [{"key": k, "value": v} for k, v in item.tags.items()], "dataset": dataset}

"""Dataset inputs from the SDK: ``Run.log_input``, the MLflow-style ``carnet.log_input`` and
``carnet.data.from_pandas``."""

from __future__ import annotations

import pandas as pd
import pytest

import carnet
import carnet.data
from carnet.entities import DATASET_CONTEXT_TAG, Dataset, DatasetInput
from carnet.exceptions import InvalidArgument, LimitExceeded, RunNotActive


@pytest.fixture
def tracked(store_uri: str) -> str:
    carnet.set_tracking_uri(store_uri)
    return store_uri


def test_run_log_input_with_fields_or_a_dataset(tracked: str) -> None:
    ws = carnet.Workspace(tracked)
    run = carnet.Experiment(ws, "inputs").start_logging()
    run.log_input("iris", digest="1a2b3c4d", source="data/iris.csv", context="training", schema='{"c": 4}')
    wine = Dataset("wine", "9f8e7d6c", "s3", "s3://b/wine.csv")
    run.log_input(wine, tags={"split": "test"})
    assert run.get_inputs() == [
        DatasetInput(
            Dataset("iris", "1a2b3c4d", "local", "data/iris.csv", schema='{"c": 4}'),
            {DATASET_CONTEXT_TAG: "training"},
        ),
        DatasetInput(wine, {"split": "test"}),
    ]
    run.complete()
    with pytest.raises(RunNotActive):
        run.log_input(wine)


def test_argument_mistakes_are_clear(tracked: str) -> None:
    run = carnet.Experiment(carnet.Workspace(tracked), "inputs").start_logging()
    with pytest.raises(InvalidArgument, match="digest"):
        run.log_input("iris", source="iris.csv")
    with pytest.raises(InvalidArgument, match="not both"):
        run.log_input(Dataset("iris", "1", "local", "x"), digest="2")
    with pytest.raises(LimitExceeded, match="digest"):
        run.log_input("iris", digest="d" * 37, source="x")
    assert run.get_inputs() == []


def test_fluent_log_input_mlflow_style(tracked: str) -> None:
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    dataset = carnet.data.from_pandas(df, source="data/frame.csv", name="frame")
    with carnet.start_run() as run:
        carnet.log_input(dataset, context="training")
        carnet.log_input("holdout", "validation", digest="abcd1234", source="data/holdout.csv")
    inputs = carnet.Workspace(tracked).store.get_run_inputs(run.id)
    assert [(i.dataset.name, i.context) for i in inputs] == [("frame", "training"), ("holdout", "validation")]
    assert inputs[0].dataset == dataset


def test_from_pandas_digest_follows_the_data() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    first = carnet.data.from_pandas(df, source="f.csv", name="f")
    assert len(first.digest) == 8 and int(first.digest, 16) >= 0
    assert carnet.data.from_pandas(df.copy(), source="elsewhere.csv").digest == first.digest
    assert carnet.data.from_pandas(df.assign(a=[1.0, 3.0]), source="f.csv").digest != first.digest
    assert carnet.data.from_pandas(df.rename(columns={"b": "c"}), source="f.csv").digest != first.digest
    with pytest.raises(InvalidArgument, match="DataFrame"):
        carnet.data.from_pandas([1, 2], source="f.csv")

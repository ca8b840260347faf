"""Bad input is refused before the search starts, with the argument named, and nothing is logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import carnet
import carnet.automl
from carnet.exceptions import InvalidArgument, NotFound


def _table(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.normal(size=n), "label": ["a", "b"] * (n // 2), "value": rng.normal(size=n)}
    )


def _series(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame(
        {"day": pd.date_range("2024-01-01", periods=n, freq="D"), "sales": np.arange(n) % 7 + 1.0}
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"task": "clustering"}, "task", "classification"),
        ({"target": "nope"}, "target", "no column"),
        ({"data": _table().assign(label="a")}, "target", "constant"),
        ({"data": _table().assign(label=None)}, "target", "no values"),
        ({"frameworks": "lightgbm,catboost"}, "frameworks", "unknown framework"),
        ({"frameworks": "elastic_net"}, "frameworks", "does not do classification"),
        ({"metric": "rmse"}, "metric", "does not fit"),
        ({"data": _table(10)}, "data", "at least"),
        ({"task": "regression", "target": "label"}, "target", "not numeric"),
        ({"timeout": "soon"}, "timeout", "duration"),
        ({"timeout": 0}, "timeout", "above 0"),
        ({"max_trials": 0}, "max_trials", "at least 1"),
        ({"n_jobs": -1}, "n_jobs", "at least 1"),
        ({"data": 42}, "data", "DataFrame"),
    ],
)
def test_tabular_bad_input(kwargs: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"data": _table(), "task": "classification", "target": "label", "timeout": 10}
    arguments.update(kwargs)
    with pytest.raises(InvalidArgument) as caught:
        carnet.automl.run(**arguments)
    assert caught.value.field == field
    assert words in caught.value.message
    assert carnet.get_experiment_by_name("automl") is None  # nothing was logged


@pytest.mark.parametrize(
    ("data", "kwargs", "field", "words"),
    [
        (_series(), {"time_column": None}, "time_column", "time stamps"),
        (_series(), {"horizon": None}, "horizon", "number of steps"),
        (pd.concat([_series(), _series().tail(1)]), {}, "time_column", "more than once"),
        (_series().drop(index=[5, 11, 12]), {}, "time_column", "evenly spaced"),
        (_series(12), {}, "data", "needs at least"),
        (_series().assign(sales="many"), {}, "target", "not numeric"),
        (_series(), {"metric": "roc_auc"}, "metric", "does not fit"),
    ],
)
def test_forecasting_bad_input(data: pd.DataFrame, kwargs: dict[str, Any], field: str, words: str) -> None:
    arguments: dict[str, Any] = {"time_column": "day", "horizon": 7, "timeout": 10}
    arguments.update(kwargs)
    with pytest.raises(InvalidArgument) as caught:
        carnet.automl.run(data, "forecasting", "sales", **arguments)
    assert caught.value.field == field
    assert words in caught.value.message


def test_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as caught:
        carnet.automl.run(tmp_path / "none.csv", "classification", "label")
    assert caught.value.field == "data"
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(InvalidArgument, match=r"neither a \.csv nor a \.parquet"):
        carnet.automl.run(tmp_path / "data.json", "classification", "label")

"""A small registered-free model folder for the scoring tests: iris, logistic regression, skops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="session")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = COLUMNS
    return X, y


@pytest.fixture(scope="session")
def iris_model(iris: tuple[pd.DataFrame, pd.Series], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder (with signature and input example) shared by the session: tests only read it."""
    from sklearn.linear_model import LogisticRegression

    import carnet.sklearn

    X, y = iris
    folder = tmp_path_factory.mktemp("models") / "iris"
    carnet.sklearn.save_model(LogisticRegression(max_iter=500).fit(X, y), folder, input_example=X.head(2))
    return folder


@pytest.fixture(scope="session")
def iris_expected(iris: tuple[pd.DataFrame, pd.Series], iris_model: Path) -> Any:
    import carnet.pyfunc

    return carnet.pyfunc.load_model(iris_model).predict(iris[0])

"""Small data that ships inside packages (scikit-learn and statsmodels datasets), no downloads."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def cancer() -> pd.DataFrame:
    """200 rows of breast_cancer with a text label as the target."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X.iloc[:, :8].assign(diagnosis=y.map({0: "malignant", 1: "benign"}))
    return frame.sample(200, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X.assign(progression=y).head(200)


@pytest.fixture(scope="session")
def co2() -> pd.DataFrame:
    """Monthly CO2 at Mauna Loa (statsmodels), the last ten years."""
    import statsmodels.api as sm

    series = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean()
    frame = series.reset_index()
    frame.columns = ["month", "co2"]
    return frame.tail(120).reset_index(drop=True)

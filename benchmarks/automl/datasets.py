"""The benchmark suite: real datasets that ship inside packages, each with a held-out test split.

Tables come from scikit-learn and ISLP (``pip install --no-deps ISLP``; its datasets are skipped
when it is missing), series from statsmodels. The test split is made here, once, with a fixed seed;
neither AutoML system sees it during its search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

TEST_FRACTION = 0.25
SEED = 0


@dataclass(frozen=True)
class Dataset:
    name: str
    task: str  # classification, regression, forecasting
    target: str
    metric: str  # what both systems optimise and the test split is scored with
    load: Callable[[], pd.DataFrame]
    time_column: str | None = None
    horizon: int | None = None


def _sklearn(loader: str, target: str = "target") -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets

        X, y = getattr(sklearn.datasets, loader)(return_X_y=True, as_frame=True)
        return X.assign(**{target: y})

    return load


def _islp(name: str, drop: tuple[str, ...] = ()) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from ISLP import load_data

        frame = load_data(name).drop(columns=list(drop))
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype(str)
        return frame.reset_index(drop=True)

    return load


def _co2() -> pd.DataFrame:
    import statsmodels.api as sm

    series = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    frame = series.reset_index()
    frame.columns = ["month", "co2"]
    return frame.tail(240).reset_index(drop=True)


def _realgdp() -> pd.DataFrame:
    import statsmodels.api as sm

    data = sm.datasets.macrodata.load_pandas().data
    quarters = pd.PeriodIndex.from_fields(year=data["year"].astype(int), quarter=data["quarter"].astype(int))
    return pd.DataFrame({"quarter": quarters.to_timestamp(), "realgdp": data["realgdp"].to_numpy()})


def _sunspots() -> pd.DataFrame:
    import statsmodels.api as sm

    data = sm.datasets.sunspots.load_pandas().data
    years = pd.to_datetime(data["YEAR"].astype(int).astype(str), format="%Y")
    return pd.DataFrame({"year": years, "activity": data["SUNACTIVITY"].to_numpy()})


SUITE: list[Dataset] = [
    Dataset("breast_cancer", "classification", "target", "roc_auc", _sklearn("load_breast_cancer")),
    Dataset("digits", "classification", "target", "log_loss", _sklearn("load_digits")),
    Dataset("wine", "classification", "target", "log_loss", _sklearn("load_wine")),
    Dataset("diabetes", "regression", "target", "rmse", _sklearn("load_diabetes")),
    Dataset("islp_default", "classification", "default", "roc_auc", _islp("Default")),
    Dataset("islp_oj", "classification", "Purchase", "roc_auc", _islp("OJ")),
    Dataset("islp_carseats", "regression", "Sales", "rmse", _islp("Carseats")),
    Dataset("islp_wage", "regression", "wage", "rmse", _islp("Wage", drop=("logwage",))),
    Dataset("co2", "forecasting", "co2", "mase", _co2, time_column="month", horizon=12),
    Dataset("realgdp", "forecasting", "realgdp", "mase", _realgdp, time_column="quarter", horizon=8),
    Dataset("sunspots", "forecasting", "activity", "mase", _sunspots, time_column="year", horizon=10),
]
QUICK = ("breast_cancer", "diabetes", "co2")


def available(names: tuple[str, ...] | None = None) -> list[Dataset]:
    import importlib.util

    has_islp = importlib.util.find_spec("ISLP") is not None
    return [
        d for d in SUITE if (names is None or d.name in names) and (has_islp or not d.name.startswith("islp"))
    ]


def split(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): a stratified 25% for tables, the last horizon for series."""
    frame = dataset.load()
    if dataset.task == "forecasting":
        assert dataset.horizon is not None
        return frame.iloc[: -dataset.horizon].reset_index(drop=True), frame.iloc[
            -dataset.horizon :
        ].reset_index(drop=True)
    from sklearn.model_selection import train_test_split

    stratify = frame[dataset.target] if dataset.task == "classification" else None
    train, test = train_test_split(frame, test_size=TEST_FRACTION, random_state=SEED, stratify=stratify)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def season_length(dataset: Dataset) -> int:
    return {"month": 12, "quarter": 4}.get(dataset.time_column or "", 1)


def score(dataset: Dataset, train: pd.DataFrame, test: pd.DataFrame, prediction: Any) -> float:
    """The test score: ``prediction`` is class probabilities (columns in sorted class order),
    values, or the forecast for the test horizon."""
    from sklearn import metrics

    y = test[dataset.target].to_numpy()
    if dataset.metric == "roc_auc":
        classes = np.unique(train[dataset.target])
        return float(metrics.roc_auc_score(y == classes[1], np.asarray(prediction)[:, 1]))
    if dataset.metric == "log_loss":
        classes = np.unique(train[dataset.target])
        proba = np.clip(np.asarray(prediction, float), 1e-15, 1)
        return float(metrics.log_loss(y, proba / proba.sum(axis=1, keepdims=True), labels=classes))
    if dataset.metric == "rmse":
        return float(np.sqrt(np.mean((y.astype(float) - np.asarray(prediction, float)) ** 2)))
    history = train[dataset.target].to_numpy(float)
    m = season_length(dataset)
    scale = np.mean(np.abs(history[m:] - history[:-m]))
    return float(np.mean(np.abs(y.astype(float) - np.asarray(prediction, float))) / scale)


GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False, "mase": False}

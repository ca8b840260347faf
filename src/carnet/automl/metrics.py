"""The metrics AutoML ranks by: one table per task, each metric with its direction.

A metric scores predictions made on validation rows. Classification metrics take the predicted
class probabilities (columns in the order of ``classes``); the others take point predictions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from carnet.exceptions import InvalidArgument

CLASSIFICATION = "classification"
REGRESSION = "regression"
FORECASTING = "forecasting"
TASKS = (CLASSIFICATION, REGRESSION, FORECASTING)


@dataclass(frozen=True)
class MetricSpec:
    name: str
    task: str
    greater_is_better: bool
    score: Callable[..., float]

    @property
    def direction(self) -> str:
        return "maximize" if self.greater_is_better else "minimize"

    def loss(self, value: float) -> float:
        """The value as something to minimise (what the search and the ensemble compare)."""
        return -value if self.greater_is_better else value


def _labels(proba: np.ndarray, classes: np.ndarray) -> np.ndarray:
    labels: np.ndarray = np.asarray(classes)[np.argmax(proba, axis=1)]
    return labels


def _roc_auc(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if len(classes) == 2:
        return float(roc_auc_score(y == classes[1], proba[:, 1]))
    return float(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))


def _log_loss(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    from sklearn.metrics import log_loss

    clipped = np.clip(proba, 1e-15, 1.0)
    return float(log_loss(y, clipped / clipped.sum(axis=1, keepdims=True), labels=classes))


def _label_metric(name: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], float]:
    def score(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
        from sklearn import metrics

        predicted = _labels(proba, classes)
        if name == "accuracy":
            return float(metrics.accuracy_score(y, predicted))
        function = {
            "f1": metrics.f1_score,
            "precision": metrics.precision_score,
            "recall": metrics.recall_score,
        }
        if len(classes) == 2:
            kwargs: dict[str, Any] = {"pos_label": classes[1], "average": "binary"}
        else:
            kwargs = {"average": "macro", "labels": classes}
        return float(function[name](y, predicted, zero_division=0, **kwargs))

    return score


def _rmse(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(y, float) - np.asarray(predicted, float)) ** 2)))


def _mae(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(y, float) - np.asarray(predicted, float))))


def _r2(y: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, predicted))


def _mape(y: np.ndarray, predicted: np.ndarray) -> float:
    y = np.asarray(y, float)
    # Rows whose true value is zero have no percentage error: they are left out, not infinite.
    nonzero = y != 0
    if not nonzero.any():
        return float("nan")
    return float(np.mean(np.abs((y[nonzero] - np.asarray(predicted, float)[nonzero]) / y[nonzero])) * 100)


def _smape(y: np.ndarray, predicted: np.ndarray, **_: Any) -> float:
    y, predicted = np.asarray(y, float), np.asarray(predicted, float)
    denominator = np.abs(y) + np.abs(predicted)
    ratio = np.where(
        denominator == 0, 0.0, 2 * np.abs(y - predicted) / np.where(denominator == 0, 1, denominator)
    )
    return float(np.mean(ratio) * 100)


def _mase(y: np.ndarray, predicted: np.ndarray, *, history: np.ndarray, season_length: int = 1) -> float:
    """Mean absolute error scaled by the in-sample error of the seasonal-naive forecast."""
    history = np.asarray(history, float)
    m = season_length if len(history) > season_length else 1
    scale = float(np.mean(np.abs(history[m:] - history[:-m]))) if len(history) > m else 0.0
    error = _mae(y, predicted)
    return error / scale if scale > 0 else error


def _forecast_rmse(y: np.ndarray, predicted: np.ndarray, **_: Any) -> float:
    return _rmse(y, predicted)


METRICS: dict[str, dict[str, MetricSpec]] = {
    CLASSIFICATION: {
        "roc_auc": MetricSpec("roc_auc", CLASSIFICATION, True, _roc_auc),
        "log_loss": MetricSpec("log_loss", CLASSIFICATION, False, _log_loss),
        "accuracy": MetricSpec("accuracy", CLASSIFICATION, True, _label_metric("accuracy")),
        "f1": MetricSpec("f1", CLASSIFICATION, True, _label_metric("f1")),
        "precision": MetricSpec("precision", CLASSIFICATION, True, _label_metric("precision")),
        "recall": MetricSpec("recall", CLASSIFICATION, True, _label_metric("recall")),
    },
    REGRESSION: {
        "rmse": MetricSpec("rmse", REGRESSION, False, _rmse),
        "mae": MetricSpec("mae", REGRESSION, False, _mae),
        "r2": MetricSpec("r2", REGRESSION, True, _r2),
        "mape": MetricSpec("mape", REGRESSION, False, _mape),
    },
    FORECASTING: {
        "mase": MetricSpec("mase", FORECASTING, False, _mase),
        "smape": MetricSpec("smape", FORECASTING, False, _smape),
        "rmse": MetricSpec("rmse", FORECASTING, False, _forecast_rmse),
    },
}


def default_metric(task: str, n_classes: int = 2) -> str:
    if task == CLASSIFICATION:
        return "roc_auc" if n_classes == 2 else "log_loss"
    return "rmse" if task == REGRESSION else "mase"


def metric_spec(task: str, name: str) -> MetricSpec:
    """The metric ``name`` for ``task``; ``InvalidArgument`` naming the metrics that fit otherwise."""
    table = METRICS[task]
    key = name.strip().lower()
    if key not in table:
        raise InvalidArgument(
            f"metric: {name!r} does not fit a {task} task; use one of {', '.join(table)}", field="metric"
        )
    return table[key]


def all_scores(task: str, y: np.ndarray, predicted: np.ndarray, **context: Any) -> dict[str, float]:
    """Every metric of ``task`` (those that cannot be computed on these rows are left out)."""
    out: dict[str, float] = {}
    for name, spec in METRICS[task].items():
        try:
            value = spec.score(y, predicted, **context)
        except ValueError:  # e.g. ROC AUC on a fold holding one class
            continue
        if np.isfinite(value):
            out[name] = value
    return out

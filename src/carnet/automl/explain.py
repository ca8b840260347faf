"""Permutation feature importance of the best model, on validation rows it was not trained on.

Each raw column is shuffled in turn; its importance is how much the validation metric gets worse
(in the metric's own units, positive = the model relies on the column). Logged with the AutoML
run as the table ``feature_importance`` and the image ``feature_importance_chart``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carnet.automl.metrics import CLASSIFICATION, metric_spec
from carnet.automl.validation import Problem
from carnet.automl.worker import Context
from carnet.sdk.run import Run

MAX_ROWS = 1000
MAX_COPY_ROWS = 50_000
REPEATS = 3
CHART_FEATURES = 20


def permutation_importance(model: Any, problem: Problem, context: Context) -> pd.DataFrame:
    """Columns ranked by importance: ``feature``, ``importance`` (mean), ``std``."""
    spec = metric_spec(problem.task, problem.metric)
    _, valid = context.splits[0]
    # Shuffled copies of the validation rows are scored together: at most MAX_COPY_ROWS rows.
    valid = valid[: max(50, min(MAX_ROWS, MAX_COPY_ROWS // max(1, problem.X.shape[1] * REPEATS)))]
    fold_model = model.fold_view(0) if hasattr(model, "fold_view") else model
    classes = np.arange(len(problem.classes)) if problem.classes is not None else None
    X = problem.X.iloc[valid].reset_index(drop=True)
    y = problem.y[valid]

    def value(predicted: np.ndarray) -> float:
        raw = (
            spec.score(y, predicted, classes) if problem.task == CLASSIFICATION else spec.score(y, predicted)
        )
        return float(raw if spec.greater_is_better else -raw)

    baseline = value(fold_model.predict_raw(X))
    # Every shuffled copy is scored in one batch: one predict call instead of one per column.
    rng = np.random.default_rng(problem.seed)
    copies = []
    for name in X.columns:
        for _ in range(REPEATS):
            shuffled = X.copy()
            shuffled[name] = X[name].to_numpy()[rng.permutation(len(X))]
            copies.append(shuffled)
    predicted = fold_model.predict_raw(pd.concat(copies, ignore_index=True))
    drops = np.empty((len(X.columns), REPEATS))
    for i in range(len(X.columns)):
        for r in range(REPEATS):
            start = (i * REPEATS + r) * len(X)
            drops[i, r] = baseline - value(predicted[start : start + len(X)])
    means, stds = drops.mean(axis=1), drops.std(axis=1)
    frame = pd.DataFrame({"feature": list(X.columns), "importance": means, "std": stds})
    return frame.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _chart(frame: pd.DataFrame, metric: str) -> Any:
    # A Figure of its own, not pyplot: the user's backend and open figures are left alone.
    from matplotlib.figure import Figure

    top = frame.head(CHART_FEATURES).iloc[::-1]
    figure = Figure(figsize=(7, max(2.5, 0.3 * len(top) + 1)))
    axes = figure.subplots()
    axes.barh(top["feature"], top["importance"], xerr=top["std"], color="#4c78a8")
    axes.set_xlabel(f"drop in {metric} when the column is shuffled")
    axes.set_title("Permutation feature importance")
    figure.tight_layout()
    return figure


def log_importance(run: Run, model: Any, problem: Problem, context: Context) -> pd.DataFrame:
    """Compute the importance table and log it (table and chart) to ``run``."""
    frame = permutation_importance(model, problem, context)
    run.log_table(
        "feature_importance",
        {
            "feature": frame["feature"].tolist(),
            "importance": [round(float(v), 6) for v in frame["importance"]],
            "std": [round(float(v), 6) for v in frame["std"]],
        },
    )
    run.log_image("feature_importance_chart", plot=_chart(frame, problem.metric))
    return frame

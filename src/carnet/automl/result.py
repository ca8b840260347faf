"""What ``carnet.automl.run`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from carnet.automl.tracking import MODEL_NAME
from carnet.sdk.run import Run


@dataclass
class AutoMLResult:
    """The outcome of one search.

    * ``leaderboard``: every trial ranked by the metric (rank, framework, metric values,
      training time, status, hyperparameters, run id);
    * ``best_model``: the best model (or the ensemble, when it won), taking raw rows:
      ``predict`` and, for classification, ``predict_proba``; for forecasting ``predict(horizon)``
      returns the next values with prediction intervals;
    * ``best_run``: the child run of the best trial (the AutoML run itself when an ensemble won);
    * ``run``: the AutoML (parent) run, which holds the logged model, notebooks and reports;
    * ``model_uri``: ``runs:/<run id>/model``, what :meth:`register` registers.
    """

    task: str
    metric: str
    greater_is_better: bool
    leaderboard: pd.DataFrame
    best_model: Any
    best_run: Run
    run: Run
    best_score: float
    validation: str
    guardrails: dict[str, Any] = field(default_factory=dict)
    feature_importance: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def model_uri(self) -> str:
        return f"runs:/{self.run.id}/{MODEL_NAME}"

    def register(
        self, name: str, *, tags: dict[str, Any] | None = None, description: str | None = None
    ) -> Any:
        """Register the best model as a new version of ``name`` (created when missing)."""
        return self.run.register_model(name, MODEL_NAME, tags=tags, description=description)

    def __repr__(self) -> str:
        return (
            f"AutoMLResult(task={self.task!r}, metric={self.metric!r}, best_score={self.best_score:.6g}, "
            f"trials={len(self.leaderboard)}, run_id={self.run.id!r})"
        )

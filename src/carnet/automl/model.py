"""The models AutoML hands back: raw rows in, predictions (and class probabilities) out.

* :class:`TabularModel` is one pipeline: the featurizer, then the estimator. Boosting models keep
  a slice of their training rows for early stopping.
* :class:`BaggedModel` averages the models trained on each cross-validation fold (so no refit on
  all rows is needed after the search, and the time budget holds).
* :class:`EnsembleModel` is a weighted average of bagged models (greedy ensemble selection).

All three have scikit-learn's ``predict`` / ``predict_proba`` and ``classes_`` (the original class
labels) for classification.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carnet.automl.featurize import build_featurizer
from carnet.automl.frameworks import EARLY_STOPPING_MIN_ROWS, EARLY_STOPPING_ROUNDS, FRAMEWORKS
from carnet.automl.metrics import CLASSIFICATION

# Rows kept back for early stopping of boosting models.
EARLY_STOPPING_FRACTION = 0.1


class TabularModel:
    """One fitted pipeline. ``y`` is given to ``fit`` as class indices (0..k-1) for classification;
    ``classes`` maps them back to the user's labels."""

    def __init__(
        self,
        framework: str,
        params: dict[str, Any],
        task: str,
        kinds: dict[str, str],
        classes: np.ndarray | None = None,
        seed: int = 0,
    ) -> None:
        self.framework = framework
        self.params = params
        self.task = task
        self.kinds = kinds
        self.classes_ = classes
        self.seed = seed

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> TabularModel:
        from sklearn.model_selection import train_test_split

        adapter = FRAMEWORKS[self.framework]
        assert adapter.build is not None
        self.featurizer_ = build_featurizer(self.kinds, X, self.task)
        features = self.featurizer_.fit_transform(X, y)
        self.estimator_ = adapter.build(self.params, self.task, self.seed)
        if not adapter.boosting or len(y) < EARLY_STOPPING_MIN_ROWS:
            self.estimator_.fit(features, y)
            return self
        stratify = y if self.task == CLASSIFICATION and np.bincount(y).min() >= 2 else None
        fit_x, stop_x, fit_y, stop_y = train_test_split(
            features, y, test_size=EARLY_STOPPING_FRACTION, random_state=self.seed, stratify=stratify
        )
        if self.framework == "lightgbm":
            import lightgbm

            self.estimator_.fit(
                fit_x,
                fit_y,
                eval_set=[(stop_x, stop_y)],
                callbacks=[lightgbm.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
            )
        else:
            self.estimator_.set_params(early_stopping_rounds=EARLY_STOPPING_ROUNDS)
            self.estimator_.fit(fit_x, fit_y, eval_set=[(stop_x, stop_y)], verbose=False)
        return self

    def _features(self, X: pd.DataFrame) -> Any:
        return self.featurizer_.transform(X)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities with one column per class of ``classes_`` (classes a fold never saw get 0)."""
        assert self.classes_ is not None
        raw = np.asarray(self.estimator_.predict_proba(self._features(X)), dtype=float)
        seen = np.asarray(self.estimator_.classes_, dtype=int)
        out = np.zeros((raw.shape[0], len(self.classes_)))
        out[:, seen] = raw
        return out

    def predict_raw(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities (classification) or values (regression)."""
        if self.task == CLASSIFICATION:
            return self.predict_proba(X)
        return np.asarray(self.estimator_.predict(self._features(X)), dtype=float)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return _labels_or_values(self, X)


def _labels_or_values(model: Any, X: pd.DataFrame) -> np.ndarray:
    raw = model.predict_raw(X)
    if model.task == CLASSIFICATION:
        labels: np.ndarray = np.asarray(model.classes_)[np.argmax(raw, axis=1)]
        return labels
    return np.asarray(raw)


class BaggedModel:
    """The average of models fitted on different folds (one model for a holdout split)."""

    def __init__(self, models: list[TabularModel]) -> None:
        self.models = models
        self.task = models[0].task
        self.classes_ = models[0].classes_
        self.framework = models[0].framework
        self.params = models[0].params

    def predict_raw(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(np.mean([m.predict_raw(X) for m in self.models], axis=0))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        if self.task != CLASSIFICATION:
            raise AttributeError("predict_proba: a regression model has no class probabilities")
        return self.predict_raw(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return _labels_or_values(self, X)

    def fold_view(self, fold: int) -> TabularModel:
        """The model of one fold (to score it on that fold's validation rows)."""
        return self.models[min(fold, len(self.models) - 1)]


class EnsembleModel:
    """A weighted average of bagged models' predictions (weights sum to 1)."""

    def __init__(self, members: list[BaggedModel], weights: list[float]) -> None:
        self.members = members
        self.weights = weights
        self.task = members[0].task
        self.classes_ = members[0].classes_
        self.framework = "ensemble"
        self.params = {"members": [m.framework for m in members], "weights": [round(w, 4) for w in weights]}

    def predict_raw(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(sum(w * m.predict_raw(X) for m, w in zip(self.members, self.weights, strict=True)))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        if self.task != CLASSIFICATION:
            raise AttributeError("predict_proba: a regression model has no class probabilities")
        return self.predict_raw(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return _labels_or_values(self, X)

    def fold_view(self, fold: int) -> EnsembleModel:
        view = EnsembleModel([m.fold_view(fold) for m in self.members], self.weights)  # type: ignore[misc]
        return view

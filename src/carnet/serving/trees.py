"""A faster scoring path for scikit-learn's random forests and extra-trees.

scikit-learn predicts tree by tree, with a fixed cost per tree and per call (input validation, a
joblib dispatch): about 10 ms for 100 trees whether the call has one row or a hundred, which caps
a single-row scoring endpoint near 100 requests a second. Here every tree of the forest is packed
into flat node arrays and a batch walks all trees at once, one numpy step per tree level.

The answers are scikit-learn's own, bit for bit: inputs are rounded to float32 as scikit-learn
does before comparing them with the (float64) thresholds, each tree's class fractions are
normalized the same way, and the trees' results are added in the same order before dividing by
their number. Anything else (another estimator, a pipeline, several outputs, missing values in
the input) goes through scikit-learn unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BLOCK_ROWS = 256
# Past this many rows scikit-learn's own loop is faster (its fixed cost per call is amortized).
MAX_ROWS = 2048

_FORESTS = {
    "RandomForestClassifier": True,
    "ExtraTreesClassifier": True,
    "RandomForestRegressor": False,
    "ExtraTreesRegressor": False,
}


class CompiledForest:
    """The trees of a fitted forest as flat arrays; ``predict`` and (classifiers) ``predict_proba``
    on 2-D float arrays whose columns are the forest's features, in its order."""

    def __init__(self, forest: Any) -> None:
        self.is_classifier = _FORESTS[type(forest).__name__]
        self.classes = getattr(forest, "classes_", None)
        self.feature_names = [str(n) for n in getattr(forest, "feature_names_in_", [])] or None
        self.n_features = int(forest.n_features_in_)
        trees = [estimator.tree_ for estimator in forest.estimators_]
        counts = np.array([t.node_count for t in trees])
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        left, right, feature, threshold, values = [], [], [], [], []
        for tree, offset in zip(trees, offsets, strict=True):
            ids = np.arange(tree.node_count) + offset
            leaf = tree.children_left == -1
            # A leaf points at itself, so walking further down leaves a row where it is.
            left.append(np.where(leaf, ids, tree.children_left + offset))
            right.append(np.where(leaf, ids, tree.children_right + offset))
            feature.append(np.where(leaf, 0, tree.feature))
            threshold.append(np.where(leaf, 0.0, tree.threshold))
            value = tree.value[:, 0, :].astype(np.float64)
            if self.is_classifier:  # as DecisionTreeClassifier.predict_proba normalizes
                normalizer = value.sum(axis=1)[:, np.newaxis]
                normalizer[normalizer == 0.0] = 1.0
                value = value / normalizer
            values.append(value)
        self.roots = offsets.astype(np.intp)
        # children[2 * node + went_right]: one lookup per level instead of two and a select.
        self.children = (
            np.stack([np.concatenate(left), np.concatenate(right)], axis=1).ravel().astype(np.intp)
        )
        self.feature = np.concatenate(feature).astype(np.intp)
        self.threshold = np.concatenate(threshold)
        self.value = np.concatenate(values)
        self.depth = max(int(t.max_depth) for t in trees)

    def _leaves(self, X: np.ndarray) -> np.ndarray:
        rows, width = X.shape
        flat = X.ravel()
        node = np.repeat(self.roots[:, np.newaxis], rows, axis=1)
        row_start = (np.arange(rows) * width)[np.newaxis, :]
        for _ in range(self.depth):
            went_right = flat.take(row_start + self.feature.take(node)) > self.threshold.take(node)
            node = self.children.take(2 * node + went_right)
        return node

    def _mean(self, X: np.ndarray) -> np.ndarray:
        if X.shape[0] > BLOCK_ROWS:  # blocks small enough that the walk stays in the CPU's cache
            return np.concatenate(
                [self._mean(X[i : i + BLOCK_ROWS]) for i in range(0, X.shape[0], BLOCK_ROWS)]
            )
        per_tree = self.value[self._leaves(X)]  # (trees, rows, classes or 1)
        total = np.zeros(per_tree.shape[1:])
        for each in per_tree:  # in tree order, from zero, as the forest accumulates
            total += each
        total /= per_tree.shape[0]
        return total

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self._mean(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        mean = self._mean(X)
        if self.is_classifier:
            assert self.classes is not None
            labels: np.ndarray = self.classes.take(np.argmax(mean, axis=1), axis=0)
            return labels
        return mean[:, 0]


def compile_forest(raw_model: Any) -> CompiledForest | None:
    """A compiled copy of a fitted single-output scikit-learn forest; None for anything else."""
    if type(raw_model).__name__ not in _FORESTS or not type(raw_model).__module__.startswith("sklearn."):
        return None
    if getattr(raw_model, "n_outputs_", 1) != 1 or not getattr(raw_model, "estimators_", None):
        return None
    try:
        return CompiledForest(raw_model)
    except (AttributeError, ValueError, TypeError):  # an unexpected layout: leave it to scikit-learn
        return None


def forest_of(model: Any) -> CompiledForest | None:
    """The compiled forest behind a pyfunc model whose ``predict`` is a scikit-learn forest's."""
    conf = getattr(model.metadata, "pyfunc_conf", None) or {}
    if conf.get("loader_module") != "mlflow.sklearn" or conf.get("predict_fn", "predict") != "predict":
        return None
    try:
        raw = model.get_raw_model()
    except AttributeError:
        return None
    return compile_forest(raw)


def as_features(frame: Any, forest: CompiledForest) -> np.ndarray | None:
    """The rows of a DataFrame as the forest's float32-rounded features, or None when they cannot
    be (other columns, text, missing values): the caller then asks scikit-learn."""
    names = forest.feature_names
    try:
        if names is not None:
            if list(frame.columns) != names:
                if set(names) - set(frame.columns):
                    return None
                frame = frame[names]
        elif frame.shape[1] != forest.n_features:
            return None
        X: np.ndarray = frame.to_numpy(dtype=np.float32)
    except (TypeError, ValueError, KeyError):
        return None
    if np.isnan(X).any():
        return None
    return X.astype(np.float64)

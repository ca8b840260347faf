"""Data and model helpers for train.py (a module beside the script: the snapshot carries it)."""

from __future__ import annotations

from typing import Any

from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split


def diabetes_split(seed: int = 0) -> tuple[Any, Any, Any, Any]:
    """scikit-learn's diabetes data, split 80/20."""
    X, y = load_diabetes(return_X_y=True)
    return train_test_split(X, y, test_size=0.2, random_state=seed)


def fit_and_score(alpha: float, split: tuple[Any, Any, Any, Any]) -> tuple[Ridge, float]:
    """A Ridge model with ``alpha`` and its mean squared error on the test part."""
    X_train, X_test, y_train, y_test = split
    model = Ridge(alpha=alpha).fit(X_train, y_train)
    return model, float(mean_squared_error(y_test, model.predict(X_test)))

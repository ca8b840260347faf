"""Featurization inside the saved model: raw rows in, numbers out.

``column_kinds`` decides what each column is from the training data; ``build_featurizer`` turns
that into a scikit-learn ``ColumnTransformer`` that is fitted with the model and saved inside it,
so the best model takes the same raw rows the user passed to ``run``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

NUMERIC = "numeric"
BOOLEAN = "boolean"
CATEGORICAL = "categorical"
DATETIME = "datetime"
TEXT = "text"
ID_LIKE = "id"
CONSTANT = "constant"
DROPPED = (ID_LIKE, CONSTANT)

# One-hot up to this many distinct values; above it, target encoding (no column explosion).
ONE_HOT_MAX = 15
_TEXT_MIN_WORDS = 4


def _looks_like_dates(values: pd.Series) -> bool:
    sample = values.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d", regex=True).all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="ISO8601")
    return bool(parsed.notna().mean() > 0.95)


def column_kind(values: pd.Series) -> str:
    """What one column is: numeric, boolean, categorical, datetime, text, id or constant."""
    non_null = values.dropna()
    distinct = non_null.nunique()
    if distinct <= 1:
        return CONSTANT
    if pd.api.types.is_bool_dtype(values) or (distinct == 2 and set(non_null.unique()) <= {0, 1}):
        return BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(values):
        return DATETIME
    if pd.api.types.is_float_dtype(values):
        return NUMERIC
    unique_per_row = distinct == len(non_null) and len(non_null) > 20
    if pd.api.types.is_integer_dtype(values):
        # Every value distinct and evenly spread (0..n-1, 1001..) reads as a row number or key.
        if unique_per_row and (non_null.max() - non_null.min() + 1) == distinct:
            return ID_LIKE
        return NUMERIC
    strings = non_null.astype(str)
    if _looks_like_dates(strings):
        return DATETIME
    if strings.str.split().str.len().mean() >= _TEXT_MIN_WORDS:
        return TEXT
    if unique_per_row:
        return ID_LIKE
    return CATEGORICAL


def column_kinds(X: pd.DataFrame) -> dict[str, str]:
    return {str(name): column_kind(X[name]) for name in X.columns}


class DatetimeParts:
    """Year, month, day, weekday and hour of datetime columns (strings are parsed first)."""

    _PARTS = ("year", "month", "day", "day_of_week", "hour")

    def fit(self, X: Any, y: Any = None) -> DatetimeParts:
        self.columns_ = list(pd.DataFrame(X).columns)
        return self

    def transform(self, X: Any) -> np.ndarray:
        frame = pd.DataFrame(X)
        parts: list[np.ndarray] = []
        for name in frame.columns:
            stamps = pd.to_datetime(frame[name], errors="coerce", format="ISO8601")
            parts.extend(getattr(stamps.dt, part).astype(float).to_numpy() for part in self._PARTS)
        return np.column_stack(parts) if parts else np.empty((len(frame), 0))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}

    def set_params(self, **params: Any) -> DatetimeParts:
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X, y).transform(X)


class TextColumns:
    """TF-IDF of each text column (the words most frequent in training, at most ``max_features``)."""

    def __init__(self, max_features: int = 200) -> None:
        self.max_features = max_features

    def fit(self, X: Any, y: Any = None) -> TextColumns:
        from sklearn.feature_extraction.text import TfidfVectorizer

        frame = pd.DataFrame(X)
        self.vectorizers_ = [
            TfidfVectorizer(max_features=self.max_features).fit(frame[name].fillna("").astype(str))
            for name in frame.columns
        ]
        return self

    def transform(self, X: Any) -> np.ndarray:
        frame = pd.DataFrame(X)
        blocks = [
            vectorizer.transform(frame[name].fillna("").astype(str)).toarray()
            for vectorizer, name in zip(self.vectorizers_, frame.columns, strict=True)
        ]
        return np.hstack(blocks)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"max_features": self.max_features}

    def set_params(self, **params: Any) -> TextColumns:
        self.max_features = params.get("max_features", self.max_features)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X, y).transform(X)


def _as_strings(X: Any) -> Any:
    return pd.DataFrame(X).astype("string").fillna("__missing__").astype(object)


def build_featurizer(kinds: dict[str, str], X: pd.DataFrame, task: str) -> Any:
    """A ``ColumnTransformer`` for the columns in ``kinds`` (ID-like and constant ones dropped)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler, TargetEncoder

    def of(kind: str) -> list[str]:
        return [name for name, k in kinds.items() if k == kind]

    steps: list[tuple[str, Any, list[str]]] = []
    numeric = of(NUMERIC) + of(BOOLEAN)
    if numeric:
        steps.append(
            (
                "numeric",
                make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
                numeric,
            )
        )
    categorical = of(CATEGORICAL)
    low = [name for name in categorical if X[name].nunique() <= ONE_HOT_MAX]
    high = [name for name in categorical if name not in low]
    to_strings = FunctionTransformer(_as_strings, feature_names_out="one-to-one")
    if low:
        steps.append(
            (
                "one_hot",
                make_pipeline(to_strings, OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                low,
            )
        )
    if high:
        target_type = "continuous" if task == "regression" else "auto"
        steps.append(
            (
                "target_encoded",
                make_pipeline(to_strings, TargetEncoder(target_type=target_type, random_state=0)),
                high,
            )
        )
    dates = of(DATETIME)
    if dates:
        steps.append(("datetime", make_pipeline(DatetimeParts(), SimpleImputer(strategy="median")), dates))
    for name in of(TEXT):
        steps.append((f"text_{name}", TextColumns(), [name]))
    if not steps:
        steps.append(("constant", "passthrough", []))
    return ColumnTransformer(steps, remainder="drop", sparse_threshold=0.0)

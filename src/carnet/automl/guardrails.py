"""The guardrails report: what in the data could mislead a model, logged with the AutoML run.

Checks: missing values, class imbalance, high-cardinality categories, columns dropped (ID-like,
constant), and suspected target leakage (a single feature that predicts the target almost
perfectly on its own). Each finding has a level (``info`` or ``warning``) and a message.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carnet.automl.featurize import CATEGORICAL, DROPPED, ONE_HOT_MAX
from carnet.automl.metrics import CLASSIFICATION
from carnet.automl.validation import Problem

IMBALANCE_RATIO = 5.0  # majority / minority class size above which imbalance is flagged
LEAKAGE_SCORE = 0.99  # one feature's own ROC AUC or |correlation| above which leakage is suspected
_LEAKAGE_ROWS = 5000


def _finding(check: str, level: str, message: str, **details: Any) -> dict[str, Any]:
    return {"check": check, "level": level, "message": message, **details}


def _leakage(X: pd.DataFrame, y: np.ndarray, task: str, kinds: dict[str, str]) -> list[dict[str, Any]]:
    from sklearn.metrics import roc_auc_score

    found = []
    sample = X.head(_LEAKAGE_ROWS)
    target = y[: len(sample)]
    for name, kind in kinds.items():
        if kind in DROPPED or not pd.api.types.is_numeric_dtype(sample[name]):
            continue
        values = pd.to_numeric(sample[name], errors="coerce").astype(float)
        usable = values.notna().to_numpy()
        if usable.sum() < 10 or values[usable].nunique() < 2:
            continue
        if task == CLASSIFICATION and len(np.unique(target)) == 2:
            auc = roc_auc_score(target[usable], values[usable])
            strength = max(auc, 1 - auc)
        elif task == CLASSIFICATION:
            continue
        else:
            strength = abs(float(np.corrcoef(values[usable], target[usable])[0, 1]))
        if np.isfinite(strength) and strength >= LEAKAGE_SCORE:
            found.append(
                _finding(
                    "leakage",
                    "warning",
                    f"column {name!r} alone predicts the target almost perfectly ({strength:.3f}); "
                    "check it is known at prediction time",
                    column=name,
                    score=round(float(strength), 4),
                )
            )
    return found


def tabular_report(problem: Problem, kinds: dict[str, str]) -> dict[str, Any]:
    """The report for a classification or regression problem."""
    X, y = problem.X, problem.y
    findings: list[dict[str, Any]] = [_finding("data", "info", note) for note in problem.notes]
    missing = X.isna().mean()
    for name, share in missing[missing > 0].items():
        level = "warning" if share > 0.5 else "info"
        findings.append(
            _finding("missing_values", level, f"column {name!r}: {share:.0%} missing (imputed)", column=name)
        )
    for name, kind in kinds.items():
        if kind in DROPPED:
            findings.append(
                _finding("dropped", "info", f"column {name!r} dropped: {kind} column", column=name)
            )
        elif kind == CATEGORICAL and X[name].nunique() > ONE_HOT_MAX:
            findings.append(
                _finding(
                    "high_cardinality",
                    "info",
                    f"column {name!r}: {X[name].nunique()} categories (target-encoded)",
                    column=name,
                )
            )
    if problem.task == CLASSIFICATION and problem.classes is not None:
        counts = np.bincount(y, minlength=len(problem.classes))
        ratio = counts.max() / max(counts.min(), 1)
        if ratio >= IMBALANCE_RATIO:
            findings.append(
                _finding(
                    "imbalance",
                    "warning",
                    f"classes are imbalanced ({ratio:.1f}:1); class weights are part of the search",
                    counts={str(c): int(n) for c, n in zip(problem.classes, counts, strict=True)},
                )
            )
    findings.extend(_leakage(X, y, problem.task, kinds))
    return {
        "rows": len(y),
        "columns": {name: kind for name, kind in kinds.items()},
        "findings": findings,
    }

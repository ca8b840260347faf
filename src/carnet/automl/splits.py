"""How trials are validated: k-fold (stratified for classification) on small data, a holdout on large.

The same seed gives the same splits, so every trial of a search is scored on the same rows.
"""

from __future__ import annotations

import numpy as np

from carnet.automl.metrics import CLASSIFICATION

# Up to this many rows: 5 folds; up to LARGE: 3 folds; above: one 20% holdout.
SMALL = 5_000
LARGE = 20_000
HOLDOUT_FRACTION = 0.2


def tabular_splits(task: str, y: np.ndarray, seed: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    """The (train rows, validation rows) pairs and a description of them."""
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    n = len(y)
    classification = task == CLASSIFICATION
    if n <= LARGE:
        folds = 5 if n <= SMALL else 3
        if classification:
            folds = max(2, min(folds, int(np.bincount(y).min())))
            splitter: KFold | StratifiedKFold = StratifiedKFold(folds, shuffle=True, random_state=seed)
        else:
            splitter = KFold(folds, shuffle=True, random_state=seed)
        pairs = [(train, valid) for train, valid in splitter.split(np.zeros(n), y)]
        kind = "stratified " if classification else ""
        return pairs, f"{folds}-fold {kind}cross-validation"
    rows = np.arange(n)
    train, valid = train_test_split(
        rows, test_size=HOLDOUT_FRACTION, random_state=seed, stratify=y if classification else None
    )
    return [(np.sort(train), np.sort(valid))], f"a {int(HOLDOUT_FRACTION * 100)}% holdout"

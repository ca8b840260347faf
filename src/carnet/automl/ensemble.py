"""Greedy ensemble selection (Caruana et al., 2004) over the best trials' validation predictions.

Starting empty, each round adds (with replacement) the model whose addition gives the best
validation score of the averaged predictions; the weights are how often each model was picked.
The ensemble is kept only when it beats the best single model on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from carnet.automl.metrics import CLASSIFICATION, MetricSpec
from carnet.automl.worker import TrialOutcome

TOP_MODELS = 10
ROUNDS = 25


@dataclass(frozen=True)
class Selection:
    members: list[TrialOutcome]
    weights: list[float]
    loss: float
    best_single_loss: float


def _loss(metric: MetricSpec, task: str, y: np.ndarray, predicted: np.ndarray, classes: Any) -> float:
    if task == CLASSIFICATION:
        return metric.loss(metric.score(y, predicted, np.arange(predicted.shape[1])))
    return metric.loss(metric.score(y, predicted))


def select(
    outcomes: list[TrialOutcome], metric: MetricSpec, task: str, y: np.ndarray, classes: Any = None
) -> Selection | None:
    """The ensemble of the best completed trials, or ``None`` when it does not beat the best one."""
    ranked = sorted(
        (o for o in outcomes if o.status == "completed" and o.oof is not None and o.loss is not None),
        key=lambda o: o.loss,  # type: ignore[arg-type, return-value]
    )[:TOP_MODELS]
    if len(ranked) < 2:
        return None
    predictions = [np.asarray(o.oof) for o in ranked]
    covered = np.ones(len(y), dtype=bool)
    for p in predictions:
        covered &= ~np.isnan(p if p.ndim == 1 else p[:, 0])
    predictions = [p[covered] for p in predictions]
    y = y[covered]
    best_single = min(_loss(metric, task, y, p, classes) for p in predictions)
    counts = np.zeros(len(ranked))
    total = np.zeros_like(predictions[0])
    best_loss = np.inf
    best_counts = counts.copy()
    for round_ in range(1, ROUNDS + 1):
        losses = [_loss(metric, task, y, (total + p) / round_, classes) for p in predictions]
        pick = int(np.argmin(losses))
        counts[pick] += 1
        total = total + predictions[pick]
        if losses[pick] < best_loss:
            best_loss, best_counts = losses[pick], counts.copy()
    if not best_loss < best_single:
        return None
    used = [i for i in range(len(ranked)) if best_counts[i] > 0]
    if len(used) < 2:
        return None
    weights = [float(best_counts[i] / best_counts.sum()) for i in used]
    return Selection([ranked[i] for i in used], weights, float(best_loss), float(best_single))

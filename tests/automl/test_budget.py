"""The time budget holds, and the leaderboard can be read while the search runs."""

from __future__ import annotations

import time

import pandas as pd

import carnet
import carnet.automl
from carnet.automl.worker import TrialOutcome

BUDGET_S = 10
# run() returns within the budget plus this (worker shutdown, logging the model, explanations),
# generous because the test machine may be shared and loaded.
GRACE_S = 15


def test_the_timeout_is_honoured_and_the_best_so_far_comes_back(diabetes: pd.DataFrame) -> None:
    # Forests with many trees on 2 folds... the search is cut at the budget whatever is running.
    started = time.monotonic()
    result = carnet.automl.run(
        diabetes,
        "regression",
        "progression",
        frameworks="elastic_net,random_forest,extra_trees",
        timeout=BUDGET_S,
        notebooks=False,
    )
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET_S + GRACE_S
    assert result.best_score > 0
    assert (result.leaderboard["status"] == "completed").sum() >= 1


def test_leaderboard_is_readable_while_the_search_runs(diabetes: pd.DataFrame) -> None:
    seen: list[int] = []

    def on_trial(outcome: TrialOutcome, board: pd.DataFrame) -> None:
        experiment = carnet.get_experiment_by_name("automl")
        assert experiment is not None
        running = carnet.search_runs([experiment.experiment_id], "tags.`carnet.automl` = 'true'")
        stored = carnet.automl.leaderboard(running["run_id"].iloc[0])
        seen.append(len(stored))
        assert len(stored) == len(board)

    carnet.automl.run(
        diabetes,
        "regression",
        "progression",
        frameworks="elastic_net",
        timeout=60,
        max_trials=3,
        on_trial=on_trial,
        notebooks=False,
    )
    assert seen[:3] == [1, 2, 3]

"""Classification and regression end to end: search, leaderboard, best model, tracking, registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import carnet
import carnet.automl
import carnet.sklearn
from carnet.automl import tracking


def test_classification_end_to_end(cancer: pd.DataFrame) -> None:
    result = carnet.automl.run(
        cancer,
        "classification",
        "diagnosis",
        frameworks=["logistic_regression", "lightgbm", "decision_tree"],
        timeout=120,
        max_trials=5,
        notebooks=False,
    )
    board = result.leaderboard
    assert result.metric == "roc_auc"
    assert list(board.columns[:3]) == ["rank", "framework", "roc_auc"]
    completed = board[board["status"] == "completed"]
    assert list(completed["roc_auc"]) == sorted(completed["roc_auc"], reverse=True)
    assert board["rank"].iloc[0] == 1
    assert result.best_score == pytest.approx(board["roc_auc"].iloc[0])
    assert result.best_score > 0.9
    assert set(board["framework"]) >= {"logistic_regression", "lightgbm", "decision_tree"}

    X = cancer.drop(columns=["diagnosis"])
    assert set(result.best_model.predict(X.head(10))) <= {"malignant", "benign"}
    proba = result.best_model.predict_proba(X.head(10))
    assert proba.shape == (10, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)

    # The parent run, one child per trial, tags the studio reads.
    parent = result.run
    tags = parent.get_tags()
    assert tags[tracking.TAG] == "true"
    assert tags[tracking.TAG_TASK] == "classification"
    assert tags[tracking.TAG_METRIC] == "roc_auc"
    assert tags[tracking.TAG_DIRECTION] == "maximize"
    assert tags[tracking.TAG_STATE] == "finished"
    assert parent.get_status() == "Completed"
    children = parent.get_children()
    assert len(children) == len(board)
    assert {c.get_tags()[tracking.TAG_FRAMEWORK] for c in children} == set(board["framework"])
    assert "guardrails.json" in parent.get_file_names()
    assert result.feature_importance is not None
    assert set(result.feature_importance["feature"]) == set(X.columns)

    # The logged model takes raw rows and registers.
    loaded = carnet.sklearn.load_model(result.model_uri, allow_pickle=True)
    assert list(loaded.predict(X.head(5))) == list(result.best_model.predict(X.head(5)))
    version = result.register("cancer")
    assert int(version.version) == 1
    assert list(carnet.sklearn.load_model("models:/cancer/1", allow_pickle=True).predict(X.head(3))) == list(
        result.best_model.predict(X.head(3))
    )

    # The same leaderboard, read back from the store.
    stored = carnet.automl.leaderboard(parent.id)
    assert list(stored["run_id"]) == list(board["run_id"])


def test_regression_with_mixed_columns() -> None:
    rng = np.random.default_rng(0)
    n = 160
    size = rng.uniform(20, 200, n)
    city = rng.choice(["paris", "lyon", "nice"], n)
    frame = pd.DataFrame(
        {
            "listing_id": np.arange(1000, 1000 + n),  # an ID: dropped
            "size": size,
            "city": city,
            "built": pd.date_range("1990-01-01", periods=n, freq="7D").astype(str),
            "note": rng.choice(["bright flat near the river", "quiet house with a large garden"], n),
            "country": "fr",  # constant: dropped
            "street": rng.choice([f"street {i}" for i in range(30)], n),  # many categories: target-encoded
            "rooms": np.where(rng.random(n) < 0.1, np.nan, np.round(size / 30)),
        }
    )
    frame["price"] = 3 * size + np.where(city == "paris", 200, 0) + rng.normal(0, 10, n)
    result = carnet.automl.run(
        frame,
        "regression",
        "price",
        metric="mae",
        frameworks="elastic_net,sgd,xgboost,random_forest",
        timeout=120,
        max_trials=5,
        notebooks=False,
    )
    assert result.metric == "mae"
    assert result.best_score < 40
    completed = result.leaderboard[result.leaderboard["status"] == "completed"]
    assert list(completed["mae"]) == sorted(completed["mae"])
    checks = {(f["check"], f.get("column")) for f in result.guardrails["findings"]}
    assert ("dropped", "listing_id") in checks
    assert ("dropped", "country") in checks
    assert ("missing_values", "rooms") in checks
    assert ("high_cardinality", "street") in checks
    assert result.guardrails["columns"]["built"] == "datetime"
    assert result.guardrails["columns"]["note"] == "text"
    predicted = result.best_model.predict(frame.drop(columns=["price"]).head(4))
    assert predicted.shape == (4,)
    assert result.run.get_tags()[tracking.TAG_DIRECTION] == "minimize"


def test_same_seed_same_leaderboard(diabetes: pd.DataFrame) -> None:
    def board(seed: int) -> pd.DataFrame:
        result = carnet.automl.run(
            diabetes,
            "regression",
            "progression",
            frameworks="elastic_net,lightgbm,decision_tree",
            timeout=120,
            max_trials=6,
            seed=seed,
            notebooks=False,
        )
        return result.leaderboard[["framework", "hyperparameters", "rmse", "status"]]

    pd.testing.assert_frame_equal(board(3), board(3))


def test_parallel_trials(diabetes: pd.DataFrame) -> None:
    result = carnet.automl.run(
        diabetes,
        "regression",
        "progression",
        frameworks="elastic_net,decision_tree",
        timeout=120,
        max_trials=4,
        n_jobs=2,
        notebooks=False,
    )
    trials = result.leaderboard[result.leaderboard["framework"] != "ensemble"]
    assert len(trials) == 4
    assert sorted(trials["trial"]) == [0, 1, 2, 3]


def test_inside_a_job_the_job_run_is_the_automl_run(
    diabetes: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_run = carnet.Experiment(carnet.Workspace(), "jobs").start_logging()
    monkeypatch.setenv("CARNET_RUN_ID", job_run.id)
    result = carnet.automl.run(
        diabetes,
        "regression",
        "progression",
        frameworks="elastic_net",
        timeout=60,
        max_trials=2,
        notebooks=False,
    )
    assert result.run.id == job_run.id
    assert job_run.get_tags()[tracking.TAG] == "true"
    assert len(job_run.get_children()) >= 2
    assert job_run.get_status() == "Running"  # the job owns its run's end
    job_run.complete()

"""The pieces the search is built from: metrics, column kinds, splits, ensemble selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carnet.automl import ensemble, featurize, metrics, splits
from carnet.automl.worker import TrialOutcome


def test_forecasting_metrics() -> None:
    history = np.array([1.0, 2, 3, 4, 5])
    # MASE scales by the in-sample one-step naive error (1 here).
    assert (
        metrics.METRICS["forecasting"]["mase"].score(np.array([6.0, 7]), np.array([6.5, 6]), history=history)
        == 0.75
    )
    assert metrics.METRICS["forecasting"]["smape"].score(np.array([0.0]), np.array([0.0])) == 0.0
    assert metrics.METRICS["regression"]["mape"].score(np.array([0.0, 2]), np.array([1.0, 1])) == 50.0


def test_metric_directions_and_defaults() -> None:
    assert metrics.metric_spec("classification", "ROC_AUC").direction == "maximize"
    assert metrics.metric_spec("regression", "rmse").loss(3.0) == 3.0
    assert metrics.default_metric("classification", 3) == "log_loss"
    with pytest.raises(metrics.InvalidArgument, match="does not fit a forecasting task"):
        metrics.metric_spec("forecasting", "accuracy")


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (pd.Series(np.linspace(0, 1, 30)), featurize.NUMERIC),
        (pd.Series([True, False] * 15), featurize.BOOLEAN),
        (pd.Series(["red", "green", "blue"] * 10), featurize.CATEGORICAL),
        (pd.Series(pd.date_range("2024-01-01", periods=30).astype(str)), featurize.DATETIME),
        (
            pd.Series(["a long sentence of several words"] * 15 + ["another one with more words"] * 15),
            featurize.TEXT,
        ),
        (pd.Series(range(100, 130)), featurize.ID_LIKE),
        (pd.Series([f"user-{i}" for i in range(30)]), featurize.ID_LIKE),
        (pd.Series([7] * 30), featurize.CONSTANT),
    ],
)
def test_column_kinds(values: pd.Series, kind: str) -> None:
    assert featurize.column_kind(values) == kind


def test_splits_follow_the_data_size() -> None:
    y = np.array([0, 1] * 50)
    pairs, text = splits.tabular_splits("classification", y, seed=0)
    assert len(pairs) == 5 and "stratified" in text
    assert sorted(np.concatenate([valid for _, valid in pairs]).tolist()) == list(range(100))
    big = np.zeros(splits.LARGE + 10)
    pairs, text = splits.tabular_splits("regression", big, seed=0)
    assert len(pairs) == 1 and "holdout" in text


def test_ensemble_kept_only_when_it_beats_the_best_model() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    noise_a, noise_b = rng.normal(size=200), rng.normal(size=200)
    rmse = metrics.metric_spec("regression", "rmse")

    def outcome(number: int, predicted: np.ndarray) -> TrialOutcome:
        return TrialOutcome(number, "x", {}, "completed", loss=rmse.score(y, predicted), oof=predicted)

    # Two models with independent errors: their average is better than either.
    chosen = ensemble.select([outcome(0, y + noise_a), outcome(1, y + noise_b)], rmse, "regression", y)
    assert chosen is not None
    assert chosen.loss < chosen.best_single_loss
    assert sum(chosen.weights) == pytest.approx(1.0)
    # A perfect model cannot be beaten: no ensemble.
    assert ensemble.select([outcome(0, y.copy()), outcome(1, y + noise_a)], rmse, "regression", y) is None


def test_data_from_csv_and_parquet_files(tmp_path: Path) -> None:
    from carnet.automl.validation import read_data

    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=3), "x": [1.5, 2.5, 3.5]})
    frame.to_parquet(tmp_path / "d.parquet", index=False)
    frame.to_csv(tmp_path / "d.csv", index=False)
    from_parquet, source = read_data(tmp_path / "d.parquet")
    pd.testing.assert_frame_equal(from_parquet, frame)
    assert source == str(tmp_path / "d.parquet")
    assert list(read_data(str(tmp_path / "d.csv"))[0]["x"]) == [1.5, 2.5, 3.5]

"""Forecasting end to end on a statsmodels series; a trial that crashes does not stop the search."""

from __future__ import annotations

import numpy as np
import pandas as pd

import carnet.automl
import carnet.pyfunc


def test_forecasting_end_to_end(co2: pd.DataFrame) -> None:
    result = carnet.automl.run(
        co2,
        "forecasting",
        "co2",
        time_column="month",
        horizon=6,
        frameworks="seasonal_naive,ets,arima,autoreg,gbm_lags",
        timeout=120,
        max_trials=7,
        notebooks=False,
    )
    assert result.metric == "mase"
    board = result.leaderboard
    assert {"seasonal_naive", "ets", "arima", "autoreg", "gbm_lags"} <= set(board["framework"])
    naive = board[board["framework"] == "seasonal_naive"]["mase"].min()
    assert result.best_score <= naive  # never below the seasonal-naive floor

    forecast = result.best_model.predict()
    assert list(forecast.columns) == ["month", "forecast", "lower", "upper"]
    assert len(forecast) == 6
    assert forecast["month"].iloc[0] == co2["month"].iloc[-1] + pd.DateOffset(months=1)
    assert (forecast["lower"] <= forecast["forecast"]).all() and (
        forecast["forecast"] <= forecast["upper"]
    ).all()
    assert len(result.best_model.predict(9)) == 9

    loaded = carnet.pyfunc.load_model(result.model_uri, allow_pickle=True)
    again = loaded.predict(pd.DataFrame({"horizon": [3]}))
    np.testing.assert_allclose(again["forecast"], forecast["forecast"].head(3))


def test_a_crashing_trial_is_recorded_and_the_search_goes_on(co2: pd.DataFrame) -> None:
    # Multiplicative seasonality cannot fit a series that crosses zero: those ETS trials crash.
    shifted = co2.assign(co2=co2["co2"] - co2["co2"].mean())
    result = carnet.automl.run(
        shifted,
        "forecasting",
        "co2",
        time_column="month",
        horizon=6,
        frameworks="ets,seasonal_naive",
        timeout=120,
        max_trials=12,
        notebooks=False,
    )
    board = result.leaderboard
    failed = board[board["status"] == "failed"]
    assert len(failed) >= 1
    assert (board["status"] == "completed").sum() >= 2
    child = result.run.workspace.get_run(failed["run_id"].iloc[0])
    assert child.get_status() == "Failed"
    assert "positive" in child.get_tags()["carnet.error"]


def test_prophet_from_the_optional_extra(co2: pd.DataFrame) -> None:
    result = carnet.automl.run(
        co2,
        "forecasting",
        "co2",
        time_column="month",
        horizon=6,
        frameworks="prophet,seasonal_naive",
        timeout=120,
        max_trials=2,
        notebooks=False,
    )
    prophet = result.leaderboard[result.leaderboard["framework"] == "prophet"]
    assert list(prophet["status"]) == ["completed"]
    assert prophet["mase"].iloc[0] < 1  # better than repeating last year

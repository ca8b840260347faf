"""Forecasting: one series, a horizon, a rolling-origin backtest, forecasts with intervals.

Forecasters (each ``fit(y)`` then ``forecast(steps)``):

* ``seasonal_naive``: the last season repeated (the floor every other model must beat);
* ``ets``: exponential smoothing (statsmodels), trend / damping / seasonality searched;
* ``arima``: (seasonal) ARIMA with its order chosen automatically: differencing by the KPSS test,
  then the (p, q)(P, Q) with the lowest AIC;
* ``autoreg``: an autoregression whose lags are chosen by AIC (long cycles, such as sunspots');
* ``gbm_lags``: LightGBM on lags of the differenced series and calendar features, forecasting
  recursively;
* ``prophet``: Prophet, when the optional ``prophet`` extra is installed.

A trial is scored on the last few horizons of the series (each forecast from the data before
it), then refitted on the whole series; the backtest's errors per step give the intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carnet.automl.metrics import FORECASTING, all_scores, default_metric, metric_spec
from carnet.automl.validation import Problem
from carnet.automl.worker import Context, TrialOutcome, TrialSpec
from carnet.exceptions import InvalidArgument

MAX_WINDOWS = 3
MIN_ROWS = 12
INTERVAL_Z = 1.96  # 95% prediction intervals


def season_length(freq: str) -> int:
    """The number of steps in one season for a pandas frequency (12 for monthly, 7 for daily...)."""
    base = freq.split("-")[0].lstrip("0123456789").upper()
    for prefix, length in (
        ("MS", 12),
        ("ME", 12),
        ("M", 12),
        ("QS", 4),
        ("QE", 4),
        ("Q", 4),
        ("W", 52),
        ("B", 5),
        ("D", 7),
        ("H", 24),
        ("MIN", 60),
        ("T", 60),
    ):
        if base.startswith(prefix):
            return length
    return 1


def _frequency(index: pd.DatetimeIndex) -> str | None:
    """The index's regular step (``"MS"``, ``"D"``, ...), or None when the steps are uneven."""
    if len(index) < 3:
        return None
    try:
        offset = pd.DatetimeIndex(index, freq="infer").freq
    except ValueError:
        return None
    return offset.freqstr if offset is not None else None


def prepare_series(
    frame: pd.DataFrame, *, metric: str | None, time_column: str | None, horizon: int | None, **common: Any
) -> Problem:
    """Check a forecasting problem: a regular, unique time index and a numeric target."""
    target = common["target"]
    if not time_column:
        raise InvalidArgument("time_column: forecasting needs the column of time stamps", field="time_column")
    if time_column not in frame.columns:
        raise InvalidArgument(f"time_column: no column {time_column!r} in the data", field="time_column")
    if time_column == target:
        raise InvalidArgument("time_column: must differ from the target", field="time_column")
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise InvalidArgument(
            f"horizon: {horizon!r}; forecasting needs the number of steps to forecast (1 or more)",
            field="horizon",
        )
    times = pd.to_datetime(frame[time_column], errors="coerce", format="mixed")
    if times.isna().any():
        bad = frame[time_column][times.isna()].iloc[0]
        raise InvalidArgument(f"time_column: {bad!r} is not a time stamp", field="time_column")
    order = np.argsort(times.to_numpy(), kind="stable")
    frame, times = frame.iloc[order].reset_index(drop=True), times.iloc[order].reset_index(drop=True)
    duplicated = times[times.duplicated()]
    if not duplicated.empty:
        raise InvalidArgument(
            f"time_column: the time stamp {duplicated.iloc[0]} appears more than once; give one row per step",
            field="time_column",
        )
    index = pd.DatetimeIndex(times)
    freq = _frequency(index)
    if freq is None:
        raise InvalidArgument(
            "time_column: the time stamps are not evenly spaced (no regular frequency); "
            "resample the series to a regular step first",
            field="time_column",
        )
    y = pd.to_numeric(frame[target], errors="coerce")
    if frame[target].notna().sum() != y.notna().sum():
        raise InvalidArgument(f"target: column {target!r} is not numeric", field="target")
    notes = common["notes"]
    if y.isna().all():
        raise InvalidArgument(f"target: column {target!r} has no values", field="target")
    if y.isna().any():
        notes.append(f"{int(y.isna().sum())} missing target values were interpolated")
        y = y.interpolate(limit_direction="both")
    if y.nunique() < 2:
        raise InvalidArgument(
            f"target: column {target!r} is constant; there is nothing to forecast", field="target"
        )
    needed = max(MIN_ROWS, 2 * int(horizon) + 4)
    if len(y) < needed:
        raise InvalidArgument(
            f"data: {len(y)} time steps; a horizon of {horizon} needs at least {needed}", field="data"
        )
    return Problem(
        metric=metric or default_metric(FORECASTING),
        X=frame[[time_column]],
        y=y.to_numpy(float),
        time_column=time_column,
        horizon=int(horizon),
        times=index,
        freq=freq,
        **common,
    )


def backtest_splits(n: int, horizon: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rolling origins over the last horizons: train on everything before each window."""
    windows = max(1, min(MAX_WINDOWS, (n - 2 * horizon) // horizon))
    splits = []
    for k in range(windows, 0, -1):
        cutoff = n - k * horizon
        splits.append((np.arange(cutoff), np.arange(cutoff, cutoff + horizon)))
    return splits


def series_context(problem: Problem) -> tuple[Context, str, dict[str, Any]]:
    assert problem.horizon is not None and problem.freq is not None
    splits = backtest_splits(len(problem.y), problem.horizon)
    m = season_length(problem.freq)
    context = Context(
        task=FORECASTING,
        metric=problem.metric,
        X=problem.X,
        y=problem.y,
        splits=splits,
        seed=problem.seed,
        horizon=problem.horizon,
        season_length=m,
        times=problem.times,
        freq=problem.freq,
    )
    findings = [{"check": "data", "level": "info", "message": note} for note in problem.notes]
    report = {"rows": len(problem.y), "frequency": problem.freq, "season_length": m, "findings": findings}
    validation = f"rolling-origin backtest over the last {len(splits)} horizons of {problem.horizon} steps"
    return context, validation, report


# -- forecasters ------------------------------------------------------------------------------


class SeasonalNaive:
    def __init__(self, m: int) -> None:
        self.m = m

    def fit(self, y: np.ndarray, times: pd.DatetimeIndex) -> SeasonalNaive:
        self.last_ = np.asarray(y[-self.m :] if len(y) >= self.m else y[-1:], float)
        return self

    def forecast(self, steps: int) -> np.ndarray:
        return np.resize(self.last_, steps)


class ETS:
    def __init__(self, params: dict[str, Any], m: int) -> None:
        self.params = params
        self.m = m

    def fit(self, y: np.ndarray, times: pd.DatetimeIndex) -> ETS:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        seasonal = self.params.get("seasonal")
        if self.m < 2 or len(y) < 2 * self.m:
            seasonal = None
        if seasonal == "mul" and np.min(y) <= 0:
            raise ValueError("multiplicative seasonality needs a positive series")
        trend = self.params.get("trend")
        self.fitted_ = ExponentialSmoothing(
            y,
            trend=trend,
            damped_trend=bool(self.params.get("damped_trend")) and trend is not None,
            seasonal=seasonal,
            seasonal_periods=self.m if seasonal else None,
            initialization_method="estimated",
        ).fit()
        return self

    def forecast(self, steps: int) -> np.ndarray:
        return np.asarray(self.fitted_.forecast(steps), float)


class AutoARIMA:
    """ARIMA whose order is chosen from the data (KPSS for d, AIC for p, q and the seasonal part)."""

    def __init__(self, params: dict[str, Any], m: int) -> None:
        self.params = params
        self.m = m

    @staticmethod
    def _differences(y: np.ndarray) -> int:
        from statsmodels.tsa.stattools import kpss

        d = 0
        series = y
        while d < 2 and len(series) > 10:
            _statistic, p_value, *_ = kpss(series, regression="c", nlags="auto")
            if p_value > 0.05:
                break
            series = np.diff(series)
            d += 1
        return d

    def fit(self, y: np.ndarray, times: pd.DatetimeIndex) -> AutoARIMA:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        d = self._differences(y)
        seasonal = bool(self.params.get("seasonal")) and self.m >= 2 and len(y) >= 3 * self.m
        max_order = int(self.params.get("max_order", 2))
        seasonal_orders = [(0, 0, 0, 0)]
        if seasonal:
            seasonal_orders = [(P, 1, Q, self.m) for P, Q in ((0, 1), (1, 0), (0, 0))]
        best: tuple[float, Any] | None = None
        for p in range(max_order + 1):
            for q in range(max_order + 1 - p):
                for seasonal_order in seasonal_orders:
                    try:
                        fitted = SARIMAX(
                            y,
                            order=(p, d, q),
                            seasonal_order=seasonal_order,
                            trend="c" if d == 0 else None,
                        ).fit(disp=False)
                    except (ValueError, np.linalg.LinAlgError):
                        continue
                    if np.isfinite(fitted.aic) and (best is None or fitted.aic < best[0]):
                        best = (float(fitted.aic), fitted)
        if best is None:
            raise ValueError("no ARIMA order could be fitted to this series")
        self.fitted_ = best[1]
        self.order_ = (best[1].model.order, best[1].model.seasonal_order)
        return self

    def forecast(self, steps: int) -> np.ndarray:
        return np.asarray(self.fitted_.forecast(steps), float)


class AutoRegression:
    """An autoregression on up to ``max_lags`` lags, the lags kept chosen by AIC."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def fit(self, y: np.ndarray, times: pd.DatetimeIndex) -> AutoRegression:
        from statsmodels.tsa.ar_model import AutoReg, ar_select_order

        trend = str(self.params.get("trend", "c"))
        max_lags = int(min(self.params.get("max_lags", 12), max(1, len(y) // 4)))
        lags = ar_select_order(y, maxlag=max_lags, trend=trend, ic="aic").ar_lags or 0
        self.fitted_ = AutoReg(y, lags=lags, trend=trend).fit()
        self.n_ = len(y)
        return self

    def forecast(self, steps: int) -> np.ndarray:
        return np.asarray(self.fitted_.predict(start=self.n_, end=self.n_ + steps - 1), float)


def _calendar(times: pd.DatetimeIndex) -> np.ndarray:
    return np.column_stack([times.month, times.day_of_week, times.day, times.hour]).astype(float)


class GBMLags:
    """LightGBM on the last ``n_lags`` differences and the calendar, forecasting step by step."""

    def __init__(self, params: dict[str, Any], m: int, seed: int) -> None:
        self.params = params
        self.m = m
        self.seed = seed

    def fit(self, y: np.ndarray, times: pd.DatetimeIndex) -> GBMLags:
        import lightgbm

        lags = int(min(self.params["n_lags"], max(1, len(y) // 3)))
        diffs = np.diff(np.asarray(y, float))
        calendar = _calendar(times[1:])
        rows = [np.concatenate([diffs[t - lags : t], calendar[t]]) for t in range(lags, len(diffs))]
        self.model_ = lightgbm.LGBMRegressor(
            n_estimators=int(self.params["n_estimators"]),
            learning_rate=float(self.params["learning_rate"]),
            num_leaves=int(self.params["num_leaves"]),
            min_child_samples=max(2, min(20, len(rows) // 10)),
            random_state=self.seed,
            n_jobs=1,
            verbose=-1,
        ).fit(np.asarray(rows), diffs[lags:])
        self.lags_ = lags
        self.history_ = list(diffs[-lags:])
        self.last_ = float(y[-1])
        self.times_ = times
        return self

    def forecast(self, steps: int) -> np.ndarray:
        future = pd.date_range(self.times_[-1], periods=steps + 1, freq=self.times_.freq)[1:]
        calendar = _calendar(future)
        history = list(self.history_)
        level = self.last_
        out = []
        for step in range(steps):
            features = np.concatenate([history[-self.lags_ :], calendar[step]])
            change = float(self.model_.predict(features.reshape(1, -1))[0])
            level += change
            history.append(change)
            out.append(level)
        return np.asarray(out)


class ProphetForecaster:
    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def fit(self, y: np.ndarray, times: pd.DatetimeIndex) -> ProphetForecaster:
        from prophet import Prophet

        self.model_ = Prophet(**self.params).fit(pd.DataFrame({"ds": times, "y": y}))
        self.times_ = times
        return self

    def forecast(self, steps: int) -> np.ndarray:
        future = self.model_.make_future_dataframe(
            periods=steps, freq=self.times_.freq, include_history=False
        )
        return np.asarray(self.model_.predict(future)["yhat"], float)


def make_forecaster(framework: str, params: dict[str, Any], m: int, seed: int) -> Any:
    if framework == "seasonal_naive":
        return SeasonalNaive(m)
    if framework == "ets":
        return ETS(params, m)
    if framework == "arima":
        return AutoARIMA(params, m)
    if framework == "autoreg":
        return AutoRegression(params)
    if framework == "gbm_lags":
        return GBMLags(params, m, seed)
    if framework == "prophet":
        return ProphetForecaster(params)
    raise ValueError(f"unknown forecaster {framework!r}")


class ForecastModel:
    """A forecaster fitted on the whole series, with intervals from its backtest errors.

    ``predict(horizon=None)`` returns a DataFrame: the time stamps after the series, ``forecast``,
    and ``lower`` / ``upper`` (95% prediction interval).
    """

    def __init__(
        self,
        framework: str,
        params: dict[str, Any],
        forecaster: Any,
        times: pd.DatetimeIndex,
        freq: str,
        horizon: int,
        step_errors: np.ndarray,
        time_column: str = "time",
    ) -> None:
        self.task = FORECASTING
        self.framework = framework
        self.params = params
        self.forecaster = forecaster
        self.last_time = times[-1]
        self.freq = freq
        self.horizon = horizon
        self.step_errors = step_errors
        self.time_column = time_column

    def _spread(self, steps: int) -> np.ndarray:
        errors = np.asarray(self.step_errors, float)
        if steps > len(errors):
            # Past the backtested horizon, the error keeps growing like a random walk's.
            extra = errors[-1] * np.sqrt(np.arange(len(errors) + 1, steps + 1) / len(errors))
            errors = np.concatenate([errors, extra])
        return errors[:steps]

    def predict(self, horizon: int | None = None) -> pd.DataFrame:
        steps = int(horizon or self.horizon)
        if steps < 1:
            raise InvalidArgument(f"horizon: {horizon!r} must be 1 or more", field="horizon")
        values = self.forecaster.forecast(steps)
        spread = INTERVAL_Z * self._spread(steps)
        times = pd.date_range(self.last_time, periods=steps + 1, freq=self.freq)[1:]
        return pd.DataFrame(
            {self.time_column: times, "forecast": values, "lower": values - spread, "upper": values + spread}
        )


def evaluate_forecaster(context: Context, spec: TrialSpec) -> TrialOutcome:
    """Backtest one forecaster over the rolling origins, then refit it on the whole series."""
    assert context.horizon is not None and context.freq is not None
    metric = metric_spec(FORECASTING, context.metric)
    times = pd.DatetimeIndex(context.times, freq=context.freq)
    y = context.y
    per_window: list[dict[str, float]] = []
    errors = []
    first_fold_loss = None
    for fold, (train, valid) in enumerate(context.splits):
        forecaster = make_forecaster(spec.framework, spec.params, context.season_length, context.seed)
        forecaster.fit(y[train], times[train])
        predicted = forecaster.forecast(len(valid))
        if not np.all(np.isfinite(predicted)):
            raise ValueError("the forecaster produced non-finite values")
        scores = all_scores(
            FORECASTING, y[valid], predicted, history=y[train], season_length=context.season_length
        )
        per_window.append(scores)
        errors.append(y[valid] - predicted)
        if fold == 0:
            first_fold_loss = metric.loss(scores[context.metric])
            if (
                spec.prune_above is not None
                and first_fold_loss > spec.prune_above
                and len(context.splits) > 1
            ):
                return TrialOutcome(
                    spec.number, spec.framework, spec.params, "pruned", first_fold_loss=first_fold_loss
                )
    scores = {name: float(np.mean([w[name] for w in per_window if name in w])) for name in per_window[0]}
    step_rmse = np.sqrt(np.mean(np.square(errors), axis=0))
    step_errors = np.maximum.accumulate(step_rmse)  # a later step is never more certain
    final = make_forecaster(spec.framework, spec.params, context.season_length, context.seed).fit(y, times)
    model = ForecastModel(
        spec.framework,
        spec.params,
        final,
        times,
        context.freq,
        context.horizon,
        step_errors,
        time_column=str(context.X.columns[0]),
    )
    return TrialOutcome(
        spec.number,
        spec.framework,
        spec.params,
        "completed",
        loss=metric.loss(scores[context.metric]),
        scores=scores,
        first_fold_loss=first_fold_loss,
        model=model,
    )


def log_forecaster(run: Any, model: ForecastModel) -> None:
    """Log the forecaster as a custom Python model: input a one-row table with ``horizon``."""
    import carnet.pyfunc

    carnet.pyfunc.log_model(
        "model",
        python_model=ForecastPythonModel(model),
        input_example=pd.DataFrame({"horizon": [model.horizon]}),
        run=run,
    )


class ForecastPythonModel:
    """The logged form of a :class:`ForecastModel`: ``predict(table with a horizon column)``."""

    def __init__(self, model: ForecastModel) -> None:
        self.model = model

    def predict(self, model_input: Any) -> pd.DataFrame:
        horizon = None
        if isinstance(model_input, pd.DataFrame) and "horizon" in model_input.columns and len(model_input):
            horizon = int(model_input["horizon"].iloc[0])
        elif isinstance(model_input, int | np.integer):
            horizon = int(model_input)
        return self.model.predict(horizon)

"""Search spaces, written as data: per framework, each hyperparameter's range and a cheap start.

A range is ``Int(low, high, log)``, ``Float(low, high, log)`` or ``Choice(values)``. ``START``
holds each framework's first configuration, tried before the sampler takes over (cheap ones first:
the search has a useful model within seconds). Frameworks are tried in ``COST_ORDER``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Int:
    low: int
    high: int
    log: bool = False


@dataclass(frozen=True)
class Float:
    low: float
    high: float
    log: bool = False


@dataclass(frozen=True)
class Choice:
    values: tuple[Any, ...]


Range = Int | Float | Choice

_BOOSTING_COMMON: dict[str, Range] = {
    "n_estimators": Int(20, 2000, log=True),
    "learning_rate": Float(0.01, 0.3, log=True),
    "num_leaves": Int(4, 256, log=True),
    "min_child_samples": Int(2, 100, log=True),
    "subsample": Float(0.5, 1.0),
    "colsample_bytree": Float(0.4, 1.0),
    "reg_lambda": Float(1e-3, 10.0, log=True),
}

SPACES: dict[str, dict[str, Range]] = {
    "logistic_regression": {
        "C": Float(1e-3, 100.0, log=True),
        "class_weight": Choice((None, "balanced")),
    },
    "decision_tree": {
        "max_depth": Int(2, 20),
        "min_samples_leaf": Int(1, 50, log=True),
        "criterion_kind": Choice(("default", "alternative")),
        "class_weight": Choice((None, "balanced")),
    },
    "random_forest": {
        "n_estimators": Int(50, 400, log=True),
        "max_features": Float(0.1, 1.0),
        "min_samples_leaf": Int(1, 20, log=True),
        "class_weight": Choice((None, "balanced")),
    },
    "extra_trees": {
        "n_estimators": Int(50, 400, log=True),
        "max_features": Float(0.1, 1.0),
        "min_samples_leaf": Int(1, 20, log=True),
        "class_weight": Choice((None, "balanced")),
    },
    "lightgbm": {**_BOOSTING_COMMON, "class_weight": Choice((None, "balanced"))},
    "xgboost": {
        "n_estimators": Int(20, 2000, log=True),
        "learning_rate": Float(0.01, 0.3, log=True),
        "max_depth": Int(2, 10),
        "min_child_weight": Float(0.5, 20.0, log=True),
        "subsample": Float(0.5, 1.0),
        "colsample_bytree": Float(0.4, 1.0),
        "reg_lambda": Float(1e-3, 10.0, log=True),
    },
    "sgd": {
        "alpha": Float(1e-6, 1e-1, log=True),
        "loss": Choice(("squared_error", "huber")),
        "penalty": Choice(("l2", "elasticnet")),
    },
    "elastic_net": {
        "alpha": Float(1e-4, 10.0, log=True),
        "l1_ratio": Float(0.0, 1.0),
    },
    # Forecasting
    "seasonal_naive": {},
    "ets": {
        "trend": Choice((None, "add")),
        "damped_trend": Choice((False, True)),
        "seasonal": Choice((None, "add", "mul")),
    },
    "arima": {
        "seasonal": Choice((True, False)),
        "max_order": Int(2, 4),
    },
    "autoreg": {
        "max_lags": Int(4, 36),
        "trend": Choice(("c", "ct")),
    },
    "gbm_lags": {
        "n_lags": Int(2, 36),
        "learning_rate": Float(0.02, 0.3, log=True),
        "num_leaves": Int(4, 64, log=True),
        "n_estimators": Int(50, 400, log=True),
    },
    "prophet": {
        "seasonality_mode": Choice(("additive", "multiplicative")),
        "changepoint_prior_scale": Float(0.001, 0.5, log=True),
    },
}

START: dict[str, dict[str, Any]] = {
    "logistic_regression": {"C": 1.0, "class_weight": None},
    "decision_tree": {"max_depth": 6, "min_samples_leaf": 4, "criterion_kind": "default"},
    "random_forest": {"n_estimators": 100, "max_features": 0.5, "min_samples_leaf": 1},
    "extra_trees": {"n_estimators": 100, "max_features": 0.5, "min_samples_leaf": 1},
    "lightgbm": {
        "n_estimators": 100,
        "learning_rate": 0.1,
        "num_leaves": 31,
        "min_child_samples": 20,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "reg_lambda": 1e-3,
    },
    "xgboost": {
        "n_estimators": 100,
        "learning_rate": 0.1,
        "max_depth": 6,
        "min_child_weight": 1.0,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "reg_lambda": 1.0,
    },
    "sgd": {"alpha": 1e-4, "loss": "squared_error", "penalty": "l2"},
    "elastic_net": {"alpha": 1.0, "l1_ratio": 0.0},
    "seasonal_naive": {},
    "ets": {"trend": "add", "damped_trend": True, "seasonal": "add"},
    "arima": {"seasonal": True, "max_order": 2},
    "autoreg": {"max_lags": 12, "trend": "c"},
    "gbm_lags": {"n_lags": 12, "learning_rate": 0.1, "num_leaves": 15, "n_estimators": 100},
    "prophet": {"seasonality_mode": "additive", "changepoint_prior_scale": 0.05},
}

# Cheapest first: the order in which each framework's START configuration is tried.
COST_ORDER = (
    "seasonal_naive",
    "logistic_regression",
    "elastic_net",
    "sgd",
    "decision_tree",
    "ets",
    "autoreg",
    "lightgbm",
    "gbm_lags",
    "xgboost",
    "extra_trees",
    "random_forest",
    "arima",
    "prophet",
)


# Hyperparameters that only mean something for one task (class weights: classification).
TASK_ONLY = {"class_weight": "classification"}


def space(framework: str, task: str) -> dict[str, Range]:
    return {k: v for k, v in SPACES[framework].items() if TASK_ONLY.get(k, task) == task}


def suggest(trial: Any, framework: str, task: str) -> dict[str, Any]:
    """Draw ``framework``'s hyperparameters from an Optuna trial (names prefixed by the framework,
    so each framework's ranges stay apart in the sampler)."""
    params: dict[str, Any] = {}
    for name, spec in space(framework, task).items():
        key = f"{framework}.{name}"
        if isinstance(spec, Int):
            params[name] = trial.suggest_int(key, spec.low, spec.high, log=spec.log)
        elif isinstance(spec, Float):
            params[name] = trial.suggest_float(key, spec.low, spec.high, log=spec.log)
        else:
            params[name] = trial.suggest_categorical(key, list(spec.values))
    return params


def start_params(framework: str, task: str) -> dict[str, Any]:
    return {k: v for k, v in START[framework].items() if TASK_ONLY.get(k, task) == task}

"""The model families AutoML searches over, one small adapter each.

An adapter names the tasks it serves and the library it needs (imported lazily: a missing
library removes the framework with a clear message, never breaks ``import carnet.automl``), and
builds an unfitted estimator from a configuration drawn from :mod:`carnet.automl.spaces`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from carnet.automl.metrics import CLASSIFICATION, FORECASTING, REGRESSION
from carnet.exceptions import InvalidArgument

Builder = Callable[[dict[str, Any], str, int], Any]


@dataclass(frozen=True)
class Framework:
    name: str
    tasks: tuple[str, ...]
    library: str  # the module that must be importable
    build: Builder | None = None  # tabular frameworks; forecasters live in carnet.automl.forecasting
    boosting: bool = False  # fitted with early stopping on a slice of its training rows

    def available(self) -> bool:
        return importlib.util.find_spec(self.library) is not None


def _logistic_regression(params: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=params["C"], class_weight=params.get("class_weight"), max_iter=2000)


def _decision_tree(params: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    alternative = params["criterion_kind"] == "alternative"
    common = {"max_depth": params["max_depth"], "min_samples_leaf": params["min_samples_leaf"]}
    if task == CLASSIFICATION:
        return DecisionTreeClassifier(
            criterion="entropy" if alternative else "gini",
            class_weight=params.get("class_weight"),
            random_state=seed,
            **common,
        )
    return DecisionTreeRegressor(
        criterion="friedman_mse" if alternative else "squared_error", random_state=seed, **common
    )


def _forest(extra: bool) -> Builder:
    def build(params: dict[str, Any], task: str, seed: int) -> Any:
        from sklearn import ensemble

        common = {
            "n_estimators": params["n_estimators"],
            "max_features": params["max_features"],
            "min_samples_leaf": params["min_samples_leaf"],
            "random_state": seed,
            "n_jobs": 1,
        }
        if task == CLASSIFICATION:
            cls = ensemble.ExtraTreesClassifier if extra else ensemble.RandomForestClassifier
            return cls(class_weight=params.get("class_weight"), **common)
        cls = ensemble.ExtraTreesRegressor if extra else ensemble.RandomForestRegressor
        return cls(**common)

    return build


# Boosting: the number of rounds is searched; on larger data it is only a cap, and early stopping
# on held-back training rows picks the rounds (on small data that slice would be too noisy).
EARLY_STOPPING_ROUNDS = 50
EARLY_STOPPING_MIN_ROWS = 2000


def _lightgbm(params: dict[str, Any], task: str, seed: int) -> Any:
    import lightgbm

    common = {
        "n_estimators": params["n_estimators"],
        "learning_rate": params["learning_rate"],
        "num_leaves": params["num_leaves"],
        "min_child_samples": params["min_child_samples"],
        "subsample": params["subsample"],
        "subsample_freq": 1,
        "colsample_bytree": params["colsample_bytree"],
        "reg_lambda": params["reg_lambda"],
        "random_state": seed,
        "n_jobs": 1,
        "verbose": -1,
    }
    if task == CLASSIFICATION:
        return lightgbm.LGBMClassifier(class_weight=params.get("class_weight"), **common)
    return lightgbm.LGBMRegressor(**common)


def _xgboost(params: dict[str, Any], task: str, seed: int) -> Any:
    import xgboost

    common = {
        "n_estimators": params["n_estimators"],
        "learning_rate": params["learning_rate"],
        "max_depth": params["max_depth"],
        "min_child_weight": params["min_child_weight"],
        "subsample": params["subsample"],
        "colsample_bytree": params["colsample_bytree"],
        "reg_lambda": params["reg_lambda"],
        "tree_method": "hist",
        "random_state": seed,
        "n_jobs": 1,
    }
    if task == CLASSIFICATION:
        return xgboost.XGBClassifier(**common)
    return xgboost.XGBRegressor(**common)


def _sgd(params: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import SGDRegressor
    from sklearn.preprocessing import StandardScaler

    sgd = SGDRegressor(
        alpha=params["alpha"],
        loss=params["loss"],
        penalty=params["penalty"],
        max_iter=2000,
        early_stopping=True,
        random_state=seed,
    )
    # SGD's step sizes assume a target of unit scale.
    return TransformedTargetRegressor(regressor=sgd, transformer=StandardScaler())


def _elastic_net(params: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.linear_model import ElasticNet, Ridge

    if params["l1_ratio"] < 0.01:
        return Ridge(alpha=params["alpha"])
    return ElasticNet(alpha=params["alpha"], l1_ratio=params["l1_ratio"], max_iter=5000, random_state=seed)


_BOTH = (CLASSIFICATION, REGRESSION)

FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in (
        Framework("logistic_regression", (CLASSIFICATION,), "sklearn", _logistic_regression),
        Framework("decision_tree", _BOTH, "sklearn", _decision_tree),
        Framework("random_forest", _BOTH, "sklearn", _forest(extra=False)),
        Framework("extra_trees", _BOTH, "sklearn", _forest(extra=True)),
        Framework("lightgbm", _BOTH, "lightgbm", _lightgbm, boosting=True),
        Framework("xgboost", _BOTH, "xgboost", _xgboost, boosting=True),
        Framework("sgd", (REGRESSION,), "sklearn", _sgd),
        Framework("elastic_net", (REGRESSION,), "sklearn", _elastic_net),
        Framework("seasonal_naive", (FORECASTING,), "numpy"),
        Framework("ets", (FORECASTING,), "statsmodels"),
        Framework("arima", (FORECASTING,), "statsmodels"),
        Framework("autoreg", (FORECASTING,), "statsmodels"),
        Framework("gbm_lags", (FORECASTING,), "lightgbm"),
        Framework("prophet", (FORECASTING,), "prophet"),
    )
}


def choose_frameworks(
    task: str, requested: str | list[str] | tuple[str, ...] | None
) -> tuple[list[str], list[str]]:
    """The frameworks to search for ``task`` and notes on those left out (library missing).

    ``requested`` (a list, or a comma-separated string) must name frameworks of this task;
    ``None`` means all of them.
    """
    serving = [f.name for f in FRAMEWORKS.values() if task in f.tasks]
    if requested is None:
        names = serving
    else:
        items = requested.split(",") if isinstance(requested, str) else list(requested)
        names = [str(n).strip().lower() for n in items if str(n).strip()]
        if not names:
            raise InvalidArgument("frameworks: empty list; leave it out to use all", field="frameworks")
        for name in names:
            if name not in FRAMEWORKS:
                raise InvalidArgument(
                    f"frameworks: unknown framework {name!r}; for {task} use {', '.join(serving)}",
                    field="frameworks",
                )
            if name not in serving:
                raise InvalidArgument(
                    f"frameworks: {name!r} does not do {task}; use {', '.join(serving)}", field="frameworks"
                )
        names = list(dict.fromkeys(names))
    usable = [n for n in names if FRAMEWORKS[n].available()]
    notes = [f"{n}: skipped, {FRAMEWORKS[n].library} is not installed" for n in names if n not in usable]
    if not usable:
        raise InvalidArgument(
            f"frameworks: none of {', '.join(names)} can run here ({'; '.join(notes)})", field="frameworks"
        )
    return usable, notes

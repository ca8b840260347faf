"""carnet.xgboost, carnet.lightgbm and carnet.statsmodels: round trips, pyfunc, MLflow interop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import carnet.lightgbm
import carnet.pyfunc
import carnet.statsmodels
import carnet.xgboost
from carnet.exceptions import InvalidValue, UntrustedModel
from carnet.models import Model, infer_signature


def test_xgboost_classifier_round_trip(tmp_path: Path, iris: Any) -> None:
    xgboost = pytest.importorskip("xgboost")

    X, y = iris
    model = xgboost.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y)
    saved = carnet.xgboost.save_model(model, tmp_path / "m", signature=infer_signature(X, y))
    assert saved.flavors["xgboost"]["model_class"] == "xgboost.sklearn.XGBClassifier"
    assert (tmp_path / "m" / "model.ubj").is_file()

    loaded = carnet.xgboost.load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    pyfunc = carnet.pyfunc.load_model(tmp_path / "m")
    np.testing.assert_array_equal(pyfunc.predict(X), model.predict(X))
    np.testing.assert_allclose(pyfunc.predict_proba(X), model.predict_proba(X))
    with pytest.raises(InvalidValue, match="'petal_length'"):
        pyfunc.predict(X.drop(columns=["petal_length"]))


def test_xgboost_booster_in_json(tmp_path: Path, diabetes: Any) -> None:
    xgboost = pytest.importorskip("xgboost")

    X, y = diabetes
    booster = xgboost.train({"max_depth": 2}, xgboost.DMatrix(X, label=y), num_boost_round=5)
    carnet.xgboost.save_model(booster, tmp_path / "m", model_format="json", input_example=X.head(2))
    assert (tmp_path / "m" / "model.json").is_file()
    pyfunc = carnet.pyfunc.load_model(tmp_path / "m")
    np.testing.assert_allclose(pyfunc.predict(X), booster.predict(xgboost.DMatrix(X)))


def test_xgboost_refuses_a_foreign_model_class(tmp_path: Path, diabetes: Any) -> None:
    xgboost = pytest.importorskip("xgboost")

    X, y = diabetes
    carnet.xgboost.save_model(xgboost.XGBRegressor(n_estimators=2).fit(X, y), tmp_path / "m")
    model = Model.load(tmp_path / "m")
    model.flavors["xgboost"]["model_class"] = "subprocess.Popen"
    model.save(tmp_path / "m" / "MLmodel")
    with pytest.raises(InvalidValue, match="not an XGBoost class"):
        carnet.xgboost.load_model(tmp_path / "m")


def test_lightgbm_round_trip_as_a_native_booster(tmp_path: Path, diabetes: Any) -> None:
    lightgbm = pytest.importorskip("lightgbm")

    X, y = diabetes
    model = lightgbm.LGBMRegressor(n_estimators=10, verbose=-1).fit(X, y)
    carnet.lightgbm.save_model(model, tmp_path / "m", signature=infer_signature(X))
    assert (tmp_path / "m" / "model.lgb").read_text().startswith("tree")
    booster = carnet.lightgbm.load_model(tmp_path / "m")
    np.testing.assert_allclose(booster.predict(X), model.predict(X))
    pyfunc = carnet.pyfunc.load_model(tmp_path / "m")
    np.testing.assert_allclose(pyfunc.predict(X), model.predict(X))
    with pytest.warns(UserWarning, match="'extra'"):
        pyfunc.predict(X.assign(extra=1.0))


def test_statsmodels_round_trip_behind_the_trust_rule(tmp_path: Path, diabetes: Any) -> None:
    sm = pytest.importorskip("statsmodels.api")

    X, y = diabetes
    exog = sm.add_constant(X)
    results = sm.OLS(y, exog).fit()
    carnet.statsmodels.save_model(results, tmp_path / "m", signature=infer_signature(exog))
    with pytest.raises(UntrustedModel, match="allow_pickle"):
        carnet.statsmodels.load_model(tmp_path / "m")
    with pytest.raises(UntrustedModel):
        carnet.pyfunc.load_model(tmp_path / "m")
    loaded = carnet.statsmodels.load_model(tmp_path / "m", allow_pickle=True)
    np.testing.assert_allclose(loaded.predict(exog), results.predict(exog))
    pyfunc = carnet.pyfunc.load_model(tmp_path / "m", allow_pickle=True)
    np.testing.assert_allclose(pyfunc.predict(exog), results.predict(exog))
    with pytest.raises(InvalidValue, match="'bmi'"):
        pyfunc.predict(exog.drop(columns=["bmi"]))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_mlflow_loads_carnet_booster_models(
    tmp_path: Path, diabetes: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mlflow")
    lightgbm = pytest.importorskip("lightgbm")
    xgboost = pytest.importorskip("xgboost")
    import mlflow.pyfunc

    import carnet.xgboost

    X, y = diabetes
    xgb_model = xgboost.XGBRegressor(n_estimators=5).fit(X, y)
    lgb_model = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, y)
    carnet.xgboost.save_model(xgb_model, tmp_path / "xgb")
    carnet.lightgbm.save_model(lgb_model, tmp_path / "lgb")
    np.testing.assert_allclose(
        mlflow.pyfunc.load_model(str(tmp_path / "xgb")).predict(X), xgb_model.predict(X)
    )
    np.testing.assert_allclose(
        mlflow.pyfunc.load_model(str(tmp_path / "lgb")).predict(X), lgb_model.predict(X)
    )

    import mlflow.xgboost

    mlflow.xgboost.save_model(xgb_model, str(tmp_path / "from-mlflow"))
    np.testing.assert_allclose(
        carnet.pyfunc.load_model(tmp_path / "from-mlflow").predict(X), xgb_model.predict(X)
    )

"""``carnet.xgboost``: XGBoost models in XGBoost's own format (``model.ubj`` or ``model.json``).

The folder matches ``mlflow.xgboost``'s. Loading reads the native file, never a pickle; the class
to rebuild is taken from the ``MLmodel`` file only when it is one of XGBoost's.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.exceptions import InvalidArgument, InvalidValue
from carnet.models.folder import pinned, pyfunc_conf, write_model_folder
from carnet.models.logged import ModelInfo, log_model_folder
from carnet.models.mlmodel import Model
from carnet.models.schema import ModelSignature
from carnet.models.uri import local_model_path

FLAVOR = "xgboost"
MODEL_FORMATS = ("ubj", "json")


def save_model(
    xgb_model: Any,
    path: str | Path,
    *,
    model_format: str = "ubj",
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Model:
    """Save a ``Booster`` or a scikit-learn style ``XGBModel`` (``XGBClassifier``, ...)."""
    import xgboost

    if model_format not in MODEL_FORMATS:
        raise InvalidArgument(f"model_format: {model_format!r}; use 'ubj' or 'json'", field="model_format")
    data_file = f"model.{model_format}"
    return write_model_folder(
        path,
        flavor=FLAVOR,
        flavor_conf={
            "code": None,
            "data": data_file,
            "model_class": f"{type(xgb_model).__module__}.{type(xgb_model).__qualname__}",
            "model_format": model_format,
            "xgb_version": xgboost.__version__,
        },
        pyfunc=pyfunc_conf("mlflow.xgboost", data=data_file),
        requirements=list(pip_requirements) if pip_requirements else pinned("xgboost", "numpy", "pandas"),
        write_data=lambda folder: xgb_model.save_model(str(folder / data_file)),
        signature=signature,
        input_example=input_example,
        metadata=metadata,
    )


def log_model(
    xgb_model: Any,
    name: str,
    *,
    model_format: str = "ubj",
    signature: ModelSignature | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    run: Any = None,
) -> ModelInfo:
    """Save ``xgb_model`` and log it to the active run (or ``run``) under ``name``."""
    return log_model_folder(
        name,
        FLAVOR,
        lambda folder: save_model(
            xgb_model,
            folder,
            model_format=model_format,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            metadata=metadata,
        ),
        registered_model_name=registered_model_name,
        run=run,
    )


def load_model(
    model_uri: str | Path, *, dst_path: str | Path | None = None, tracking_uri: str | None = None
) -> Any:
    """The XGBoost model saved at ``model_uri``, as the class it was saved from."""
    folder = local_model_path(model_uri, dst_path, tracking_uri)
    return _load(folder, Model.load(folder))


def _load(folder: Path, model: Model) -> Any:
    conf = model.flavor(FLAVOR)
    class_path = str(conf.get("model_class") or "xgboost.core.Booster")
    module_name, _, class_name = class_path.rpartition(".")
    if module_name != "xgboost" and not module_name.startswith("xgboost."):
        raise InvalidValue(f"model: model_class {class_path!r} is not an XGBoost class", field="model_class")
    xgb_model = getattr(importlib.import_module(module_name), class_name)()
    xgb_model.load_model(str(folder / str(conf.get("data", "model.ubj"))))
    return xgb_model


class _Predictor:
    def __init__(self, raw_model: Any) -> None:
        self.raw_model = raw_model
        if hasattr(raw_model, "predict_proba"):
            self.predict_proba = raw_model.predict_proba

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import xgboost

        if isinstance(self.raw_model, xgboost.Booster):
            return self.raw_model.predict(xgboost.DMatrix(data))
        return self.raw_model.predict(data)


def pyfunc_impl(
    folder: Path, model: Model, *, allow_pickle: bool | None, trusted_types: Sequence[str] | None
) -> _Predictor:
    return _Predictor(_load(folder, model))

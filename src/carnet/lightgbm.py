"""``carnet.lightgbm``: LightGBM models in LightGBM's native text format (``model.lgb``).

A scikit-learn style model (``LGBMClassifier``, ...) is saved as its fitted booster, so it loads
back as a ``lightgbm.Booster`` (whose ``predict`` returns class probabilities for classifiers).
The folder matches ``mlflow.lightgbm``'s for boosters; no pickle is written or read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.exceptions import InvalidValue
from carnet.models.folder import pinned, pyfunc_conf, write_model_folder
from carnet.models.logged import ModelInfo, log_model_folder
from carnet.models.mlmodel import Model
from carnet.models.schema import ModelSignature
from carnet.models.uri import local_model_path

FLAVOR = "lightgbm"
_DATA_FILE = "model.lgb"
_BOOSTER = "lightgbm.basic.Booster"


def save_model(
    lgb_model: Any,
    path: str | Path,
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Model:
    """Save a ``lightgbm.Booster`` or a fitted ``LGBMModel`` (as its booster)."""
    import lightgbm

    booster = lgb_model if isinstance(lgb_model, lightgbm.Booster) else getattr(lgb_model, "booster_", None)
    if not isinstance(booster, lightgbm.Booster):
        raise InvalidValue(
            f"lgb_model: expected a lightgbm Booster or a fitted LGBMModel, got {type(lgb_model).__name__}",
            field="lgb_model",
        )
    return write_model_folder(
        path,
        flavor=FLAVOR,
        flavor_conf={
            "code": None,
            "data": _DATA_FILE,
            "lgb_version": lightgbm.__version__,
            "model_class": _BOOSTER,
        },
        pyfunc=pyfunc_conf("mlflow.lightgbm", data=_DATA_FILE),
        requirements=list(pip_requirements) if pip_requirements else pinned("lightgbm", "numpy", "pandas"),
        write_data=lambda folder: booster.save_model(str(folder / _DATA_FILE)),
        signature=signature,
        input_example=input_example,
        metadata=metadata,
    )


def log_model(
    lgb_model: Any,
    name: str,
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    run: Any = None,
) -> ModelInfo:
    """Save ``lgb_model`` and log it to the active run (or ``run``) under ``name``."""
    return log_model_folder(
        name,
        FLAVOR,
        lambda folder: save_model(
            lgb_model,
            folder,
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
    """The ``lightgbm.Booster`` saved at ``model_uri``."""
    folder = local_model_path(model_uri, dst_path, tracking_uri)
    return _load(folder, Model.load(folder))


def _load(folder: Path, model: Model) -> Any:
    import lightgbm

    conf = model.flavor(FLAVOR)
    if str(conf.get("model_class") or _BOOSTER) != _BOOSTER:
        raise InvalidValue(
            f"model: {conf.get('model_class')!r} was saved as a pickle by MLflow; carnet loads LightGBM "
            "models from their native text format only",
            field="model_class",
        )
    return lightgbm.Booster(model_file=str(folder / str(conf.get("data", _DATA_FILE))))


class _Predictor:
    def __init__(self, raw_model: Any) -> None:
        self.raw_model = raw_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.raw_model.predict(data)


def pyfunc_impl(
    folder: Path, model: Model, *, allow_pickle: bool | None, trusted_types: Sequence[str] | None
) -> _Predictor:
    return _Predictor(_load(folder, model))

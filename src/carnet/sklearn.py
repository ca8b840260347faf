"""``carnet.sklearn``: scikit-learn models, saved with skops by default.

The folder matches ``mlflow.sklearn``'s (``model.skops`` or ``model.pkl``, the ``sklearn`` flavor,
``loader_module: mlflow.sklearn``), so MLflow loads it with its own code. Loading follows the trust
rule (:mod:`carnet.models.trust`): skops types must be trusted by skops or named in
``trusted_types``; a pickle loads only with ``allow_pickle=True`` or ``CARNET_ALLOW_PICKLE=1``.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.exceptions import InvalidArgument, InvalidValue
from carnet.models.folder import pinned, pyfunc_conf, write_model_folder
from carnet.models.logged import ModelInfo, log_model_folder
from carnet.models.mlmodel import Model
from carnet.models.schema import ModelSignature
from carnet.models.trust import load_skops, require_pickle_opt_in
from carnet.models.uri import local_model_path

FLAVOR = "sklearn"
SERIALIZATION_FORMATS = ("skops", "pickle", "cloudpickle")
_DATA_FILE = {"skops": "model.skops", "pickle": "model.pkl", "cloudpickle": "model.pkl"}


def save_model(
    sk_model: Any,
    path: str | Path,
    *,
    serialization_format: str = "skops",
    trusted_types: Sequence[str] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    pyfunc_predict_fn: str = "predict",
) -> Model:
    """Save ``sk_model`` as a model folder at ``path``. ``trusted_types`` is recorded for MLflow's
    loader; carnet's loader trusts only what its own caller names."""
    import sklearn

    if serialization_format not in SERIALIZATION_FORMATS:
        raise InvalidArgument(
            f"serialization_format: {serialization_format!r}; use one of {', '.join(SERIALIZATION_FORMATS)}",
            field="serialization_format",
        )
    data_file = _DATA_FILE[serialization_format]

    def write(folder: Path) -> None:
        target = folder / data_file
        if serialization_format == "skops":
            import skops.io

            skops.io.dump(sk_model, target)
        elif serialization_format == "cloudpickle":
            import cloudpickle

            with target.open("wb") as f:
                cloudpickle.dump(sk_model, f)
        else:
            with target.open("wb") as f:
                pickle.dump(sk_model, f)

    libs = ["scikit-learn", "numpy", "pandas", "skops" if serialization_format == "skops" else "cloudpickle"]
    return write_model_folder(
        path,
        flavor=FLAVOR,
        flavor_conf={
            "code": None,
            "pickled_model": data_file,
            "serialization_format": serialization_format,
            "sklearn_version": sklearn.__version__,
            "skops_trusted_types": list(trusted_types) if trusted_types else None,
        },
        pyfunc=(
            pyfunc_conf("mlflow.sklearn", model_path=data_file, predict_fn=pyfunc_predict_fn)
            if hasattr(sk_model, pyfunc_predict_fn)
            else None
        ),
        requirements=list(pip_requirements) if pip_requirements else pinned(*libs),
        write_data=write,
        signature=signature,
        input_example=input_example,
        metadata=metadata,
    )


def log_model(
    sk_model: Any,
    name: str,
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    serialization_format: str = "skops",
    trusted_types: Sequence[str] | None = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    run: Any = None,
) -> ModelInfo:
    """Save ``sk_model`` and log it to the active run (or ``run``) under ``name``."""
    return log_model_folder(
        name,
        FLAVOR,
        lambda folder: save_model(
            sk_model,
            folder,
            serialization_format=serialization_format,
            trusted_types=trusted_types,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            metadata=metadata,
        ),
        registered_model_name=registered_model_name,
        run=run,
    )


def load_model(
    model_uri: str | Path,
    *,
    allow_pickle: bool | None = None,
    trusted_types: Sequence[str] | None = None,
    dst_path: str | Path | None = None,
    tracking_uri: str | None = None,
) -> Any:
    """The scikit-learn estimator saved at ``model_uri`` (a path, ``runs:/`` or ``models:/`` URI)."""
    folder = local_model_path(model_uri, dst_path, tracking_uri)
    return _load(folder, Model.load(folder), allow_pickle, trusted_types)


def _load(folder: Path, model: Model, allow_pickle: bool | None, trusted_types: Sequence[str] | None) -> Any:
    conf = model.flavor(FLAVOR)
    # MLflow's models from before the skops default carry no format: they are pickles.
    serialization_format = str(conf.get("serialization_format") or "pickle")
    data = folder / str(conf.get("pickled_model") or _DATA_FILE.get(serialization_format, "model.pkl"))
    if serialization_format == "skops":
        return load_skops(data, trusted_types, conf.get("skops_trusted_types"))
    if serialization_format not in SERIALIZATION_FORMATS:
        raise InvalidValue(
            f"model: unknown serialization_format {serialization_format!r}", field="serialization_format"
        )
    require_pickle_opt_in(f"model file {data.name} ({serialization_format})", allow_pickle)
    with data.open("rb") as f:
        if serialization_format == "cloudpickle":
            import cloudpickle

            return cloudpickle.load(f)
        return pickle.load(f)


class _Predictor:
    def __init__(self, raw_model: Any, predict_fn: str) -> None:
        self.raw_model = raw_model
        self._predict_fn = predict_fn
        for name in ("predict_proba", "predict_log_proba"):
            if hasattr(raw_model, name):
                setattr(self, name, getattr(raw_model, name))

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return getattr(self.raw_model, self._predict_fn)(data)


def pyfunc_impl(
    folder: Path, model: Model, *, allow_pickle: bool | None, trusted_types: Sequence[str] | None
) -> _Predictor:
    predict_fn = str((model.pyfunc_conf or {}).get("predict_fn") or "predict")
    return _Predictor(_load(folder, model, allow_pickle, trusted_types), predict_fn)

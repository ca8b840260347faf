"""``carnet.statsmodels``: fitted statsmodels results, saved with statsmodels' own ``save``.

That format is a pickle, so loading follows the trust rule: ``allow_pickle=True`` or
``CARNET_ALLOW_PICKLE=1``. The folder matches ``mlflow.statsmodels``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.models.folder import pinned, pyfunc_conf, write_model_folder
from carnet.models.logged import ModelInfo, log_model_folder
from carnet.models.mlmodel import Model
from carnet.models.schema import ModelSignature
from carnet.models.trust import require_pickle_opt_in
from carnet.models.uri import local_model_path

FLAVOR = "statsmodels"
_DATA_FILE = "model.statsmodels"


def save_model(
    statsmodels_model: Any,
    path: str | Path,
    *,
    remove_data: bool = False,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Model:
    """Save fitted results (``sm.OLS(y, X).fit()``, ...); ``remove_data`` drops the training arrays."""
    import statsmodels

    return write_model_folder(
        path,
        flavor=FLAVOR,
        flavor_conf={"code": None, "data": _DATA_FILE, "statsmodels_version": statsmodels.__version__},
        pyfunc=pyfunc_conf("mlflow.statsmodels", data=_DATA_FILE),
        requirements=list(pip_requirements) if pip_requirements else pinned("statsmodels", "numpy", "pandas"),
        write_data=lambda folder: statsmodels_model.save(str(folder / _DATA_FILE), remove_data),
        signature=signature,
        input_example=input_example,
        metadata=metadata,
    )


def log_model(
    statsmodels_model: Any,
    name: str,
    *,
    remove_data: bool = False,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    run: Any = None,
) -> ModelInfo:
    """Save ``statsmodels_model`` and log it to the active run (or ``run``) under ``name``."""
    return log_model_folder(
        name,
        FLAVOR,
        lambda folder: save_model(
            statsmodels_model,
            folder,
            remove_data=remove_data,
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
    dst_path: str | Path | None = None,
    tracking_uri: str | None = None,
) -> Any:
    """The fitted results saved at ``model_uri`` (a pickle: the caller must opt in)."""
    folder = local_model_path(model_uri, dst_path, tracking_uri)
    return _load(folder, Model.load(folder), allow_pickle)


def _load(folder: Path, model: Model, allow_pickle: bool | None) -> Any:
    conf = model.flavor(FLAVOR)
    data = folder / str(conf.get("data", _DATA_FILE))
    require_pickle_opt_in(f"model file {data.name} (statsmodels)", allow_pickle)
    from statsmodels.iolib.smpickle import load_pickle

    return load_pickle(str(data))


class _Predictor:
    def __init__(self, raw_model: Any) -> None:
        self.raw_model = raw_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.raw_model.predict(data)


def pyfunc_impl(
    folder: Path, model: Model, *, allow_pickle: bool | None, trusted_types: Sequence[str] | None
) -> _Predictor:
    return _Predictor(_load(folder, model, allow_pickle))

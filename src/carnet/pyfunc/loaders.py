"""Which carnet module loads a model, by the ``loader_module`` its ``python_function`` flavor names.

carnet writes MLflow's loader names for the native flavors (``mlflow.sklearn``, ...), so MLflow loads
carnet's files with its own code, and maps those names back to carnet's flavor modules here. Other
loader modules are refused rather than imported: a model file does not choose what code runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.exceptions import InvalidValue
from carnet.models.mlmodel import PYFUNC_FLAVOR, Model

_LOADERS = {
    "mlflow.sklearn": "carnet.sklearn",
    "mlflow.xgboost": "carnet.xgboost",
    "mlflow.lightgbm": "carnet.lightgbm",
    "mlflow.statsmodels": "carnet.statsmodels",
    "mlflow.pyfunc.model": "carnet.pyfunc.python_model",
    "carnet.pyfunc.python_model": "carnet.pyfunc.python_model",
}


def load_impl(
    folder: Path, model: Model, *, allow_pickle: bool | None, trusted_types: Sequence[str] | None
) -> Any:
    """The flavor's predictor object for the model in ``folder``."""
    conf = model.pyfunc_conf
    if conf is None:
        raise InvalidValue(
            f"model: no {PYFUNC_FLAVOR} flavor (it has {', '.join(sorted(model.flavors))}); load it with "
            "its flavor's load_model",
            field="flavor",
        )
    loader = str(conf.get("loader_module", ""))
    module_name = _LOADERS.get(loader)
    if module_name is None:
        known = ", ".join(sorted(_LOADERS))
        raise InvalidValue(
            f"model: carnet cannot load loader_module {loader!r} (it loads {known})", field="loader_module"
        )
    module = importlib.import_module(module_name)
    return module.pyfunc_impl(folder, model, allow_pickle=allow_pickle, trusted_types=trusted_types)

"""Custom Python models: saved with cloudpickle in MLflow's ``python_model.pkl`` layout.

The ``python_function`` flavor names ``carnet.pyfunc.python_model`` as its loader, so
``mlflow.pyfunc.load_model`` loads these models where carnet is installed; carnet loads MLflow's
custom models (``mlflow.pyfunc.model``) the same way. Both are pickles: the trust rule applies.
"""

from __future__ import annotations

import inspect
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.exceptions import InvalidArgument
from carnet.models.folder import pinned, pyfunc_conf, write_model_folder
from carnet.models.mlmodel import PYFUNC_FLAVOR, Model
from carnet.models.schema import ModelSignature
from carnet.models.trust import pickle_allowed, require_pickle_opt_in

LOADER_MODULE = "carnet.pyfunc.python_model"
PYTHON_MODEL_FILE = "python_model.pkl"
ARTIFACTS_DIR = "artifacts"


class PythonModelContext:
    """What a model gets in ``load_context`` and ``predict``: its artifacts as local paths."""

    def __init__(self, artifacts: dict[str, str], model_config: dict[str, Any] | None = None) -> None:
        self.artifacts = artifacts
        self.model_config = model_config or {}


class PythonModel:
    """Base class of custom models (MLflow's ``PythonModel`` convention)."""

    def load_context(self, context: PythonModelContext) -> None:
        """Called once after loading: read artifacts here."""

    def predict(
        self, context: PythonModelContext, model_input: Any, params: dict[str, Any] | None = None
    ) -> Any:
        raise NotImplementedError


def _takes_context(model: Any) -> bool:
    if isinstance(model, PythonModel):
        return True
    if any(c.__name__ == "PythonModel" and c.__module__.startswith("mlflow") for c in type(model).__mro__):
        return True
    names = list(inspect.signature(model.predict).parameters)
    return len(names) >= 2 and names[0] == "context"


class _Impl:
    """The loaded model, called the way its class expects."""

    def __init__(self, python_model: Any, context: PythonModelContext) -> None:
        self.python_model = python_model
        self.context = context
        self._with_context = _takes_context(python_model)

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        if self._with_context:
            return self.python_model.predict(self.context, model_input)
        return self.python_model.predict(model_input)


def save_python_model(
    path: str | Path,
    python_model: Any,
    *,
    artifacts: dict[str, str] | None,
    signature: ModelSignature | None,
    input_example: Any,
    pip_requirements: Sequence[str] | None,
    metadata: dict[str, Any] | None,
    model_config: dict[str, Any] | None,
) -> Model:
    import cloudpickle

    if not hasattr(python_model, "predict"):
        raise InvalidArgument(
            f"python_model: {type(python_model).__name__} has no predict method", field="python_model"
        )
    saved_artifacts: dict[str, dict[str, str]] = {}

    def write(folder: Path) -> None:
        with (folder / PYTHON_MODEL_FILE).open("wb") as f:
            cloudpickle.dump(python_model, f)
        for name, uri in (artifacts or {}).items():
            source = Path(uri.removeprefix("file://"))
            if not source.exists():
                raise InvalidArgument(f"artifacts: {name!r}: nothing at {uri!r}", field="artifacts")
            relative = f"{ARTIFACTS_DIR}/{name}/{source.name}"
            (folder / ARTIFACTS_DIR / name).mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, folder / relative)
            else:
                shutil.copyfile(source, folder / relative)
            saved_artifacts[name] = {"path": relative, "uri": uri}

    conf: dict[str, Any] = {"cloudpickle_version": cloudpickle.__version__, "python_model": PYTHON_MODEL_FILE}
    if model_config:
        conf["model_config"] = model_config
    requirements = (
        list(pip_requirements) if pip_requirements else pinned("carnet", "cloudpickle", "numpy", "pandas")
    )
    model = write_model_folder(
        path,
        flavor=PYFUNC_FLAVOR,
        flavor_conf={},
        pyfunc=None,
        requirements=requirements,
        write_data=write,
        signature=signature,
        input_example=input_example,
        metadata=metadata,
    )
    # The pyfunc flavor is the only one: write it once the artifacts are known.
    model.flavors[PYFUNC_FLAVOR] = pyfunc_conf(LOADER_MODULE, **conf, artifacts=saved_artifacts)
    model.save(Path(path) / "MLmodel")
    return model


def pyfunc_impl(
    folder: Path, model: Model, *, allow_pickle: bool | None, trusted_types: Sequence[str] | None
) -> _Impl:
    """carnet's loader for its own custom models and MLflow's (``mlflow.pyfunc.model``)."""
    import cloudpickle

    conf = model.flavor(PYFUNC_FLAVOR)
    if "python_model" not in conf:
        raise InvalidArgument(
            "model: this python_function model has no python_model file (a models-from-code model?); "
            "carnet cannot load it",
            field="model",
        )
    require_pickle_opt_in(f"model file {conf['python_model']}", allow_pickle)
    if conf.get("python_model_compression"):
        raise InvalidArgument("model: compressed python_model files are not supported", field="model")
    with (folder / str(conf["python_model"])).open("rb") as f:
        python_model = cloudpickle.load(f)
    artifacts = {name: str(folder / info["path"]) for name, info in (conf.get("artifacts") or {}).items()}
    context = PythonModelContext(artifacts, conf.get("model_config"))
    if hasattr(python_model, "load_context"):
        python_model.load_context(context)
    return _Impl(python_model, context)


def _load_pyfunc(data_path: str, model_config: dict[str, Any] | None = None) -> _Impl:
    """The entry point ``mlflow.pyfunc.load_model`` calls; MLflow's own opt-in counts here too."""
    folder = Path(data_path)
    folder = folder.parent if folder.is_file() else folder
    mlflow_opt_in = os.environ.get("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "").lower() == "true"
    return pyfunc_impl(
        folder, Model.load(folder), allow_pickle=pickle_allowed() or mlflow_opt_in or None, trusted_types=None
    )

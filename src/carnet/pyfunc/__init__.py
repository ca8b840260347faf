"""``carnet.pyfunc``: any model as a Python function, MLflow's ``pyfunc`` convention.

``load_model(uri)`` loads a model of any flavor (carnet's or MLflow's) as a :class:`PyFuncModel`
whose ``predict`` checks inputs against the model's signature. ``save_model`` / ``log_model`` store
a custom model: a :class:`PythonModel` (``predict(context, model_input)``, ``load_context``) or
any object with ``predict(model_input)``, plus files it needs (``artifacts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.models.enforce import enforce_schema
from carnet.models.logged import ModelInfo, log_model_folder
from carnet.models.mlmodel import Model
from carnet.models.schema import ModelSignature
from carnet.models.uri import local_model_path
from carnet.pyfunc.loaders import load_impl
from carnet.pyfunc.python_model import PythonModel, PythonModelContext, save_python_model

__all__ = [
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "load_model",
    "log_model",
    "save_model",
    "spark_udf",
]

_PASSTHROUGH = ("predict_proba", "predict_log_proba")


class PyFuncModel:
    """A loaded model: ``predict`` (and ``predict_proba`` where the model has one), ``metadata``."""

    def __init__(self, metadata: Model, impl: Any, path: Path) -> None:
        self.metadata = metadata
        self._impl = impl
        self.path = path

    def __repr__(self) -> str:
        return f"PyFuncModel(flavors={sorted(self.metadata.flavors)}, path={str(self.path)!r})"

    def _checked(self, data: Any) -> Any:
        signature = self.metadata.signature
        if signature is not None and signature.inputs is not None:
            return enforce_schema(data, signature.inputs)
        return data

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self._impl.predict(self._checked(data))

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not set on the instance: expose the model's own probability methods.
        if name in _PASSTHROUGH and hasattr(self.__dict__.get("_impl"), name):
            method = getattr(self._impl, name)
            return lambda data: method(self._checked(data))
        raise AttributeError(name)

    def get_raw_model(self) -> Any:
        """The flavor's own model object (the sklearn estimator, the xgboost booster, ...)."""
        return getattr(self._impl, "raw_model", self._impl)

    def unwrap_python_model(self) -> Any:
        """The custom Python model of a pyfunc model (MLflow's name)."""
        return getattr(self._impl, "python_model", self.get_raw_model())


def load_model(
    model_uri: str | Path,
    *,
    allow_pickle: bool | None = None,
    trusted_types: Sequence[str] | None = None,
    dst_path: str | Path | None = None,
    tracking_uri: str | None = None,
) -> PyFuncModel:
    """Load any model with a ``python_function`` flavor from a path or a ``runs:/`` / ``models:/``
    URI. ``allow_pickle`` and ``trusted_types`` follow the trust rule of :mod:`carnet.models.trust`."""
    path = local_model_path(model_uri, dst_path, tracking_uri)
    metadata = Model.load(path)
    impl = load_impl(path, metadata, allow_pickle=allow_pickle, trusted_types=trusted_types)
    return PyFuncModel(metadata, impl, path)


def save_model(
    path: str | Path,
    python_model: Any,
    *,
    artifacts: dict[str, str] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    model_config: dict[str, Any] | None = None,
) -> Model:
    """Save a custom Python model (cloudpickled, as MLflow does) with copies of ``artifacts``."""
    return save_python_model(
        path,
        python_model,
        artifacts=artifacts,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        metadata=metadata,
        model_config=model_config,
    )


def log_model(
    name: str,
    python_model: Any,
    *,
    artifacts: dict[str, str] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    pip_requirements: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
    model_config: dict[str, Any] | None = None,
    run: Any = None,
) -> ModelInfo:
    """Save a custom Python model and log it to the active run (or ``run``) under ``name``."""
    return log_model_folder(
        name,
        "python_function",
        lambda folder: save_model(
            folder,
            python_model,
            artifacts=artifacts,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            metadata=metadata,
            model_config=model_config,
        ),
        registered_model_name=registered_model_name,
        run=run,
    )


def spark_udf(spark: Any, model_uri: str, result_type: Any = "double", **options: Any) -> Any:
    """A pandas UDF that scores Spark columns with the model, as ``mlflow.pyfunc.spark_udf``
    (``carnet[spark]``; see :func:`carnet.pyfunc.spark.spark_udf` for the options)."""
    from carnet.pyfunc.spark import spark_udf as udf  # pyspark is imported only when asked for

    return udf(spark, model_uri, result_type, **options)

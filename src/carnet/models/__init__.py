"""Models in the MLmodel format: the folder layout, signatures, input checks and model URIs.

A model is a folder with a YAML ``MLmodel`` file, the flavor's data files, an optional input
example and environment files, in the layout MLflow 3 writes, so ``mlflow.pyfunc.load_model``
loads carnet's models and ``carnet.pyfunc.load_model`` loads MLflow's. Flavors live in
``carnet.sklearn``, ``carnet.xgboost``, ``carnet.lightgbm``, ``carnet.statsmodels`` and
``carnet.pyfunc``.
"""

from __future__ import annotations

from carnet.models.enforce import enforce_schema
from carnet.models.infer import infer_signature
from carnet.models.logged import ModelInfo
from carnet.models.mlmodel import Model
from carnet.models.schema import ColSpec, ModelSignature, Schema, TensorSpec
from carnet.models.uri import local_model_path

__all__ = [
    "ColSpec",
    "Model",
    "ModelInfo",
    "ModelSignature",
    "Schema",
    "TensorSpec",
    "enforce_schema",
    "infer_signature",
    "local_model_path",
]

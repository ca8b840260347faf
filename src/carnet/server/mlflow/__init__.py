"""MLflow wire compatibility: the REST API of MLflow 3.x (``/api/2.0/mlflow``, also under
``/ajax-api``) and its artifact proxy, translated to the :class:`~carnet.store.base.TrackingStore`.

An unmodified ``mlflow`` client pointed at a carnet server logs experiments, runs, params, metrics,
tags, artifacts and logged models (``mlflow.<flavor>.log_model``, loaded back from ``models:/<m-id>``
or ``runs:/<run>/<name>``) and uses the model registry (registered models, versions, stages,
aliases; ``models:/<name>/<version>``, ``models:/<name>@<alias>``).
"""

from __future__ import annotations

from fastapi import APIRouter

from carnet.server.mlflow.artifacts import router as artifact_router
from carnet.server.mlflow.experiments import router as experiments_router
from carnet.server.mlflow.logged_models import outputs_router
from carnet.server.mlflow.logged_models import router as logged_models_router
from carnet.server.mlflow.metrics import router as metrics_router
from carnet.server.mlflow.registry import models_router as registered_models_router
from carnet.server.mlflow.registry import versions_router as model_versions_router
from carnet.server.mlflow.runs import router as runs_router

MLFLOW_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
ARTIFACT_PREFIXES = ("/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts")


def tracking_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.include_router(experiments_router)
    router.include_router(runs_router)
    router.include_router(metrics_router)
    router.include_router(logged_models_router)
    router.include_router(outputs_router)
    router.include_router(registered_models_router)
    router.include_router(model_versions_router)
    return router


__all__ = ["ARTIFACT_PREFIXES", "MLFLOW_PREFIXES", "artifact_router", "tracking_router"]

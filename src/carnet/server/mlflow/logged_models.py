"""Logged models (MLflow 3) are not stored yet: only ``logged-models/search`` answers, with no
models, because ``mlflow.artifacts.download_artifacts`` asks it whether a path names a model."""

from __future__ import annotations

from fastapi import APIRouter

from carnet.server.deps import StoreDep
from carnet.server.mlflow.request import Body, Message, as_list

router = APIRouter(prefix="/logged-models")


@router.post("/search")
def search(body: Body, store: StoreDep) -> Message:
    for experiment_id in as_list(body.get("experiment_ids")):
        store.get_experiment(str(experiment_id))  # NotFound for an unknown experiment
    return {"models": []}

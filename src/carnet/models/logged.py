"""Logging a model folder to a run, as MLflow 3 does.

The model becomes a logged model of the run's experiment (``models:/<model_id>``); its files go
to the logged model's artifact location, and the run records it as an output, so
``runs:/<run_id>/<name>`` finds it too. ``registered_model_name`` then adds a registry version.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carnet.entities import LoggedModelStatus, ModelOutput
from carnet.models.mlmodel import MLMODEL_FILE, Model
from carnet.models.schema import ModelSignature
from carnet.sdk.registry import register_model
from carnet.sdk.run import Run
from carnet.store.base import NewLoggedModel


@dataclass(frozen=True)
class ModelInfo:
    """What ``log_model`` logged, and the URIs that load it."""

    model_uri: str
    model_id: str
    run_id: str
    artifact_path: str
    signature: ModelSignature | None
    flavors: dict[str, dict[str, Any]]
    utc_time_created: str
    registered_model_version: int | None = None

    @property
    def runs_uri(self) -> str:
        return f"runs:/{self.run_id}/{self.artifact_path}"


def log_model_folder(
    name: str,
    flavor: str,
    save: Callable[[Path], Model],
    *,
    registered_model_name: str | None = None,
    run: Run | None = None,
) -> ModelInfo:
    """Save the model with ``save(folder)`` and log it to ``run`` (default: the active run)."""
    from carnet.validation import check_relative_path

    check_relative_path(name, "name")
    if run is None:
        from carnet.sdk import fluent

        run = fluent.active_run() or fluent.start_run()
    run._writable()
    store = run.workspace.store
    logged = store.create_logged_model(
        NewLoggedModel(
            experiment_id=run._info.experiment_id, name=name, model_type=flavor, source_run_id=run.id
        )
    )
    try:
        with tempfile.TemporaryDirectory(prefix="carnet-model-") as tmp:
            folder = Path(tmp) / "model"
            model = save(folder)
            model.artifact_path = logged.artifact_location
            model.run_id = run.id
            model.model_id = logged.model_id
            model.model_uuid = logged.model_id
            model.save(folder / MLMODEL_FILE)
            store.artifact_repository(logged.artifact_location).log_folder(folder)
    except BaseException as e:
        store.finalize_logged_model(logged.model_id, LoggedModelStatus.UPLOAD_FAILED, str(e)[:1000])
        raise
    store.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
    store.log_run_outputs(run.id, [ModelOutput(logged.model_id, 0)])
    version = None
    if registered_model_name is not None:
        created = register_model(store, f"models:/{logged.model_id}", registered_model_name)
        version = int(created.version)
    return ModelInfo(
        model_uri=f"models:/{logged.model_id}",
        model_id=logged.model_id,
        run_id=run.id,
        artifact_path=name,
        signature=model.signature,
        flavors=model.flavors,
        utc_time_created=model.utc_time_created,
        registered_model_version=version,
    )

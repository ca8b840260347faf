"""carnet entities ↔ MLflow JSON messages (statuses, system tags, ids as strings, NaN as "NaN")."""

from __future__ import annotations

import math
from typing import Any

from carnet.entities import DatasetInput, Experiment, LifecycleStage, Metric, Run, RunInfo, RunStatus
from carnet.server.artifact_root import ArtifactRoot
from carnet.server.mlflow.datasets import run_inputs

_TO_MLFLOW_STATUS = {
    RunStatus.RUNNING: "RUNNING",
    RunStatus.COMPLETED: "FINISHED",
    RunStatus.FAILED: "FAILED",
    RunStatus.CANCELED: "KILLED",
}

RUN_NAME_TAG = "mlflow.runName"
USER_TAG = "mlflow.user"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
GIT_COMMIT_TAG = "mlflow.source.git.commit"
PARENT_RUN_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"

# MLflow system tags that carnet keeps in run columns (and returns as tags).
SYSTEM_TAGS = frozenset(
    {RUN_NAME_TAG, USER_TAG, SOURCE_NAME_TAG, SOURCE_TYPE_TAG, GIT_COMMIT_TAG, PARENT_RUN_TAG}
)


def status_name(status: RunStatus) -> str:
    return _TO_MLFLOW_STATUS[status]


def number(value: float) -> float | str:
    """A float as MLflow's JSON writes it: NaN and ±inf as strings (protobuf JSON accepts them)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def proxy_uri(location: str, artifact_root: ArtifactRoot | None) -> str:
    """``mlflow-artifacts:/<path under the root>`` for a location under the proxy's root (a folder
    or an ``s3://`` prefix), else the location as is."""
    if artifact_root is None:
        return location
    relative = artifact_root.relative(location)
    return location if relative is None else "mlflow-artifacts:/" + relative


def experiment(exp: Experiment, artifact_root: ArtifactRoot | None) -> dict[str, Any]:
    return {
        "experiment_id": exp.experiment_id,
        "name": exp.name,
        "artifact_location": proxy_uri(exp.artifact_location, artifact_root),
        "lifecycle_stage": exp.lifecycle_stage.value,
        "creation_time": exp.creation_time,
        "last_update_time": exp.last_update_time,
        "tags": [{"key": k, "value": v} for k, v in exp.tags.items()],
    }


def system_tags(info: RunInfo) -> dict[str, str]:
    tags = {RUN_NAME_TAG: info.run_name}
    for key, value in (
        (USER_TAG, info.user_id),
        (SOURCE_NAME_TAG, info.source_name),
        (SOURCE_TYPE_TAG, info.source_type),
        (GIT_COMMIT_TAG, info.git_commit),
        (PARENT_RUN_TAG, info.parent_run_id),
        (NOTE_TAG, info.description),
    ):
        if value:
            tags[key] = value
    return tags


def run_info(info: RunInfo, artifact_root: ArtifactRoot | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "run_id": info.run_id,
        "run_uuid": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "user_id": info.user_id,
        "status": status_name(info.status),
        "start_time": info.start_time,
        "artifact_uri": proxy_uri(info.artifact_uri, artifact_root),
        "lifecycle_stage": info.lifecycle_stage.value,
    }
    if info.end_time is not None:
        out["end_time"] = info.end_time
    return out


def metric(m: Metric, run_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"key": m.key, "value": number(m.value), "timestamp": m.timestamp, "step": m.step}
    if run_id is not None:
        out["run_id"] = run_id
    return out


def run(
    r: Run,
    artifact_root: ArtifactRoot | None,
    latest: dict[str, tuple[int, int]] | None = None,
    inputs: list[DatasetInput] | None = None,
) -> dict[str, Any]:
    """``latest`` maps a metric to its (timestamp, step) when known (0, 0 otherwise); ``inputs``
    are the datasets the run logged."""
    latest = latest or {}
    tags = system_tags(r.info)
    tags.update(r.data.tags)
    return {
        "info": run_info(r.info, artifact_root),
        "data": {
            "metrics": [metric(Metric(k, v, *latest.get(k, (0, 0)))) for k, v in r.data.metrics.items()],
            "params": [{"key": k, "value": v} for k, v in r.data.params.items()],
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
        },
        "inputs": run_inputs(inputs or []),
    }


def view_type(value: Any) -> Any:
    from carnet.entities import ViewType
    from carnet.exceptions import InvalidArgument

    if value is None or value == "":
        return ViewType.ACTIVE_ONLY
    names = {"ACTIVE_ONLY": ViewType.ACTIVE_ONLY, "DELETED_ONLY": ViewType.DELETED_ONLY, "ALL": ViewType.ALL}
    text = str(value).upper()
    if text in ("1", "2", "3"):
        text = ("ACTIVE_ONLY", "DELETED_ONLY", "ALL")[int(text) - 1]
    if text not in names:
        raise InvalidArgument(
            f"Invalid view type {value!r}: use ACTIVE_ONLY, DELETED_ONLY or ALL", field="view_type"
        )
    return names[text]


__all__ = ["LifecycleStage"]

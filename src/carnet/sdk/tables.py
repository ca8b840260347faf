"""Runs as a pandas DataFrame, in the layout MLflow's ``search_runs`` returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from carnet.entities import Run, RunStatus

if TYPE_CHECKING:
    import pandas as pd

# MLflow's names for carnet's run statuses, so notebooks filtering on them keep working.
MLFLOW_STATUS = {
    RunStatus.RUNNING: "RUNNING",
    RunStatus.COMPLETED: "FINISHED",
    RunStatus.FAILED: "FAILED",
    RunStatus.CANCELED: "KILLED",
}


def runs_to_frame(runs: Sequence[Run]) -> pd.DataFrame:
    import pandas as pd

    base = ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]
    records: list[dict[str, Any]] = []
    metric_keys: dict[str, None] = {}
    param_keys: dict[str, None] = {}
    tag_keys: dict[str, None] = {"mlflow.runName": None}
    for run in runs:
        info, data = run.info, run.data
        record: dict[str, Any] = {
            "run_id": info.run_id,
            "experiment_id": info.experiment_id,
            "status": MLFLOW_STATUS[info.status],
            "artifact_uri": info.artifact_uri,
            "start_time": info.start_time,
            "end_time": info.end_time,
            "tags.mlflow.runName": info.run_name,
        }
        if info.parent_run_id:
            record["tags.mlflow.parentRunId"] = info.parent_run_id
            tag_keys.setdefault("mlflow.parentRunId", None)
        for key, value in data.metrics.items():
            record[f"metrics.{key}"] = value
            metric_keys.setdefault(key, None)
        for key, text in data.params.items():
            record[f"params.{key}"] = text
            param_keys.setdefault(key, None)
        for key, text in data.tags.items():
            record[f"tags.{key}"] = text
            tag_keys.setdefault(key, None)
        records.append(record)
    columns = (
        base
        + [f"metrics.{k}" for k in metric_keys]
        + [f"params.{k}" for k in param_keys]
        + [f"tags.{k}" for k in tag_keys]
    )
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    for key in metric_keys:
        frame[f"metrics.{key}"] = frame[f"metrics.{key}"].astype("float64")
    return frame

"""carnet: an open machine-learning workspace.

Two styles on the same runs::

    import carnet
    ws = carnet.Workspace()                      # ./.carnet (SQLite + artifacts), found like .git
    with carnet.Experiment(ws, "ridge").start_logging() as run:   # Azure ML style
        run.log("rmse", 54.1)

    import carnet as mlflow                      # MLflow style
    mlflow.set_experiment("ridge")
    with mlflow.start_run():
        mlflow.log_metric("rmse", 54.1)
"""

from __future__ import annotations

# carnet.data.from_pandas, like mlflow.data (pandas is imported only when it is called).
from carnet import data as data
from carnet.entities import Dataset, DatasetInput, Metric, Param, RunStatus, RunTag, ViewType
from carnet.exceptions import CarnetError
from carnet.sdk.client import Client
from carnet.sdk.experiment import Experiment
from carnet.sdk.fluent import (
    active_run,
    create_experiment,
    end_run,
    get_experiment,
    get_experiment_by_name,
    get_run,
    get_tracking_uri,
    last_active_run,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_image,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_table,
    log_text,
    register_model,
    search_experiments,
    search_runs,
    set_experiment,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)
from carnet.sdk.run import Run
from carnet.sdk.script_run import Environment, ScriptRunConfig
from carnet.sdk.workspace import Workspace

__version__ = "0.1.0"

__all__ = [
    "CarnetError",
    "Client",
    "Dataset",
    "DatasetInput",
    "Environment",
    "Experiment",
    "Metric",
    "Param",
    "Run",
    "RunStatus",
    "RunTag",
    "ScriptRunConfig",
    "ViewType",
    "Workspace",
    "__version__",
    "active_run",
    "create_experiment",
    "end_run",
    "get_experiment",
    "get_experiment_by_name",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "register_model",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]

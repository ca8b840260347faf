"""The MLflow-style module API: ``import carnet as mlflow`` runs the tracking calls of an MLflow
notebook unchanged.

State (the tracking URI, the active experiment, the stack of active runs) is per process, as in
MLflow. A logging call with no active run starts one, as MLflow does; active runs still open at
interpreter exit are ended as Completed.
"""

from __future__ import annotations

import atexit
import json
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carnet.entities import Dataset, MetricKind, RunStatus, ViewType
from carnet.entities import Experiment as ExperimentInfo
from carnet.entities import Run as RunEntity
from carnet.exceptions import InvalidArgument, InvalidState, NotFound
from carnet.sdk.run import Run
from carnet.sdk.workspace import Workspace
from carnet.validation import check_artifact_location, check_entity_name, check_relative_path

if TYPE_CHECKING:
    import pandas as pd

_lock = threading.RLock()
_tracking_uri: str | None = None
_experiment_id: str | None = None
_active: list[Run] = []
_end_at_exit: list[Run] = []
_last: Run | None = None


# -- where -------------------------------------------------------------------------------------


def set_tracking_uri(uri: str | os.PathLike[str] | None) -> None:
    """Track to ``uri`` (``sqlite:///file.db``, ``postgresql://...`` or a folder) from now on."""
    global _tracking_uri, _experiment_id
    with _lock:
        _tracking_uri = os.fspath(uri) if uri is not None else None
        _experiment_id = None


def get_tracking_uri() -> str:
    return default_workspace().tracking_uri


def default_workspace() -> Workspace:
    """The workspace of ``set_tracking_uri``, else ``CARNET_TRACKING_URI``, else the ``.carnet`` folder."""
    return Workspace(_tracking_uri)


# -- experiments -------------------------------------------------------------------------------


def set_experiment(experiment_name: str | None = None, experiment_id: str | None = None) -> ExperimentInfo:
    """Make an experiment the active one (created when named and missing); return it."""
    global _experiment_id
    store = default_workspace().store
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidArgument("set_experiment: give exactly one of experiment_name or experiment_id")
    if experiment_name is not None:
        check_entity_name(experiment_name, "experiment_name")
        info = store.get_experiment_by_name(experiment_name)
        if info is None:
            store.create_experiment(experiment_name)
            info = store.get_experiment_by_name(experiment_name)
    else:
        info = store.get_experiment(str(experiment_id))
    assert info is not None
    if info.lifecycle_stage.value != "active":
        raise InvalidState(
            f"experiment {info.name!r} is deleted: restore it "
            "(carnet.Client().restore_experiment) or use another",
            field="experiment_name",
        )
    with _lock:
        _experiment_id = info.experiment_id
    return info


def create_experiment(
    name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
) -> str:
    check_entity_name(name, "name")
    if artifact_location:
        check_artifact_location(artifact_location)
    return default_workspace().store.create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str) -> ExperimentInfo:
    return default_workspace().store.get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> ExperimentInfo | None:
    return default_workspace().store.get_experiment_by_name(name)


def search_experiments(view_type: ViewType = ViewType.ACTIVE_ONLY) -> list[ExperimentInfo]:
    return default_workspace().store.search_experiments(view_type)


def _current_experiment_id(workspace: Workspace) -> str:
    if _experiment_id is not None:
        return _experiment_id
    name = os.environ.get("CARNET_EXPERIMENT_NAME") or os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if name:
        return set_experiment(name).experiment_id
    return "0"


# -- runs --------------------------------------------------------------------------------------


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
    parent_run_id: str | None = None,
) -> Run:
    """Start a run (or resume ``run_id``) and make it active; use it as a context manager.

    The returned run also has the Azure ML style methods (``run.log``, ``run.log_table``, ...).
    """
    global _last
    with _lock:
        if _active and not nested:
            raise InvalidState(
                f"run {_active[-1].id} is already active: end it with carnet.end_run(), or pass nested=True "
                "to start a child run",
                field="nested",
            )
        workspace = _active[-1].workspace if _active else default_workspace()
        if run_id is not None:
            run = Run.attach(workspace, run_id)
            if run.get_status() != RunStatus.RUNNING.value:
                raise InvalidState(
                    f"run {run_id} has ended ({run.get_status()}); it cannot be resumed", field="run_id"
                )
        else:
            parent = parent_run_id or (_active[-1].id if _active and nested else None)
            experiment = (
                str(experiment_id)
                if experiment_id is not None
                else (
                    _active[-1]._info.experiment_id
                    if parent and _active
                    else _current_experiment_id(workspace)
                )
            )
            run = Run.start(
                workspace,
                experiment,
                run_name=run_name,
                parent_run_id=parent,
                description=description or "",
                tags=tags,
            )
        _active.append(run)
        _last = run
        return run


def active_run() -> Run | None:
    """The innermost active run, or None."""
    return _active[-1] if _active else None


def last_active_run() -> Run | None:
    return _active[-1] if _active else _last


def end_run(status: str = "FINISHED") -> None:
    """End the active run (``FINISHED``/``Completed``, ``FAILED``, ``KILLED``/``Canceled``)."""
    parsed = RunStatus.parse(status)
    with _lock:
        if not _active:
            return
        run = _active[-1]
    if parsed is RunStatus.COMPLETED:
        run.complete()
    elif parsed is RunStatus.FAILED:
        run.fail()
    elif parsed is RunStatus.CANCELED:
        run.cancel()
    else:
        raise InvalidArgument(f"status: {status!r} does not end a run", field="status")


def forget(run: Run) -> None:
    """Called when a run ends: it is no longer active."""
    with _lock:
        if run in _active:
            _active.remove(run)
        if run in _end_at_exit:
            _end_at_exit.remove(run)


def end_at_exit(run: Run) -> None:
    with _lock:
        _end_at_exit.append(run)


def _get_or_start_run() -> Run:
    return _active[-1] if _active else start_run()


@atexit.register
def _end_open_runs() -> None:
    for run in reversed([*_active, *_end_at_exit]):
        try:
            run.complete()
        except Exception:  # at exit there is nobody left to tell but stderr
            import traceback

            traceback.print_exc()


# -- logging to the active run -----------------------------------------------------------------


def log_param(key: str, value: Any) -> Any:
    _get_or_start_run().log_param(key, value)
    return value


def log_params(params: Mapping[str, Any]) -> None:
    _get_or_start_run().log_params(params)


def log_metric(key: str, value: float, step: int | None = None, **_: Any) -> None:
    """Log a metric; ``step`` defaults to 0 as in MLflow."""
    _get_or_start_run().log(key, value, step=0 if step is None else step)


def log_metrics(metrics: Mapping[str, float], step: int | None = None, **_: Any) -> None:
    run = _get_or_start_run()
    for key, value in metrics.items():
        run.log(key, value, step=0 if step is None else step)


def set_tag(key: str, value: Any) -> None:
    _get_or_start_run().tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    _get_or_start_run().set_tags(tags)


def log_input(
    dataset: Dataset | str,
    context: str | None = None,
    *,
    digest: str | None = None,
    source: str | None = None,
    source_type: str = "local",
    schema: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> None:
    """Record a dataset the active run read, MLflow style: ``log_input(dataset, "training")`` with
    a :class:`~carnet.entities.Dataset`, or a name with ``digest=`` and ``source=``."""
    _get_or_start_run().log_input(
        dataset, digest, source, source_type=source_type, context=context, schema=schema, tags=tags
    )


def log_artifact(local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    _get_or_start_run().log_artifact(local_path, artifact_path)


def log_artifacts(local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    _get_or_start_run().log_artifacts(local_dir, artifact_path)


def _log_bytes(data: bytes, artifact_file: str) -> None:
    run = _get_or_start_run()
    run._writable()
    run._artifact_repo().log_bytes(data, check_relative_path(artifact_file, "artifact_file"))


def log_text(text: str, artifact_file: str) -> None:
    _log_bytes(text.encode("utf-8"), artifact_file)


def log_dict(dictionary: Mapping[str, Any], artifact_file: str) -> None:
    """Store a dict as JSON, or as YAML when ``artifact_file`` ends in .yaml/.yml."""
    if artifact_file.endswith((".yaml", ".yml")):
        import yaml

        text = yaml.safe_dump(dict(dictionary), sort_keys=False)
    else:
        text = json.dumps(dictionary, indent=2, default=str)
    log_text(text, artifact_file)


def log_figure(figure: Any, artifact_file: str) -> None:
    """Store a matplotlib figure (the format follows the file's extension)."""
    import io

    if not hasattr(figure, "savefig"):
        raise InvalidArgument(
            f"figure: expected a matplotlib Figure, got {type(figure).__name__}", field="figure"
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format=Path(artifact_file).suffix.lstrip(".") or "png")
    _log_bytes(buffer.getvalue(), artifact_file)


def log_image(
    image: Any, artifact_file: str | None = None, key: str | None = None, step: int | None = None
) -> None:
    """Store a numpy array or PIL image: as a file (``artifact_file``) or as an image metric (``key``)."""
    from carnet.sdk import images

    if (artifact_file is None) == (key is None):
        raise InvalidArgument("log_image: give exactly one of artifact_file or key", field="artifact_file")
    data = images.array_to_png(image)
    if artifact_file is not None:
        _log_bytes(data, artifact_file)
        return
    assert key is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "image.png"
        path.write_bytes(data)
        _get_or_start_run().log_image(key, path=path, step=step)


def log_table(data: Any, artifact_file: str) -> None:
    """Store a table (dict of columns or DataFrame) as MLflow's JSON table file and as a table metric
    named after the file (``results.json`` → ``results``)."""
    from carnet.sdk.run import _columns_of
    from carnet.validation import check_columns

    name = Path(artifact_file).stem
    columns = check_columns(_columns_of(data), "data")
    rows = [list(r) for r in zip(*columns.values(), strict=True)]
    run = _get_or_start_run()
    run._writable()
    # Check the file name and the metric name and kind before writing the file: a refused call writes nothing.
    check_relative_path(artifact_file, "artifact_file")
    run._declare(name, MetricKind.TABLE, "")
    log_text(json.dumps({"columns": list(columns), "data": rows}, default=str), artifact_file)
    run._writable().add_record(name, MetricKind.TABLE, columns, _now())


def _now() -> int:
    from carnet.utils import now_ms

    return now_ms()


# -- reading -----------------------------------------------------------------------------------


def get_run(run_id: str) -> RunEntity:
    """A snapshot of a run (``run.info``, ``run.data``); flushes the run first if it is active here."""
    for run in _active:
        if run.id == run_id:
            run.flush()
    return default_workspace().store.get_run(run_id)


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType = ViewType.ACTIVE_ONLY,
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> pd.DataFrame | list[RunEntity]:
    """Runs as a pandas DataFrame shaped like MLflow's (``run_id``, ``experiment_id``, ``status``,
    ``start_time``, ..., ``metrics.*``, ``params.*``, ``tags.*``), or a list with ``output_format="list"``."""
    from carnet.sdk.tables import runs_to_frame

    for run in _active:
        run.flush()
    store = default_workspace().store
    ids = [str(e) for e in experiment_ids] if experiment_ids else []
    for name in experiment_names or ():
        info = store.get_experiment_by_name(name)
        if info is None:
            raise NotFound(f"experiment {name!r} does not exist", field="experiment_names")
        ids.append(info.experiment_id)
    if not ids:
        ids = (
            [e.experiment_id for e in store.search_experiments(ViewType.ALL)]
            if search_all_experiments
            else [_current_experiment_id(default_workspace())]
        )
    found: list[RunEntity] = []
    token: str | None = None
    while len(found) < max_results:
        page = store.search_runs(
            ids, filter_string, run_view_type, min(max_results - len(found), 50_000), order_by, token
        )
        found.extend(page.runs)
        token = page.next_page_token
        if not token:
            break
    if output_format == "list":
        return found
    if output_format != "pandas":
        raise InvalidArgument("output_format: use 'pandas' or 'list'", field="output_format")
    return runs_to_frame(found)


# -- models ------------------------------------------------------------------------------------


def register_model(
    model_uri: str, name: str, tags: Mapping[str, Any] | None = None, description: str | None = None
) -> Any:
    """Register the model at ``model_uri`` (``runs:/<run_id>/<path>``, ``models:/<model_id>`` or a
    storage location) as a new version of ``name``, created when missing; return the version."""
    from carnet.sdk.registry import register_model as register

    for run in _active:
        run.flush()
    return register(
        default_workspace().store,
        model_uri,
        check_entity_name(name, "name"),
        tags={k: str(v) for k, v in (tags or {}).items()} or None,
        description=description,
    )

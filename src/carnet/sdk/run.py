"""``Run``: one execution of training code and everything it logged (Azure ML style, with the
MLflow names too, so both styles work on the same runs).

Logging calls validate at once (a bad name or value raises here, not later) and append to the
run's buffer; the buffer is flushed in batches (see ``carnet.sdk.buffer``). Every read flushes
first, so a run always reads what it wrote.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from carnet.entities import Dataset, DatasetInput, MetricKind, RunData, RunInfo, RunStatus, ViewType
from carnet.entities import Run as RunEntity
from carnet.exceptions import (
    CarnetError,
    InvalidArgument,
    InvalidValue,
    LimitExceeded,
    ParamConflict,
    RunNotActive,
    StoreError,
)
from carnet.sdk import images
from carnet.sdk.buffer import RunBuffer
from carnet.utils import now_ms
from carnet.validation import (
    MAX_PARAM_VALUE_LENGTH,
    MAX_ROW_COLUMNS,
    MAX_TAG_VALUE_LENGTH,
    check_cell,
    check_columns,
    check_description,
    check_key,
    check_number,
    check_relative_path,
    check_step,
    check_text,
)

if TYPE_CHECKING:
    from carnet.sdk.experiment import Experiment
    from carnet.sdk.workspace import Workspace
    from carnet.store.artifacts.base import ArtifactRepository

ENV_RUN_ID = "CARNET_RUN_ID"
ENV_EXPERIMENT_NAME = "CARNET_EXPERIMENT_NAME"


class Run:
    """A run. Create one with ``Experiment.start_logging()``, ``carnet.start_run()``,
    ``Run.get_context()`` or ``run.child_run()``; use it as a context manager to complete it
    (or fail it, when the block raises)."""

    _context_run: Run | None = None
    _context_lock = threading.Lock()

    def __init__(self, workspace: Workspace, info: RunInfo) -> None:
        self.workspace = workspace
        self._info = info
        self._store = workspace.store
        self._buffer: RunBuffer | None = (
            RunBuffer(self._store, info.run_id) if not info.status.is_terminal else None
        )
        self._checked_keys: set[str] = set()
        self._kinds: dict[str, MetricKind] = {}
        self._next_step: dict[str, int] = {}
        self._params: dict[str, str] = {}
        self._loaded_state = False
        self._artifacts: ArtifactRepository | None = None

    # -- creating and finding runs ------------------------------------------------------------

    @classmethod
    def start(
        cls,
        workspace: Workspace,
        experiment_id: str,
        *,
        run_name: str | None = None,
        parent_run_id: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
    ) -> Run:
        from carnet.sdk.source import new_run_request

        request = new_run_request(
            experiment_id, run_name=run_name, parent_run_id=parent_run_id, tags=tags, description=description
        )
        entity = workspace.store.create_run(request)
        run = cls(workspace, entity.info)
        run._loaded_state = True  # a new run has no metrics or params yet
        return run

    @classmethod
    def attach(cls, workspace: Workspace, run_id: str) -> Run:
        """An existing run by id (``NotFound`` if there is none)."""
        return cls(workspace, workspace.store.get_run(run_id).info)

    @classmethod
    def from_entity(cls, workspace: Workspace, entity: RunEntity) -> Run:
        return cls(workspace, entity.info)

    @classmethod
    def get_context(cls) -> Run:
        """The run this code should log to.

        Inside a carnet job, the job's run (``CARNET_RUN_ID``). Otherwise the active run of
        ``carnet.start_run()`` if there is one, else one run per process, created on first call in
        the default workspace, in the experiment named by ``CARNET_EXPERIMENT_NAME`` (default:
        ``Default``), and completed at interpreter exit.
        """
        from carnet.sdk import fluent

        run_id = os.environ.get(ENV_RUN_ID)
        if run_id:
            # One object per process, kept alive: what it buffered is flushed at exit even when
            # the script drops its reference (buffers are held weakly).
            with cls._context_lock:
                if cls._context_run is None or cls._context_run.id != run_id:
                    cls._context_run = cls.attach(fluent.default_workspace(), run_id)
                return cls._context_run
        active = fluent.active_run()
        if active is not None:
            return active
        with cls._context_lock:
            if cls._context_run is None or cls._context_run.get_status() != RunStatus.RUNNING.value:
                from carnet.sdk.experiment import Experiment

                workspace: Workspace = fluent.default_workspace()
                experiment = Experiment(workspace, os.environ.get(ENV_EXPERIMENT_NAME) or "Default")
                cls._context_run = experiment.start_logging()
                fluent.end_at_exit(cls._context_run)
            return cls._context_run

    # -- identity ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, name={self._info.run_name!r}, status={self._info.status.value!r})"

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if self._info.status.is_terminal:
            return
        if exc is None:
            self.complete()
        elif isinstance(exc, KeyboardInterrupt):
            self.cancel()
        else:
            self.fail("".join(traceback.format_exception(exc_type, exc, tb))[-4000:])

    @property
    def id(self) -> str:
        return self._info.run_id

    @property
    def name(self) -> str:
        return self._info.run_name

    display_name = name

    @property
    def experiment(self) -> Experiment:
        from carnet.sdk.experiment import Experiment

        return Experiment(self.workspace, self._store.get_experiment(self._info.experiment_id).name)

    @property
    def parent(self) -> Run | None:
        parent_id = self._info.parent_run_id
        return Run.attach(self.workspace, parent_id) if parent_id else None

    @property
    def info(self) -> RunInfo:
        """The stored run info (MLflow's ``run.info``)."""
        self._info = self._store.get_run(self.id).info
        return self._info

    @property
    def data(self) -> RunData:
        """Params, tags and latest metric values (MLflow's ``run.data``), after a flush."""
        self.flush()
        return self._store.get_run(self.id).data

    # -- logging metrics (Azure ML names) ----------------------------------------------------

    def log(self, name: str, value: Any, description: str = "", step: int | None = None) -> None:
        """Log a numeric value. Logged once it is a scalar; logged again, a series (the next step
        unless ``step`` is given). NaN and ±inf are kept."""
        buffer = self._writable()
        # Check the value and step before declaring the metric: a refused call writes nothing.
        value = value if type(value) is float else check_number(value, name)
        if step is not None and type(step) is not int:
            step = check_step(step)
        if name not in self._checked_keys:
            self._declare(name, MetricKind.SERIES, description)
        if step is None:
            step = self._next_step.get(name, 0)
        self._next_step[name] = step + 1
        buffer.add_metric(name, value, now_ms(), step)

    def log_list(self, name: str, value: Any, description: str = "") -> None:
        """Log a list of numbers; ``get_metrics()`` returns them as a list in logging order."""
        buffer = self._writable()
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            raise InvalidValue(f"{name}: log_list expects a list of numbers", field=name)
        numbers = [check_number(v, name) for v in value]
        self._declare(name, MetricKind.LIST, description)
        start = self._next_step.get(name, 0)
        timestamp = now_ms()
        from carnet.entities import Metric

        buffer.add_metrics([Metric(name, v, timestamp, start + i) for i, v in enumerate(numbers)])
        self._next_step[name] = start + len(numbers)

    def log_row(self, name: str, description: str | None = None, **kwargs: Any) -> None:
        """Add one row to the table ``name``: ``run.log_row("scores", fold=1, auc=0.91)``."""
        buffer = self._writable()
        if not kwargs:
            raise InvalidValue(
                f"{name}: log_row needs at least one column, e.g. log_row(name, x=1)", field=name
            )
        if len(kwargs) > MAX_ROW_COLUMNS:
            raise LimitExceeded(f"{name}: {len(kwargs)} columns; the limit is {MAX_ROW_COLUMNS}", field=name)
        row = {check_key(k, f"{name} column"): check_cell(v, f"{name}.{k}") for k, v in kwargs.items()}
        self._declare(name, MetricKind.ROW, description or "")
        buffer.add_record(name, MetricKind.ROW, row, now_ms())

    def log_table(self, name: str, value: Mapping[str, Any], description: str = "") -> None:
        """Log a table given as ``{column: [values...]}``; all columns must have the same length."""
        buffer = self._writable()
        columns = check_columns(_columns_of(value), name)
        self._declare(name, MetricKind.TABLE, description)
        buffer.add_record(name, MetricKind.TABLE, columns, now_ms())

    def log_image(
        self,
        name: str,
        path: str | os.PathLike[str] | None = None,
        plot: Any = None,
        description: str = "",
        step: int | None = None,
    ) -> None:
        """Log an image from a PNG/JPEG file (``path``) or a matplotlib figure (``plot``).

        The image is stored as a run file under ``images/<name>/``; the metric points to it.
        """
        buffer = self._writable()
        if (path is None) == (plot is None):
            raise InvalidArgument(
                f"{name}: log_image needs exactly one of path= (an image file) "
                "or plot= (a matplotlib figure)",
                field="path",
            )
        data, extension = images.read_image_file(path) if path is not None else images.render_figure(plot)
        step = None if step is None else check_step(step)  # before declaring: a refused call writes nothing
        self._declare(name, MetricKind.IMAGE, description)
        index = self._next_step.get(name, 0)
        step = index if step is None else step
        self._next_step[name] = index + 1
        artifact_path = f"images/{name}/{index:05d}{extension}"
        self._artifact_repo().log_bytes(data, artifact_path)
        buffer.add_record(name, MetricKind.IMAGE, {"path": artifact_path, "step": step}, now_ms())

    # -- MLflow names on the same run --------------------------------------------------------

    def log_metric(self, key: str, value: Any, step: int | None = None) -> None:
        self.log(key, value, step=step)

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        for key, value in metrics.items():
            self.log(key, value, step=step)

    def log_param(self, key: str, value: Any) -> None:
        """Log a param. Params are immutable: the same key with another value raises ``ParamConflict``."""
        buffer = self._writable()
        check_key(key, "param")
        text = check_text(value, f"params.{key}", MAX_PARAM_VALUE_LENGTH)
        self._load_state()
        known = self._params.get(key)
        if known is not None and known != text:
            raise ParamConflict(
                f"param {key!r} of run {self.id} is {known!r} already and cannot change to {text!r}: "
                "params are immutable; log the new value under another name or in a new run",
                field=f"params.{key}",
            )
        if known is None:
            self._params[key] = text
            buffer.add_param(key, text)

    def log_params(self, params: Mapping[str, Any]) -> None:
        for key, value in params.items():
            self.log_param(key, value)

    # -- tags --------------------------------------------------------------------------------

    def tag(self, key: str, value: Any = None) -> None:
        """Set a tag; ``value`` defaults to an empty string (a label)."""
        buffer = self._writable()
        check_key(key, "tag")
        buffer.add_tag(key, check_text("" if value is None else value, f"tags.{key}", MAX_TAG_VALUE_LENGTH))

    set_tag = tag

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        for key, value in tags.items():
            self.tag(key, value)

    def get_tags(self) -> dict[str, str]:
        self.flush()
        return self._store.get_run(self.id).data.tags

    # -- dataset inputs ----------------------------------------------------------------------

    def log_input(
        self,
        dataset: Dataset | str,
        digest: str | None = None,
        source: str | None = None,
        source_type: str = "local",
        context: str | None = None,
        schema: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a dataset the run read: a :class:`~carnet.entities.Dataset`, or its name with
        ``digest`` and ``source``; ``context`` says what for (``training``, ``validation``...)."""
        from carnet.sdk.datasets import dataset_input

        self._writable()
        item = dataset_input(dataset, digest, source, source_type, context, schema, tags=tags)
        self._store.log_inputs(self.id, [item])

    def get_inputs(self) -> list[DatasetInput]:
        """The datasets the run logged as inputs, in the order they were first logged."""
        return self._store.get_run_inputs(self.id)

    # -- files -------------------------------------------------------------------------------

    def _artifact_repo(self) -> ArtifactRepository:
        if self._artifacts is None:
            self._artifacts = self._store.artifact_repository(self._info.artifact_uri)
        return self._artifacts

    def upload_file(self, name: str, path_or_stream: str | os.PathLike[str] | BinaryIO) -> None:
        """Store a file (a path, or an open binary stream) in the run as ``name`` (e.g. ``outputs/m.pkl``)."""
        self._writable()
        name = check_relative_path(name, "name")
        repo = self._artifact_repo()
        if isinstance(path_or_stream, (str, os.PathLike)):
            repo.log_file(path_or_stream, name)
        elif hasattr(path_or_stream, "read"):
            repo.log_stream(path_or_stream, name)
        else:
            raise InvalidValue(
                "path_or_stream: expected a file path or a binary stream", field="path_or_stream"
            )

    def upload_folder(self, name: str, path: str | os.PathLike[str]) -> list[str]:
        """Store every file under the folder ``path`` in the run under ``name``; return their names."""
        self._writable()
        return self._artifact_repo().log_folder(path, check_relative_path(name, "name"))

    def log_artifact(self, local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """MLflow's name: store a file under the folder ``artifact_path`` (the run's root if None)."""
        filename = Path(local_path).name
        self.upload_file(f"{artifact_path.rstrip('/')}/{filename}" if artifact_path else filename, local_path)

    def log_artifacts(self, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        self._writable()
        self._artifact_repo().log_folder(local_dir, artifact_path)

    def get_file_names(self) -> list[str]:
        """Every file stored in the run, as relative names."""
        return [f.path for f in self._artifact_repo().list_files(recursive=True)]

    def download_file(self, name: str, output_file_path: str | os.PathLike[str] | None = None) -> Path:
        """Copy the run's file ``name`` to ``output_file_path`` (default: its base name in the cwd)."""
        target = Path(output_file_path) if output_file_path is not None else Path.cwd() / Path(name).name
        return self._artifact_repo().download(name, target)

    def download_files(
        self, prefix: str | None = None, output_directory: str | os.PathLike[str] = "."
    ) -> Path:
        """Copy the run's files (those under ``prefix`` when given) into ``output_directory``."""
        repo = self._artifact_repo()
        out = Path(output_directory)
        for info in repo.list_files(prefix, recursive=True):
            repo.download(info.path, out / info.path)
        return out

    # -- models ------------------------------------------------------------------------------

    def register_model(
        self,
        model_name: str,
        model_path: str,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> Any:
        """Register the model this run logged at ``model_path`` as a new version of ``model_name``
        (created when missing); return the model version (Azure ML's ``run.register_model``)."""
        from carnet.sdk.registry import register_model

        self.flush()
        return register_model(
            self._store,
            f"runs:/{self.id}/{check_relative_path(model_path, 'model_path')}",
            model_name,
            tags={k: str(v) for k, v in (tags or {}).items()} or None,
            description=description,
        )

    # -- children ----------------------------------------------------------------------------

    def child_run(self, name: str | None = None, *, tags: Mapping[str, Any] | None = None) -> Run:
        """Start a run nested under this one, in the same experiment."""
        self._writable()
        return Run.start(
            self.workspace, self._info.experiment_id, run_name=name, parent_run_id=self.id, tags=tags
        )

    def get_children(self, recursive: bool = False) -> list[Run]:
        """The runs started with :meth:`child_run`, oldest first."""
        children: list[Run] = []
        token: str | None = None
        while True:
            page = self._store.search_runs(
                [self._info.experiment_id],
                f"attributes.parent_run_id = '{self.id}'",
                ViewType.ACTIVE_ONLY,
                1000,
                ["attributes.start_time ASC"],
                token,
            )
            children.extend(Run.from_entity(self.workspace, e) for e in page.runs)
            token = page.next_page_token
            if not token:
                break
        if recursive:
            for child in list(children):
                children.extend(child.get_children(recursive=True))
        return children

    # -- reading back ------------------------------------------------------------------------

    def get_metrics(self, name: str | None = None, recursive: bool = False) -> dict[str, Any]:
        """The run's metrics in the shapes Azure ML users rely on.

        A value logged once → the value; logged repeatedly, or a list → a list in logging order;
        a row or table → a dict of column lists; an image → its file name in the run (a list of
        names when logged more than once). With ``recursive=True``, children's metrics are added
        under their run ids.
        """
        from carnet.sdk.metric_shapes import collect_metrics

        self.flush()
        out = collect_metrics(self._store, self.id, name)
        if recursive:
            for child in self.get_children(recursive=True):
                out[child.id] = child.get_metrics(name)
        return out

    def get_details(self) -> dict[str, Any]:
        """A summary of the run: ids, status, times (UTC ISO 8601), user, source, params and tags."""
        self.flush()
        entity = self._store.get_run(self.id)
        info = entity.info
        return {
            "runId": info.run_id,
            "displayName": info.run_name,
            "experimentId": info.experiment_id,
            "status": info.status.value,
            "startTimeUtc": _iso(info.start_time),
            "endTimeUtc": _iso(info.end_time),
            "parentRunId": info.parent_run_id,
            "user": info.user_id,
            "source": {"type": info.source_type, "name": info.source_name},
            "git": {"commit": info.git_commit, "dirty": info.git_dirty},
            "description": info.description,
            "artifactUri": info.artifact_uri,
            "params": dict(entity.data.params),
            "tags": dict(entity.data.tags),
        }

    def get_status(self) -> str:
        """``Running``, ``Completed``, ``Failed`` or ``Canceled``; a submitted job's run that has
        not started yet says where its job is: ``Queued`` or ``Preparing``."""
        info = self.info
        if info.status is RunStatus.RUNNING and info.source_type == "JOB":
            from carnet.store.jobs import JobStore

            if isinstance(self._store, JobStore):
                try:
                    return self._store.get_job(self.id).status.value
                except CarnetError:  # a run made inside a job, not a job's own run
                    pass
        return info.status.value

    # -- ending ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything logged so far (raises an error a background write met)."""
        if self._buffer is not None:
            self._buffer.flush()

    def complete(self) -> None:
        self._end(RunStatus.COMPLETED)

    def fail(self, error: Any = None) -> None:
        """Mark the run Failed; ``error`` (an exception or text) is kept as the tag ``carnet.error``."""
        if error is not None and self._buffer is not None:
            text = (
                "".join(traceback.format_exception(error)) if isinstance(error, BaseException) else str(error)
            )
            self._buffer.add_tag("carnet.error", text[-MAX_TAG_VALUE_LENGTH:])
        self._end(RunStatus.FAILED)

    def cancel(self) -> None:
        """Cancel the run; for a submitted job, cancel the job (its worker stops the script)."""
        from carnet.exceptions import NotFound
        from carnet.store.jobs import JobStore

        if isinstance(self._store, JobStore) and self._info.status is RunStatus.RUNNING:
            try:
                self._store.cancel_job(self.id)
                return
            except NotFound:  # not a job's run
                pass
        self._end(RunStatus.CANCELED)

    def wait_for_completion(
        self, show_output: bool = False, wait_post_processing: bool = False, raise_on_error: bool = True
    ) -> dict[str, Any]:
        """Wait until this run's job ends; with ``show_output`` print its output live. Returns
        :meth:`get_details` with the job's ``status``, ``compute`` and ``error``. Raises
        ``JobFailed`` when the job failed or was canceled (unless ``raise_on_error`` is false).
        ``wait_post_processing`` is accepted for Azure ML compatibility (outputs are uploaded
        before a job ends)."""
        from carnet.sdk.script_run import wait

        del wait_post_processing
        details = wait(self, show_output, raise_on_error)
        self._info = self._store.get_run(self.id).info
        return details

    def _end(self, status: RunStatus) -> None:
        from carnet.sdk import fluent

        deferred: CarnetError | None = None
        buffer = self._buffer
        try:
            if self._buffer is not None:
                try:
                    self._buffer.close()
                except StoreError:
                    raise  # the database is unreachable: the status cannot be written either
                except CarnetError as exc:
                    deferred = exc  # some logged data was refused: still end the run, then say so
                finally:
                    self._buffer = None
            if isinstance(deferred, RunNotActive):  # ended elsewhere (or deleted): keep that status
                self._info = self._store.get_run(self.id).info
                raise deferred
            # A remote run whose server stays unreachable spools its status after its batches.
            ended = buffer.end_status(status, self._info) if buffer is not None else None
            self._info = ended if ended is not None else self._store.update_run(self.id, status=status)
            if deferred is not None:
                raise deferred
        finally:
            # Even when ending raised (e.g. another client ended the run first), the run no longer
            # takes writes here: it must not stay the active run and block every later start_run().
            fluent.forget(self)

    # -- internals ---------------------------------------------------------------------------

    def _writable(self) -> RunBuffer:
        buffer = self._buffer
        if buffer is None:
            raise RunNotActive(
                f"run {self.id} is {self._info.status.value}: nothing more can be logged to it; "
                "start a new run to log more",
                field="run_id",
            )
        return buffer

    def _declare(self, name: str, kind: MetricKind, description: str) -> None:
        """Check a metric name and kind once per run; later calls with the name skip this."""
        self._load_state()
        known = self._kinds.get(name)
        if known is None:
            check_key(name, "name")
            self._kinds[name] = kind
            assert self._buffer is not None
            self._buffer.declare(name, kind, check_description(description))
        elif known is not kind:
            raise InvalidValue(
                f"metric {name!r} was first logged as a {known.value} and cannot be logged as a "
                f"{kind.value}; use another name",
                field=name,
            )
        if kind is MetricKind.SERIES:
            self._checked_keys.add(name)

    def _load_state(self) -> None:
        """For a run attached by id: learn its metric kinds, step counters and params once."""
        if self._loaded_state:
            return
        self._loaded_state = True
        for info in self._store.get_metric_infos(self.id):
            self._kinds[info.name] = info.kind
            next_step = (info.last_step + 1) if info.last_step is not None else info.count
            self._next_step[info.name] = max(next_step, info.count)
        self._params.update(self._store.get_run(self.id).data.params)


def _columns_of(value: Any) -> Mapping[str, Any]:
    """Accept a dict of columns or a pandas DataFrame."""
    if hasattr(value, "to_dict") and hasattr(value, "columns"):
        return {str(k): list(v) for k, v in value.to_dict(orient="list").items()}
    if not isinstance(value, Mapping):
        raise InvalidValue("value: log_table expects a dict of column name -> list of values", field="value")
    return value


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")

"""The tracking store contract.

Every implementation (the SQL store today, the REST store with the server) passes the same
conformance suite in ``tests/store``. The contract:

* Methods are thread-safe; a store object may be shared by all threads of a process.
* Returned objects are immutable snapshots (``carnet.entities``); changing the store later does not
  change them.
* Errors are ``carnet.exceptions`` classes: ``NotFound`` for an unknown id (the message names it),
  ``InvalidArgument`` subclasses for bad input, ``AlreadyExists`` for a taken name,
  ``ParamConflict`` for a param re-logged with another value, ``RunNotActive`` for a write to a
  finished or deleted run, ``StoreError`` when the backend fails. A failed call writes nothing.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from carnet.entities import (
    DatasetInput,
    Experiment,
    LoggedModel,
    LoggedModelPage,
    LoggedModelStatus,
    Metric,
    MetricColumns,
    MetricInfo,
    MetricKind,
    MetricRecord,
    ModelOutput,
    Param,
    Run,
    RunInfo,
    RunPage,
    RunStatus,
    RunTag,
    ViewType,
)
from carnet.store.registry import RegistryStore

if TYPE_CHECKING:
    from carnet.store.artifacts.base import ArtifactRepository


@dataclass(frozen=True)
class RecordWrite:
    """A structured metric value to append: a row, the rows of a table, or an image reference."""

    key: str
    kind: MetricKind
    payload: Any
    timestamp: int


@dataclass(frozen=True)
class MetricDeclaration:
    """The kind and description of a metric, fixed when it is first logged."""

    key: str
    kind: MetricKind
    description: str = ""
    columns: tuple[str, ...] = ()


@dataclass
class LogBatch:
    """Everything one flush writes to one run, applied in one transaction.

    ``batch_id`` makes the write idempotent: a batch resent with the same id is stored once.
    """

    metrics: Sequence[Metric] = ()
    # Numeric points already as arrays (what the REST API receives): no per-point objects.
    series: Sequence[MetricColumns] = ()
    params: Sequence[Param] = ()
    tags: Sequence[RunTag] = ()
    records: Sequence[RecordWrite] = ()
    declarations: Sequence[MetricDeclaration] = ()
    batch_id: str | None = None
    deleted_tags: Sequence[str] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(
            self.metrics
            or self.series
            or self.params
            or self.tags
            or self.records
            or self.declarations
            or self.deleted_tags
        )


@dataclass(frozen=True)
class RunStats:
    """An experiment's active runs, counted, and the last time one of them started or ended."""

    run_count: int
    last_activity: int


@dataclass(frozen=True)
class NewRun:
    """What a caller sets when creating a run; the store fills in the artifact location, and the id
    unless ``run_id`` is given (a run created offline and uploaded later keeps its id)."""

    experiment_id: str
    run_name: str | None = None
    start_time: int | None = None
    user_id: str = ""
    parent_run_id: str | None = None
    source_type: str = ""
    source_name: str = ""
    git_commit: str | None = None
    git_dirty: bool | None = None
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None


@dataclass(frozen=True)
class NewLoggedModel:
    """What a caller sets when logging a model; the store fills in the id, the artifact location
    and the timestamps. A model without a name gets a generated one."""

    experiment_id: str
    name: str | None = None
    model_type: str = ""
    source_run_id: str | None = None
    creator_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


class TrackingStore(RegistryStore):
    """Experiments, runs and everything logged to them, and the model registry
    (:class:`~carnet.store.registry.RegistryStore`)."""

    # -- files -------------------------------------------------------------------------------

    def artifact_repository(self, artifact_uri: str) -> ArtifactRepository:
        """How this store's clients read and write the files at ``artifact_uri`` (a run's or a
        logged model's location): the location itself, a folder or ``s3://``. The REST store
        sends the files of locations under the server's artifact root through its proxy."""
        from carnet.store.artifacts import open_repository

        return open_repository(artifact_uri)

    # -- experiments -------------------------------------------------------------------------

    @abc.abstractmethod
    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        """Create an experiment; return its id. Raises ``AlreadyExists`` if the name is taken
        (by an active or a deleted experiment)."""

    @abc.abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment:
        """Raises ``NotFound``."""

    @abc.abstractmethod
    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment of that name (active or deleted), or None."""

    @abc.abstractmethod
    def search_experiments(
        self, view_type: ViewType = ViewType.ACTIVE_ONLY, name_like: str | None = None
    ) -> list[Experiment]:
        """Experiments ordered by id; ``name_like`` is an SQL LIKE pattern on the name."""

    @abc.abstractmethod
    def rename_experiment(self, experiment_id: str, new_name: str) -> None: ...

    @abc.abstractmethod
    def delete_experiment(self, experiment_id: str) -> None:
        """Soft delete: the experiment and its runs move to the deleted stage; restorable."""

    @abc.abstractmethod
    def restore_experiment(self, experiment_id: str) -> None: ...

    @abc.abstractmethod
    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None: ...

    # -- runs --------------------------------------------------------------------------------

    @abc.abstractmethod
    def create_run(self, new: NewRun) -> Run:
        """Create a Running run. Raises ``NotFound`` for an unknown experiment or parent run,
        ``InvalidState`` for a deleted experiment, ``InvalidName`` for a ``run_id`` that is not
        32 lowercase hex digits and ``AlreadyExists`` for a ``run_id`` that is taken."""

    @abc.abstractmethod
    def get_run(self, run_id: str) -> Run:
        """The run with its params, tags and latest metric values. Raises ``NotFound``."""

    @abc.abstractmethod
    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> RunInfo:
        """Change status, end time, name or description. Setting a terminal status on a run that
        already ended raises ``RunNotActive``."""

    def set_run_tags(self, run_id: str, tags: dict[str, str], deleted: Sequence[str] = ()) -> None:
        """Set and delete tags of a run in any status (tags describe a run, they are not logged
        by it: a finished run can still be labelled). Raises ``NotFound``, and ``RunNotActive``
        for a deleted run. This default goes through :meth:`log_batch`, so it reaches Running
        runs only; the SQL and REST stores tag any active run."""
        self.log_batch(
            run_id, LogBatch(tags=[RunTag(k, v) for k, v in tags.items()], deleted_tags=tuple(deleted))
        )

    def experiment_run_stats(self, experiment_ids: Sequence[str]) -> dict[str, RunStats]:
        """How many active runs each experiment has and when the last of them started or ended
        (experiments without runs are left out). This default pages through
        :meth:`search_runs`; the SQL store counts in one query."""
        stats: dict[str, RunStats] = {}
        for experiment_id in experiment_ids:
            count, last, token = 0, 0, None
            while True:
                page = self.search_runs([experiment_id], max_results=1000, page_token=token)
                count += len(page.runs)
                for run in page.runs:
                    last = max(last, run.info.start_time, run.info.end_time or 0)
                token = page.next_page_token
                if not token:
                    break
            if count:
                stats[experiment_id] = RunStats(count, last)
        return stats

    @abc.abstractmethod
    def delete_run(self, run_id: str) -> None: ...

    @abc.abstractmethod
    def restore_run(self, run_id: str) -> None: ...

    @abc.abstractmethod
    def log_batch(self, run_id: str, batch: LogBatch) -> None:
        """Apply params, tags, metric points and structured records in one transaction.

        Raises ``RunNotActive`` if the run is not Running, ``ParamConflict`` if a param exists
        with another value, ``InvalidValue`` if a metric's kind differs from its first logging.
        """

    @abc.abstractmethod
    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RunPage:
        """Runs matching the filter (carnet's search grammar), one page at a time."""

    # -- metrics -----------------------------------------------------------------------------

    @abc.abstractmethod
    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point of a numeric metric in logging order (empty for an unknown key)."""

    def get_metric_columns(self, run_id: str, key: str) -> MetricColumns:
        """The same points as :meth:`get_metric_history`, as arrays: the way to read long series."""
        return MetricColumns.of(key, self.get_metric_history(run_id, key))

    @abc.abstractmethod
    def get_metric_infos(self, run_id: str) -> list[MetricInfo]:
        """One entry per named metric of the run, of every kind, in first-logged order."""

    @abc.abstractmethod
    def get_metric_records(self, run_id: str, key: str) -> list[MetricRecord]:
        """The structured values (rows, tables, images) of one metric in logging order."""

    # -- logged models -----------------------------------------------------------------------

    @abc.abstractmethod
    def create_logged_model(self, new: NewLoggedModel) -> LoggedModel:
        """Create a Pending model with artifact location
        ``<experiment artifact location>/models/<model_id>/artifacts``. Raises ``NotFound`` for an
        unknown experiment or source run, ``InvalidState`` for a deleted experiment."""

    @abc.abstractmethod
    def get_logged_model(self, model_id: str) -> LoggedModel:
        """The model with its tags and params. Raises ``NotFound`` (also for a deleted model)."""

    @abc.abstractmethod
    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        """Set the model's status (Ready once its files are uploaded, or Upload failed)."""

    @abc.abstractmethod
    def delete_logged_model(self, model_id: str) -> None:
        """Hide the model from reads and searches; its files are kept."""

    @abc.abstractmethod
    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        """Set (or overwrite) tags of the model."""

    @abc.abstractmethod
    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Raises ``NotFound`` when the model has no tag ``key``."""

    @abc.abstractmethod
    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        """Add params; like run params they are immutable (``ParamConflict`` for another value)."""

    @abc.abstractmethod
    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> LoggedModelPage:
        """Models of the experiments matching the filter (``name = 'm'``, ``status = 'READY'``,
        ``params.x = '1'``, ``tags.t LIKE 'a%'``, ...), newest first unless ``order_by`` says
        otherwise, one page at a time."""

    @abc.abstractmethod
    def log_run_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        """Record models the run produced (logging one again updates its step)."""

    @abc.abstractmethod
    def get_run_outputs(self, run_id: str) -> list[ModelOutput]:
        """The models the run produced, in the order they were first recorded."""

    # -- dataset inputs ----------------------------------------------------------------------

    @abc.abstractmethod
    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None:
        """Record datasets the run read (MLflow's ``log_input``). A dataset is stored once per
        experiment and (name, digest), shared by the runs that log it; logging it to a run again
        stores nothing new but sets the input's tags. Raises ``RunNotActive`` if the run is not
        Running, ``InvalidArgument`` for a missing or too long field."""

    @abc.abstractmethod
    def get_run_inputs(self, run_id: str) -> list[DatasetInput]:
        """The datasets the run logged as inputs, in the order they were first logged."""

    def get_runs_inputs(self, run_ids: Sequence[str]) -> dict[str, list[DatasetInput]]:
        """The dataset inputs of several runs at once (for a page of search results)."""
        return {run_id: self.get_run_inputs(run_id) for run_id in run_ids}

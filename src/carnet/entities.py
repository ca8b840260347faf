"""Frozen snapshots of what the store holds. No I/O here: stores return these, callers read them."""

from __future__ import annotations

import enum
import gc
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt


class RunStatus(str, enum.Enum):
    """A run's life: it is Running until it ends as Completed, Failed or Canceled."""

    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def is_terminal(self) -> bool:
        return self is not RunStatus.RUNNING

    @classmethod
    def parse(cls, value: str | RunStatus) -> RunStatus:
        """Accept carnet's names and MLflow's (``FINISHED``, ``KILLED``, ...), in any case."""
        if isinstance(value, RunStatus):
            return value
        key = str(value).strip().upper()
        found = _STATUS_ALIASES.get(key)
        if found is None:
            from carnet.exceptions import InvalidValue

            names = ", ".join(s.value for s in cls)
            raise InvalidValue(f"status: unknown run status {value!r}; use one of {names}", field="status")
        return found


_STATUS_ALIASES: dict[str, RunStatus] = {
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.RUNNING,
    "COMPLETED": RunStatus.COMPLETED,
    "FINISHED": RunStatus.COMPLETED,
    "FAILED": RunStatus.FAILED,
    "CANCELED": RunStatus.CANCELED,
    "CANCELLED": RunStatus.CANCELED,
    "KILLED": RunStatus.CANCELED,
}


class LifecycleStage(str, enum.Enum):
    ACTIVE = "active"
    DELETED = "deleted"


class ViewType(str, enum.Enum):
    """Which runs or experiments a listing includes."""

    ACTIVE_ONLY = "active_only"
    DELETED_ONLY = "deleted_only"
    ALL = "all"


class MetricKind(str, enum.Enum):
    """How a named metric was logged; fixed by its first value.

    ``series`` covers both a scalar (one value) and a series (many values, with steps).
    """

    SERIES = "series"
    LIST = "list"
    ROW = "row"
    TABLE = "table"
    IMAGE = "image"

    @property
    def is_numeric(self) -> bool:
        return self in (MetricKind.SERIES, MetricKind.LIST)


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    creation_time: int = 0
    last_update_time: int = 0
    tags: dict[str, str] = field(default_factory=dict)


class Metric(NamedTuple):
    """One point of a numeric metric. ``value`` keeps NaN and ±inf as they were logged.

    A named tuple rather than a dataclass: long series are read back a million points at a time.
    """

    key: str
    value: float
    timestamp: int
    step: int = 0


@dataclass(frozen=True)
class MetricColumns:
    """A numeric metric's points as three aligned arrays, ordered by step then logging order.

    The columnar twin of ``list[Metric]``: what long series are stored, sent and charted as, since a
    million points cost a million objects only when someone asks for them one by one.
    """

    key: str
    steps: npt.NDArray[np.int64]
    timestamps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    @classmethod
    def empty(cls, key: str) -> MetricColumns:
        return cls(key, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))

    @classmethod
    def of(cls, key: str, points: list[Metric]) -> MetricColumns:
        return cls(
            key,
            np.fromiter((p.step for p in points), np.int64, len(points)),
            np.fromiter((p.timestamp for p in points), np.int64, len(points)),
            np.fromiter((p.value for p in points), np.float64, len(points)),
        )

    def to_metrics(self) -> list[Metric]:
        columns = zip(repeat(self.key), self.values.tolist(), self.timestamps.tolist(), self.steps.tolist())
        # A million new tuples would trigger the cyclic collector again and again; none can cycle.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return list(map(Metric._make, columns))
        finally:
            if gc_was_enabled:
                gc.enable()


@dataclass(frozen=True)
class Param:
    key: str
    value: str


@dataclass(frozen=True)
class RunTag:
    key: str
    value: str


@dataclass(frozen=True)
class MetricInfo:
    """What is known about one named metric of a run: its kind and its latest numeric value."""

    name: str
    kind: MetricKind
    description: str = ""
    count: int = 0
    last_value: float | None = None
    last_step: int | None = None
    last_timestamp: int | None = None


@dataclass(frozen=True)
class MetricRecord:
    """A structured metric value: a row, a table's rows, or an image reference."""

    name: str
    kind: MetricKind
    seq: int
    payload: Any
    timestamp: int


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    experiment_id: str
    run_name: str
    status: RunStatus
    start_time: int
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    user_id: str = ""
    parent_run_id: str | None = None
    source_type: str = ""
    source_name: str = ""
    git_commit: str | None = None
    git_dirty: bool | None = None
    description: str = ""

    @property
    def run_uuid(self) -> str:
        """MLflow's older name for ``run_id``."""
        return self.run_id


@dataclass(frozen=True)
class RunData:
    """A run's params, tags and the latest value of each numeric metric."""

    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData = field(default_factory=RunData)


@dataclass(frozen=True)
class RunPage:
    """One page of search results; pass ``next_page_token`` back to get the next."""

    runs: list[Run]
    next_page_token: str | None = None


class LoggedModelStatus(str, enum.Enum):
    """A logged model is Pending while its files upload, then Ready (or Upload failed)."""

    PENDING = "PENDING"
    READY = "READY"
    UPLOAD_FAILED = "UPLOAD_FAILED"

    @classmethod
    def parse(cls, value: str | LoggedModelStatus) -> LoggedModelStatus:
        """Accept carnet's names and MLflow's (``LOGGED_MODEL_READY``, ...), in any case."""
        if isinstance(value, LoggedModelStatus):
            return value
        key = str(value).strip().upper()
        key = key.removeprefix("LOGGED_MODEL_")
        try:
            return cls(key)
        except ValueError:
            from carnet.exceptions import InvalidValue

            names = ", ".join(s.value for s in cls)
            raise InvalidValue(
                f"status: unknown logged model status {value!r}; use one of {names}", field="status"
            ) from None


@dataclass(frozen=True)
class LoggedModel:
    """A model logged by MLflow 3's ``log_model``: its files live under ``artifact_location``
    (``<experiment location>/models/<model_id>/artifacts``); it may come from a run."""

    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    status: LoggedModelStatus = LoggedModelStatus.PENDING
    creation_timestamp_ms: int = 0
    last_updated_timestamp_ms: int = 0
    creator_id: str = ""
    model_type: str = ""
    source_run_id: str | None = None
    status_message: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    @property
    def artifact_uri(self) -> str:
        """MLflow's name for ``artifact_location``."""
        return self.artifact_location


@dataclass(frozen=True)
class LoggedModelPage:
    """One page of logged models; pass ``next_page_token`` back to get the next."""

    models: list[LoggedModel]
    next_page_token: str | None = None


@dataclass(frozen=True)
class ModelOutput:
    """A logged model a run produced, and the step it was logged at."""

    model_id: str
    step: int = 0


@dataclass(frozen=True)
class Dataset:
    """A dataset a run read, as MLflow describes one: ``digest`` tells versions of the same name
    apart; ``source`` says where it came from (a path, a URI, a JSON description) and
    ``source_type`` what kind of place that is (``local``, ``s3``, ``http``, ...)."""

    name: str
    digest: str
    source_type: str
    source: str
    schema: str = ""
    profile: str = ""


# The input tag MLflow uses to say what a run used a dataset for (``training``, ``validation``...).
DATASET_CONTEXT_TAG = "mlflow.data.context"


@dataclass(frozen=True)
class DatasetInput:
    """A dataset a run logged as an input, with the input's tags (such as its context)."""

    dataset: Dataset
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def context(self) -> str | None:
        return self.tags.get(DATASET_CONTEXT_TAG)


# -- model registry -------------------------------------------------------------------------------


class ModelStage(str, enum.Enum):
    """A registered model version's stage (MLflow's names)."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, value: str | ModelStage) -> ModelStage:
        """Accept a stage's name in any case (``production``, ``PRODUCTION``, ...)."""
        if isinstance(value, ModelStage):
            return value
        key = str(value).strip().lower()
        for stage in cls:
            if stage.value.lower() == key:
                return stage
        from carnet.exceptions import InvalidValue

        names = ", ".join(s.value for s in cls)
        raise InvalidValue(f"stage: unknown stage {value!r}; use one of {names}", field="stage")


@dataclass(frozen=True)
class ModelVersion:
    """One version of a registered model: the model files at ``source``, from a run or a logged
    model, numbered 1, 2, ... within the model."""

    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: ModelStage
    source: str
    run_id: str | None = None
    model_id: str | None = None
    description: str = ""
    user_id: str = ""
    status: str = "READY"
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegisteredModel:
    """A named model and its versions; ``latest_versions`` holds the newest version of each stage
    that has one, and ``aliases`` maps each alias to the version it points to."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    latest_versions: list[ModelVersion] = field(default_factory=list)


@dataclass(frozen=True)
class ModelVersionEvent:
    """One change in a model's history: who changed what, when, from which value to which.

    ``kind`` is ``created`` (``to_value``: the source), ``stage`` (from one stage to another),
    ``alias_set`` (``to_value``: the alias now on this version), ``alias_deleted`` (``from_value``:
    the alias taken off this version, also when it moved to another version) or ``deleted``
    (``from_value``: the stage the version had).
    """

    name: str
    version: int
    kind: str
    from_value: str | None
    to_value: str | None
    user_id: str
    timestamp: int


@dataclass(frozen=True)
class RegisteredModelPage:
    """One page of registered models; pass ``next_page_token`` back to get the next."""

    models: list[RegisteredModel]
    next_page_token: str | None = None


@dataclass(frozen=True)
class ModelVersionPage:
    """One page of model versions; pass ``next_page_token`` back to get the next."""

    versions: list[ModelVersion]
    next_page_token: str | None = None


class DeploymentStatus(str, enum.Enum):
    """Where a deployment's scoring process is: waiting to start, loading the model, answering,
    or failed (``message`` says why; the supervisor keeps retrying with back-off)."""

    PENDING = "Pending"
    STARTING = "Starting"
    READY = "Ready"
    FAILED = "Failed"


@dataclass(frozen=True)
class Deployment:
    """One model behind an endpoint, with its share of the traffic (percent) and the state of its
    scoring process. ``model_uri`` is as given (``models:/NAME@ALIAS`` follows the alias);
    ``resolved_uri`` is the version being served (``models:/NAME/3``)."""

    name: str
    model_uri: str
    traffic: int
    status: DeploymentStatus = DeploymentStatus.PENDING
    message: str = ""
    resolved_uri: str | None = None
    port: int | None = None
    pid: int | None = None
    restarts: int = 0
    updated_at: int = 0


@dataclass(frozen=True)
class Endpoint:
    """A named scoring endpoint: one or two deployments sharing its traffic, and a key callers
    present (stored hashed)."""

    name: str
    deployments: tuple[Deployment, ...]
    created_at: int
    updated_at: int
    description: str = ""

    @property
    def status(self) -> DeploymentStatus:
        """Ready when every deployment with traffic is; Failed when one is; else Starting/Pending."""
        live = [d.status for d in self.deployments if d.traffic > 0] or [d.status for d in self.deployments]
        for status in (DeploymentStatus.FAILED, DeploymentStatus.PENDING, DeploymentStatus.STARTING):
            if status in live:
                return status
        return DeploymentStatus.READY


# -- jobs and compute targets --------------------------------------------------------------------


class JobStatus(str, enum.Enum):
    """A job's life: Queued, then Preparing (snapshot and environment) and Running (the script),
    ending as Completed, Failed or Canceled."""

    QUEUED = "Queued"
    PREPARING = "Preparing"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED)

    @classmethod
    def parse(cls, value: str | JobStatus) -> JobStatus:
        """A status by its name, in any case."""
        if isinstance(value, JobStatus):
            return value
        for status in cls:
            if status.value.lower() == str(value).strip().lower():
                return status
        from carnet.exceptions import InvalidValue

        names = ", ".join(s.value for s in cls)
        raise InvalidValue(f"status: unknown job status {value!r}; use one of {names}", field="status")


class EnvironmentKind(str, enum.Enum):
    """Where a job's Python comes from: the worker's own interpreter, or a virtualenv built from a
    pip requirements file or a conda-style YAML file (its pip dependencies)."""

    CURRENT = "current"
    REQUIREMENTS = "requirements"
    CONDA = "conda"


@dataclass(frozen=True)
class Job:
    """A script run on a compute target. A job is tied to one run and shares its id
    (``job_id == run_id``): what the script logs with ``Run.get_context()`` lands on that run.

    Times are milliseconds since the epoch: ``created_time`` (queued), ``start_time`` (claimed by a
    worker), ``running_time`` (the script started), ``end_time``; ``heartbeat_time`` is the last
    sign of life of the worker running it. ``attempts`` counts claims (a job whose worker died
    while preparing is queued again).
    """

    job_id: str
    experiment_id: str
    status: JobStatus
    compute: str
    script: str
    arguments: tuple[str, ...]
    environment_kind: EnvironmentKind
    environment: str  # the spec file's text ("" for the current interpreter)
    created_time: int
    start_time: int | None = None
    running_time: int | None = None
    end_time: int | None = None
    heartbeat_time: int | None = None
    worker_id: str | None = None
    error: str | None = None
    cancel_requested: bool = False
    attempts: int = 0

    @property
    def run_id(self) -> str:
        return self.job_id

    @property
    def duration_ms(self) -> int | None:
        """From claim to end (to now's last heartbeat while it runs); None while queued."""
        if self.start_time is None:
            return None
        end = self.end_time or self.heartbeat_time or self.start_time
        return max(0, end - self.start_time)


@dataclass(frozen=True)
class JobPage:
    """One page of jobs, newest first; pass ``next_page_token`` back to get the next."""

    jobs: list[Job]
    next_page_token: str | None = None


@dataclass(frozen=True)
class JobLog:
    """Output of a job from a cursor on: ``text``, and ``cursor`` to pass back for what follows."""

    text: str
    cursor: int


@dataclass(frozen=True)
class ComputeTarget:
    """A named place jobs run: ``local`` (processes on the worker's machine, at most
    ``max_concurrent_jobs`` at once over every worker; 0: no limit) or ``ray`` (a Ray cluster at
    ``address``, jobs sent through Ray's job submission)."""

    name: str
    kind: str
    max_concurrent_jobs: int = 0
    address: str = ""
    description: str = ""
    created_time: int = 0

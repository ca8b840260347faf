"""The job queue contract: jobs waiting for a worker, their states and output, and the named
compute targets they run on.

A job is tied to one run and shares its id. The rules:

* ``submit_job`` queues a job for an existing run on a known compute target (``NotFound`` naming
  ``compute_target`` otherwise).
* ``claim_job`` hands the oldest queued job of the given targets to one worker, never to two
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a compare-and-set on SQLite), and honours a
  target's ``max_concurrent_jobs`` over every worker.
* The worker holding a job moves it Preparing -> Running -> Completed/Failed/Canceled with
  :meth:`JobStore.set_job_status` and proves it is alive with :meth:`JobStore.heartbeat_job`; a
  terminal status ends the job's run too, in the same transaction. Calls from a worker that no
  longer holds the job raise ``InvalidState``.
* :meth:`JobStore.reap_jobs` deals with jobs whose worker went quiet: one still preparing is
  queued again (up to ``MAX_ATTEMPTS`` claims), one whose script had started is Failed (a
  script may not be safe to run twice).
* Cancelling a queued job cancels it at once; a claimed one is flagged and its worker stops it;
  a finished one raises ``InvalidState``.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

from carnet.entities import ComputeTarget, EnvironmentKind, Job, JobLog, JobPage, JobStatus

LOCAL_TARGET = "local"
COMPUTE_KINDS = ("local", "ray")
MAX_ATTEMPTS = 3
MAX_LOG_READ = 1000  # chunks one read_job_log call returns at most


@dataclass(frozen=True)
class NewJob:
    """What a submitter sets; the run (``run_id``) exists already and holds the snapshot."""

    run_id: str
    script: str
    arguments: tuple[str, ...] = ()
    compute: str = LOCAL_TARGET
    environment_kind: EnvironmentKind = EnvironmentKind.CURRENT
    environment: str = ""


class JobStore(abc.ABC):
    """Jobs, their output, and compute targets."""

    # -- submitters ----------------------------------------------------------------------------

    @abc.abstractmethod
    def submit_job(self, new: NewJob) -> Job:
        """Queue a job. Raises ``NotFound`` for an unknown run or compute target,
        ``AlreadyExists`` when the run has a job already, ``InvalidArgument`` for a bad script
        path or arguments."""

    @abc.abstractmethod
    def get_job(self, job_id: str) -> Job:
        """Raises ``NotFound``."""

    @abc.abstractmethod
    def search_jobs(
        self,
        status: Sequence[JobStatus | str] | None = None,
        compute: str | None = None,
        experiment_id: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> JobPage:
        """Jobs newest first, filtered by status, compute target and experiment."""

    @abc.abstractmethod
    def cancel_job(self, job_id: str) -> Job:
        """Cancel a queued job now, or ask the worker of a claimed one to stop it. Raises
        ``InvalidState`` for a job that has ended."""

    @abc.abstractmethod
    def read_job_log(self, job_id: str, cursor: int = 0) -> JobLog:
        """The job's output after ``cursor`` (0: from the start) and the cursor to read on from."""

    # -- workers -------------------------------------------------------------------------------

    @abc.abstractmethod
    def claim_job(self, worker_id: str, computes: Sequence[str]) -> Job | None:
        """The oldest queued job of ``computes`` now Preparing for ``worker_id``, or None."""

    @abc.abstractmethod
    def heartbeat_job(self, job_id: str, worker_id: str) -> Job:
        """Record that ``worker_id`` still runs the job; the answer says whether a cancel was
        asked. Raises ``InvalidState`` when the worker no longer holds the job."""

    @abc.abstractmethod
    def set_job_status(
        self, job_id: str, worker_id: str, status: JobStatus | str, error: str | None = None
    ) -> Job:
        """Move a held job to Running or to an end state (which ends its run too)."""

    @abc.abstractmethod
    def append_job_log(self, job_id: str, worker_id: str, text: str) -> None:
        """Add output of a held job."""

    @abc.abstractmethod
    def reap_jobs(self, stale_after_ms: int) -> list[Job]:
        """Queue again or fail the jobs whose worker sent no heartbeat for ``stale_after_ms``;
        returns them as they are now."""

    # -- compute targets -----------------------------------------------------------------------

    @abc.abstractmethod
    def list_compute_targets(self) -> list[ComputeTarget]:
        """Every target by name; ``local`` is always there."""

    @abc.abstractmethod
    def get_compute_target(self, name: str) -> ComputeTarget:
        """Raises ``NotFound`` naming ``compute_target``."""

    @abc.abstractmethod
    def create_compute_target(self, target: ComputeTarget) -> ComputeTarget:
        """Raises ``AlreadyExists`` for a taken name, ``InvalidArgument`` for a bad kind, limit or
        address."""

    @abc.abstractmethod
    def update_compute_target(self, target: ComputeTarget) -> ComputeTarget:
        """Change a target's limit, address or description. Raises ``NotFound``."""

    @abc.abstractmethod
    def delete_compute_target(self, name: str) -> None:
        """Raises ``NotFound``; ``InvalidState`` for ``local`` or a target with unfinished jobs."""


def job_store(store: object) -> JobStore:
    """``store`` as a :class:`JobStore`, or ``InvalidState`` saying jobs need a database or a
    server (the offline store has no queue)."""
    if isinstance(store, JobStore):
        return store
    from carnet.exceptions import InvalidState

    raise InvalidState(
        "jobs need a tracking database or a carnet server; this store has no job queue "
        "(offline mode cannot submit or run jobs)"
    )


# -- checks shared by every implementation (the edge where jobs enter the store) -----------------

MAX_ARGUMENTS = 256
MAX_ARGUMENT_LENGTH = 4096
MAX_ENVIRONMENT_SPEC = 64 * 1024
MAX_TARGET_NAME = 64
_TARGET_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def check_new_job(new: NewJob) -> NewJob:
    """``new`` with its script path normalised; ``InvalidArgument`` naming the bad field."""
    from carnet.exceptions import InvalidValue, LimitExceeded
    from carnet.validation import check_relative_path, check_run_id

    check_run_id(new.run_id)
    script = check_relative_path(new.script, "script")
    arguments = tuple(new.arguments)
    if len(arguments) > MAX_ARGUMENTS:
        raise LimitExceeded(
            f"arguments: {len(arguments)} given; the limit is {MAX_ARGUMENTS}", field="arguments"
        )
    for i, argument in enumerate(arguments):
        if not isinstance(argument, str):
            raise InvalidValue(
                f"arguments[{i}]: expected a string, got {type(argument).__name__}", field="arguments"
            )
        if len(argument) > MAX_ARGUMENT_LENGTH or "\x00" in argument:
            raise InvalidValue(
                f"arguments[{i}]: must be under {MAX_ARGUMENT_LENGTH} characters, without NUL",
                field="arguments",
            )
    kind = EnvironmentKind(new.environment_kind)
    if kind is EnvironmentKind.CURRENT and new.environment:
        raise InvalidValue("environment: the current interpreter takes no spec", field="environment")
    if kind is not EnvironmentKind.CURRENT and not new.environment.strip():
        raise InvalidValue(f"environment: a {kind.value} environment needs its spec", field="environment")
    if len(new.environment) > MAX_ENVIRONMENT_SPEC:
        raise LimitExceeded(
            f"environment: the spec is {len(new.environment)} characters; the limit is "
            f"{MAX_ENVIRONMENT_SPEC}",
            field="environment",
        )
    check_target_name(new.compute, "compute_target")
    return NewJob(new.run_id, script, arguments, new.compute, kind, new.environment)


def check_target_name(value: object, field: str = "name") -> str:
    from carnet.exceptions import InvalidName

    if (
        not isinstance(value, str)
        or not value
        or len(value) > MAX_TARGET_NAME
        or not set(value) <= _TARGET_NAME_CHARS
    ):
        raise InvalidName(
            f"{field}: {value!r} is not a compute target name (1 to {MAX_TARGET_NAME} letters, digits, "
            "'-', '_' or '.')",
            field=field,
        )
    return value


def check_compute_target(target: ComputeTarget) -> ComputeTarget:
    from carnet.exceptions import InvalidValue

    check_target_name(target.name)
    if target.kind not in COMPUTE_KINDS:
        raise InvalidValue(
            f"kind: unknown compute kind {target.kind!r}; use one of {', '.join(COMPUTE_KINDS)}",
            field="kind",
        )
    limit = target.max_concurrent_jobs
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 10_000:
        raise InvalidValue(
            f"max_concurrent_jobs: expected a whole number from 0 (no limit) to 10000, got {limit!r}",
            field="max_concurrent_jobs",
        )
    if target.kind == "ray" and not target.address.strip():
        raise InvalidValue(
            "address: a ray target needs the address of its cluster's dashboard, e.g. http://HOST:8265",
            field="address",
        )
    if target.kind == "local" and target.address:
        raise InvalidValue("address: a local target takes no address", field="address")
    return target

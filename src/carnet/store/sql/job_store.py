"""``SqlJobStore``: the job queue's methods over the SQL store (one session scope per call)."""

from __future__ import annotations

from collections.abc import Sequence

from carnet.entities import ComputeTarget, Job, JobLog, JobPage, JobStatus
from carnet.exceptions import InvalidValue
from carnet.store.jobs import (
    LOCAL_TARGET,
    JobStore,
    NewJob,
    check_compute_target,
    check_new_job,
    check_target_name,
)
from carnet.store.sql import experiments, jobs
from carnet.store.sql.engine import SessionFactory
from carnet.store.sql.models import ComputeTargetRow

MAX_JOBS_PAGE = 1000


class SqlJobStore(JobStore):
    """Mixed into ``SqlTrackingStore``, which provides the session factory."""

    _sessions: SessionFactory

    def _ensure_local_target(self) -> None:
        with self._sessions.read() as session:
            if session.get(ComputeTargetRow, LOCAL_TARGET) is not None:
                return
        with self._sessions.begin() as session:
            jobs.ensure_local_target(session)

    # -- submitters ----------------------------------------------------------------------------

    def submit_job(self, new: NewJob) -> Job:
        new = check_new_job(new)
        with self._sessions.begin() as session:
            return jobs.submit(session, new)

    def get_job(self, job_id: str) -> Job:
        with self._sessions.read() as session:
            return jobs.entity(session, job_id)

    def search_jobs(
        self,
        status: Sequence[JobStatus | str] | None = None,
        compute: str | None = None,
        experiment_id: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> JobPage:
        from carnet.search import decode_page_token, encode_page_token

        if (
            isinstance(max_results, bool)
            or not isinstance(max_results, int)
            or not 0 < max_results <= MAX_JOBS_PAGE
        ):
            raise InvalidValue(
                f"max_results: must be a whole number from 1 to {MAX_JOBS_PAGE}, got {max_results!r}",
                field="max_results",
            )
        statuses = [JobStatus.parse(s) for s in status or ()]
        experiment = experiments.parse_experiment_id(experiment_id) if experiment_id is not None else None
        offset = decode_page_token(page_token)
        with self._sessions.read() as session:
            found = jobs.search(session, statuses, compute, experiment, offset, max_results + 1)
        more = len(found) > max_results
        return JobPage(found[:max_results], encode_page_token(offset + max_results) if more else None)

    def cancel_job(self, job_id: str) -> Job:
        with self._sessions.begin() as session:
            return jobs.cancel(session, job_id)

    def read_job_log(self, job_id: str, cursor: int = 0) -> JobLog:
        if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
            raise InvalidValue(f"cursor: expected a whole number >= 0, got {cursor!r}", field="cursor")
        with self._sessions.read() as session:
            return jobs.read_log(session, job_id, cursor)

    # -- workers -------------------------------------------------------------------------------

    def claim_job(self, worker_id: str, computes: Sequence[str]) -> Job | None:
        names = [check_target_name(c, "computes") for c in computes]
        with self._sessions.read() as session:  # idle workers poll: look before taking the write lock
            if not jobs.any_queued(session, names):
                return None
        with self._sessions.begin() as session:
            return jobs.claim(session, worker_id, names)

    def heartbeat_job(self, job_id: str, worker_id: str) -> Job:
        with self._sessions.begin() as session:
            return jobs.heartbeat(session, job_id, worker_id)

    def set_job_status(
        self, job_id: str, worker_id: str, status: JobStatus | str, error: str | None = None
    ) -> Job:
        parsed = JobStatus.parse(status)
        with self._sessions.begin() as session:
            return jobs.set_status(session, job_id, worker_id, parsed, error)

    def append_job_log(self, job_id: str, worker_id: str, text: str) -> None:
        if not text:
            return
        with self._sessions.begin() as session:
            jobs.append_log(session, job_id, worker_id, text)

    def reap_jobs(self, stale_after_ms: int) -> list[Job]:
        with self._sessions.begin() as session:
            return jobs.reap(session, stale_after_ms)

    # -- compute targets -----------------------------------------------------------------------

    def list_compute_targets(self) -> list[ComputeTarget]:
        with self._sessions.read() as session:
            return jobs.list_targets(session)

    def get_compute_target(self, name: str) -> ComputeTarget:
        with self._sessions.read() as session:
            return jobs.target_of(jobs.load_target(session, name))

    def create_compute_target(self, target: ComputeTarget) -> ComputeTarget:
        check_compute_target(target)
        with self._sessions.begin() as session:
            return jobs.create_target(session, target)

    def update_compute_target(self, target: ComputeTarget) -> ComputeTarget:
        check_compute_target(target)
        with self._sessions.begin() as session:
            return jobs.update_target(session, target)

    def delete_compute_target(self, name: str) -> None:
        with self._sessions.begin() as session:
            jobs.delete_target(session, name)

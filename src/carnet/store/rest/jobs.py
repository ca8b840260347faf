"""The job queue's methods of the REST store: each one call of ``/api/v1/jobs`` or
``/api/v1/compute``, so a worker on another machine needs only the server's URL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from carnet.entities import ComputeTarget, Job, JobLog, JobPage, JobStatus
from carnet.exceptions import InvalidArgument
from carnet.schemas.jobs import (
    ClaimJobRequest,
    ComputeTargetResponse,
    ComputeTargetSchema,
    ComputeTargetsResponse,
    JobLogRequest,
    JobLogResponse,
    JobResponse,
    JobsResponse,
    JobStatusRequest,
    MaybeJobResponse,
    ReapJobsRequest,
    SubmitJobRequest,
    WorkerRequest,
)
from carnet.store.jobs import JobStore, NewJob, check_compute_target, check_new_job
from carnet.store.rest.calls import CallsServer


def _job_path(job_id: str) -> str:
    if not isinstance(job_id, str) or not job_id:
        raise InvalidArgument("job_id: must not be empty", field="job_id")
    return f"/jobs/{quote(job_id, safe='')}"


def _target_path(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidArgument("name: must not be empty", field="name")
    return f"/compute/{quote(name, safe='')}"


class RestJobStore(CallsServer, JobStore):
    """Jobs through a carnet server (mixed into ``RestTrackingStore``, which provides ``_call``)."""

    def _job(self, answer: Any) -> Job:
        return JobResponse.model_validate(answer).job.to_entity()

    def submit_job(self, new: NewJob) -> Job:
        new = check_new_job(new)
        body = SubmitJobRequest(
            run_id=new.run_id,
            script=new.script,
            arguments=list(new.arguments),
            compute=new.compute,
            environment_kind=new.environment_kind,
            environment=new.environment,
        )
        return self._job(self._call("POST", "/jobs", json=body.model_dump(mode="json")))

    def get_job(self, job_id: str) -> Job:
        return self._job(self._call("GET", _job_path(job_id)))

    def search_jobs(
        self,
        status: Sequence[JobStatus | str] | None = None,
        compute: str | None = None,
        experiment_id: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> JobPage:
        params: dict[str, Any] = {"max_results": max_results}
        if status:
            params["status"] = [JobStatus.parse(s).value for s in status]
        if compute is not None:
            params["compute"] = compute
        if experiment_id is not None:
            params["experiment_id"] = experiment_id
        if page_token:
            params["page_token"] = page_token
        answer = JobsResponse.model_validate(self._call("GET", "/jobs", params=params))
        return JobPage([j.to_entity() for j in answer.jobs], answer.next_page_token)

    def cancel_job(self, job_id: str) -> Job:
        return self._job(self._call("POST", f"{_job_path(job_id)}/cancel", json={}))

    def read_job_log(self, job_id: str, cursor: int = 0) -> JobLog:
        answer = self._call("GET", f"{_job_path(job_id)}/logs", params={"cursor": cursor})
        return JobLogResponse.model_validate(answer).to_entity()

    def claim_job(self, worker_id: str, computes: Sequence[str]) -> Job | None:
        body = ClaimJobRequest(worker_id=worker_id, computes=list(computes))
        answer = MaybeJobResponse.model_validate(
            self._call("POST", "/jobs/claim", json=body.model_dump(mode="json"))
        )
        return answer.job.to_entity() if answer.job is not None else None

    def heartbeat_job(self, job_id: str, worker_id: str) -> Job:
        body = WorkerRequest(worker_id=worker_id).model_dump(mode="json")
        return self._job(self._call("POST", f"{_job_path(job_id)}/heartbeat", json=body))

    def set_job_status(
        self, job_id: str, worker_id: str, status: JobStatus | str, error: str | None = None
    ) -> Job:
        body = JobStatusRequest(worker_id=worker_id, status=JobStatus.parse(status).value, error=error)
        return self._job(self._call("POST", f"{_job_path(job_id)}/status", json=body.model_dump(mode="json")))

    def append_job_log(self, job_id: str, worker_id: str, text: str) -> None:
        if not text:
            return
        body = JobLogRequest(worker_id=worker_id, text=text).model_dump(mode="json")
        self._call("POST", f"{_job_path(job_id)}/logs", json=body)

    def reap_jobs(self, stale_after_ms: int) -> list[Job]:
        body = ReapJobsRequest(stale_after_ms=stale_after_ms).model_dump(mode="json")
        answer = JobsResponse.model_validate(self._call("POST", "/jobs/reap", json=body))
        return [j.to_entity() for j in answer.jobs]

    def list_compute_targets(self) -> list[ComputeTarget]:
        answer = ComputeTargetsResponse.model_validate(self._call("GET", "/compute"))
        return [t.to_entity() for t in answer.compute_targets]

    def get_compute_target(self, name: str) -> ComputeTarget:
        answer = self._call("GET", _target_path(name))
        return ComputeTargetResponse.model_validate(answer).compute_target.to_entity()

    def create_compute_target(self, target: ComputeTarget) -> ComputeTarget:
        check_compute_target(target)
        body = ComputeTargetSchema.of(target).model_dump(mode="json")
        answer = self._call("POST", "/compute", json=body)
        return ComputeTargetResponse.model_validate(answer).compute_target.to_entity()

    def update_compute_target(self, target: ComputeTarget) -> ComputeTarget:
        check_compute_target(target)
        body = ComputeTargetSchema.of(target).model_dump(mode="json")
        answer = self._call("PUT", _target_path(target.name), json=body)
        return ComputeTargetResponse.model_validate(answer).compute_target.to_entity()

    def delete_compute_target(self, name: str) -> None:
        self._call("DELETE", _target_path(name))

"""``/api/v1/jobs`` and ``/api/v1/compute``: the job queue's native API, for submitters (submit,
read, cancel, follow the output) and for workers on other machines (claim, heartbeat, status,
output, reap)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from carnet.entities import Job, JobStatus
from carnet.schemas.jobs import (
    ClaimJobRequest,
    ComputeTargetResponse,
    ComputeTargetSchema,
    ComputeTargetsResponse,
    JobLogRequest,
    JobLogResponse,
    JobResponse,
    JobSchema,
    JobsResponse,
    JobStatusRequest,
    MaybeJobResponse,
    ReapJobsRequest,
    SubmitJobRequest,
    WorkerRequest,
)
from carnet.server.deps import StoreDep
from carnet.store.jobs import NewJob, job_store

router = APIRouter(prefix="/jobs", tags=["jobs"])
compute_router = APIRouter(prefix="/compute", tags=["jobs"])

Empty = dict[str, str]


def _job(job: Job) -> JobResponse:
    return JobResponse(job=JobSchema.of(job))


@router.post("", status_code=201)
def submit_job(body: SubmitJobRequest, store: StoreDep) -> JobResponse:
    new = NewJob(
        run_id=body.run_id,
        script=body.script,
        arguments=tuple(body.arguments),
        compute=body.compute,
        environment_kind=body.environment_kind,
        environment=body.environment,
    )
    return _job(job_store(store).submit_job(new))


@router.get("")
def search_jobs(
    store: StoreDep,
    status: Annotated[list[str] | None, Query()] = None,
    compute: str | None = None,
    experiment_id: str | None = None,
    max_results: int = 100,
    page_token: str | None = None,
) -> JobsResponse:
    page = job_store(store).search_jobs(status or None, compute, experiment_id, max_results, page_token)
    return JobsResponse.of(page)


@router.post("/claim")
def claim_job(body: ClaimJobRequest, store: StoreDep) -> MaybeJobResponse:
    job = job_store(store).claim_job(body.worker_id, body.computes)
    return MaybeJobResponse(job=JobSchema.of(job) if job is not None else None)


@router.post("/reap")
def reap_jobs(body: ReapJobsRequest, store: StoreDep) -> JobsResponse:
    return JobsResponse(jobs=[JobSchema.of(j) for j in job_store(store).reap_jobs(body.stale_after_ms)])


@router.get("/{job_id}")
def get_job(job_id: str, store: StoreDep) -> JobResponse:
    return _job(job_store(store).get_job(job_id))


@router.post("/{job_id}/cancel")
def cancel_job(job_id: str, store: StoreDep) -> JobResponse:
    return _job(job_store(store).cancel_job(job_id))


@router.get("/{job_id}/logs")
def read_job_log(job_id: str, store: StoreDep, cursor: int = 0) -> JobLogResponse:
    log = job_store(store).read_job_log(job_id, cursor)
    return JobLogResponse(text=log.text, cursor=log.cursor)


@router.post("/{job_id}/logs")
def append_job_log(job_id: str, body: JobLogRequest, store: StoreDep) -> Empty:
    job_store(store).append_job_log(job_id, body.worker_id, body.text)
    return {}


@router.post("/{job_id}/heartbeat")
def heartbeat_job(job_id: str, body: WorkerRequest, store: StoreDep) -> JobResponse:
    return _job(job_store(store).heartbeat_job(job_id, body.worker_id))


@router.post("/{job_id}/status")
def set_job_status(job_id: str, body: JobStatusRequest, store: StoreDep) -> JobResponse:
    status = JobStatus.parse(body.status)
    return _job(job_store(store).set_job_status(job_id, body.worker_id, status, body.error))


# -- compute targets ------------------------------------------------------------------------------


@compute_router.get("")
def list_compute_targets(store: StoreDep) -> ComputeTargetsResponse:
    targets = job_store(store).list_compute_targets()
    return ComputeTargetsResponse(compute_targets=[ComputeTargetSchema.of(t) for t in targets])


@compute_router.post("", status_code=201)
def create_compute_target(body: ComputeTargetSchema, store: StoreDep) -> ComputeTargetResponse:
    target = job_store(store).create_compute_target(body.to_entity())
    return ComputeTargetResponse(compute_target=ComputeTargetSchema.of(target))


@compute_router.get("/{name}")
def get_compute_target(name: str, store: StoreDep) -> ComputeTargetResponse:
    target = job_store(store).get_compute_target(name)
    return ComputeTargetResponse(compute_target=ComputeTargetSchema.of(target))


@compute_router.put("/{name}")
def update_compute_target(name: str, body: ComputeTargetSchema, store: StoreDep) -> ComputeTargetResponse:
    from carnet.exceptions import InvalidValue

    if body.name != name:
        raise InvalidValue(f"name: the body names {body.name!r}, the path {name!r}", field="name")
    target = job_store(store).update_compute_target(body.to_entity())
    return ComputeTargetResponse(compute_target=ComputeTargetSchema.of(target))


@compute_router.delete("/{name}")
def delete_compute_target(name: str, store: StoreDep) -> Empty:
    job_store(store).delete_compute_target(name)
    return {}

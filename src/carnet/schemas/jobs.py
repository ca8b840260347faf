"""Pydantic models of the native API for jobs (``/api/v1/jobs``) and compute targets
(``/api/v1/compute``)."""

from __future__ import annotations

from pydantic import Field

from carnet.entities import ComputeTarget, EnvironmentKind, Job, JobLog, JobPage, JobStatus
from carnet.schemas.models import _Model, _Response


class JobSchema(_Response):
    job_id: str
    experiment_id: str
    status: JobStatus
    compute: str
    script: str
    arguments: list[str] = Field(default_factory=list)
    environment_kind: EnvironmentKind = EnvironmentKind.CURRENT
    environment: str = ""
    created_time: int
    start_time: int | None = None
    running_time: int | None = None
    end_time: int | None = None
    heartbeat_time: int | None = None
    worker_id: str | None = None
    error: str | None = None
    cancel_requested: bool = False
    attempts: int = 0

    @classmethod
    def of(cls, job: Job) -> JobSchema:
        fields = {name: getattr(job, name) for name in cls.model_fields}
        fields["arguments"] = list(job.arguments)
        return cls(**fields)

    def to_entity(self) -> Job:
        fields = {name: getattr(self, name) for name in JobSchema.model_fields}
        fields["arguments"] = tuple(self.arguments)
        return Job(**fields)


class JobResponse(_Response):
    job: JobSchema


class MaybeJobResponse(_Response):
    job: JobSchema | None = None


class JobsResponse(_Response):
    jobs: list[JobSchema]
    next_page_token: str | None = None

    @classmethod
    def of(cls, page: JobPage) -> JobsResponse:
        return cls(jobs=[JobSchema.of(j) for j in page.jobs], next_page_token=page.next_page_token)


class SubmitJobRequest(_Model):
    run_id: str
    script: str
    arguments: list[str] = Field(default_factory=list)
    compute: str = "local"
    environment_kind: EnvironmentKind = EnvironmentKind.CURRENT
    environment: str = ""


class SearchJobsRequest(_Model):
    status: list[str] = Field(default_factory=list)
    compute: str | None = None
    experiment_id: str | None = None
    max_results: int = 100
    page_token: str | None = None


class ClaimJobRequest(_Model):
    worker_id: str = Field(min_length=1, max_length=128)
    computes: list[str] = Field(default_factory=lambda: ["local"])


class WorkerRequest(_Model):
    worker_id: str = Field(min_length=1, max_length=128)


class JobStatusRequest(_Model):
    worker_id: str = Field(min_length=1, max_length=128)
    status: str
    error: str | None = None


class JobLogRequest(_Model):
    worker_id: str = Field(min_length=1, max_length=128)
    text: str


class JobLogResponse(_Response):
    text: str
    cursor: int

    def to_entity(self) -> JobLog:
        return JobLog(self.text, self.cursor)


class ReapJobsRequest(_Model):
    stale_after_ms: int = Field(ge=1000)


class ComputeTargetSchema(_Model):
    name: str
    kind: str = "local"
    max_concurrent_jobs: int = 0
    address: str = ""
    description: str = ""
    created_time: int = 0

    @classmethod
    def of(cls, target: ComputeTarget) -> ComputeTargetSchema:
        return cls.model_validate(target, from_attributes=True)

    def to_entity(self) -> ComputeTarget:
        return ComputeTarget(**{name: getattr(self, name) for name in ComputeTargetSchema.model_fields})


class ComputeTargetResponse(_Response):
    compute_target: ComputeTargetSchema


class ComputeTargetsResponse(_Response):
    compute_targets: list[ComputeTargetSchema]

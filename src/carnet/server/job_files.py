"""What the studio's job pages need beyond the queue's API: browsing a job's snapshot, and
submitting AutoML as a job from an uploaded dataset.

``POST /api/v1/jobs/automl`` takes the dataset inside the JSON body (base64: the API takes writes
as JSON only, a CSRF defence), builds the job's snapshot itself (the dataset and a small script
that runs ``carnet automl run``), creates the job's run and queues it. Inside the job AutoML logs
to the job's run, so the run shows the live leaderboard. The server builds the archive with
``tarfile`` only: it never imports the SDK.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import tarfile
import time
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from carnet.exceptions import AlreadyExists, InvalidValue, LimitExceeded, NotFound
from carnet.schemas.jobs import JobResponse, JobSchema
from carnet.schemas.models import _Model, _Response
from carnet.server.deps import StoreDep
from carnet.store.base import NewRun, TrackingStore
from carnet.store.jobs import NewJob, job_store
from carnet.validation import check_entity_name, check_relative_path

router = APIRouter(prefix="/jobs", tags=["jobs"])

SNAPSHOT_ARTIFACT = "snapshot/snapshot.tar.gz"  # where the SDK stores a job's snapshot
MAX_DATASET_BYTES = 40 * 1024 * 1024  # the JSON body (base64) stays under the server's 64 MiB
DATASET_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
TASKS = ("classification", "regression", "forecasting")
AUTOML_SCRIPT = "run_automl.py"
_AUTOML_LAUNCHER = b'''"""Runs `carnet automl run` with this job's arguments (the studio's AutoML form)."""
import sys

from carnet.cli import main

sys.argv = ["carnet", "automl", "run", *sys.argv[1:]]
main()
'''


class SnapshotFileSchema(_Response):
    path: str
    size: int


class SnapshotResponse(_Response):
    files: list[SnapshotFileSchema]


class AutoMLJobRequest(_Model):
    file_name: str = Field(min_length=1, max_length=200)
    content: str = Field(description="the dataset file, base64")
    task: str
    target: str = Field(min_length=1, max_length=250)
    timeout: str = "5m"
    metric: str | None = None
    frameworks: list[str] = Field(default_factory=list)
    experiment: str = "automl"
    compute: str = "local"


def _snapshot(store: TrackingStore, job_id: str) -> tarfile.TarFile:
    job = job_store(store).get_job(job_id)
    repo = store.artifact_repository(store.get_run(job.run_id).info.artifact_uri)
    try:
        data = repo.read_bytes(SNAPSHOT_ARTIFACT)
    except NotFound:
        raise NotFound(f"job {job_id} has no snapshot", field="job_id") from None
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")


@router.get("/{job_id}/snapshot")
def list_snapshot(job_id: str, store: StoreDep) -> SnapshotResponse:
    with _snapshot(store, job_id) as archive:
        files = [SnapshotFileSchema(path=m.name, size=m.size) for m in archive.getmembers() if m.isfile()]
    return SnapshotResponse(files=sorted(files, key=lambda f: f.path))


@router.get("/{job_id}/snapshot/file")
def snapshot_file(job_id: str, store: StoreDep, path: Annotated[str, Query()]) -> Response:
    wanted = check_relative_path(path, "path")
    with _snapshot(store, job_id) as archive:
        try:
            member = archive.getmember(wanted)
        except KeyError:
            raise NotFound(f"the snapshot of job {job_id} has no file {wanted!r}", field="path") from None
        extracted = archive.extractfile(member) if member.isfile() else None
        if extracted is None:
            raise NotFound(f"{wanted!r} is not a file of the snapshot", field="path")
        body = extracted.read()
    name = wanted.rsplit("/", 1)[-1].replace('"', "")
    return Response(
        body,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _automl_arguments(body: AutoMLJobRequest, data_name: str) -> list[str]:
    if body.task not in TASKS:
        raise InvalidValue(f"task: choose one of {', '.join(TASKS)}, not {body.task!r}", field="task")
    arguments = [data_name, "--task", body.task, "--target", body.target, "--timeout", body.timeout.strip()]
    if body.metric:
        arguments += ["--metric", body.metric]
    if body.frameworks:
        arguments += ["--frameworks", ",".join(f.strip() for f in body.frameworks if f.strip())]
    return arguments


def _dataset(body: AutoMLJobRequest) -> tuple[str, bytes]:
    name = body.file_name.replace("\\", "/").rsplit("/", 1)[-1]
    if not name.lower().endswith(DATASET_SUFFIXES) or name.startswith("."):
        raise InvalidValue(
            f"file_name: {body.file_name!r} is not a CSV, TSV or Parquet file", field="file_name"
        )
    try:
        data = base64.b64decode(body.content, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue("content: the dataset must be base64", field="content") from None
    if not data:
        raise InvalidValue("content: the dataset file is empty", field="content")
    if len(data) > MAX_DATASET_BYTES:
        raise LimitExceeded(
            f"content: the dataset is {len(data)} bytes; the limit is {MAX_DATASET_BYTES}", field="content"
        )
    return name, data


def _archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@router.post("/automl", status_code=201)
def submit_automl_job(body: AutoMLJobRequest, store: StoreDep) -> JobResponse:
    jobs = job_store(store)
    name, data = _dataset(body)
    arguments = _automl_arguments(body, name)
    experiment_name = check_entity_name(body.experiment.strip(), "experiment")
    jobs.get_compute_target(body.compute)  # before anything is written
    experiment = store.get_experiment_by_name(experiment_name)
    if experiment is None:
        with contextlib.suppress(AlreadyExists):  # created meanwhile
            store.create_experiment(experiment_name)
        experiment = store.get_experiment_by_name(experiment_name)
    assert experiment is not None
    run = store.create_run(
        NewRun(
            experiment_id=experiment.experiment_id,
            run_name=f"automl-{body.task}-{body.target}"[:200],
            source_type="JOB",
            source_name=AUTOML_SCRIPT,
            tags={"carnet.job": "automl"},
        )
    )
    try:
        archive = _archive({AUTOML_SCRIPT: _AUTOML_LAUNCHER, name: data})
        store.artifact_repository(run.info.artifact_uri).log_bytes(archive, SNAPSHOT_ARTIFACT)
        job = jobs.submit_job(NewJob(run.info.run_id, AUTOML_SCRIPT, tuple(arguments), body.compute))
    except BaseException:
        from carnet.entities import RunStatus

        store.update_run(run.info.run_id, status=RunStatus.FAILED)
        raise
    return JobResponse(job=JobSchema.of(job))

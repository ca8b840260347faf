"""Jobs in the SQL store: the queue, claims, heartbeats, the reaper, output and compute targets.

Claims never hand one job to two workers: on PostgreSQL the target's row is locked (so its
``max_concurrent_jobs`` is counted by one claimer at a time) and the job is picked with
``FOR UPDATE SKIP LOCKED``; on SQLite every writer holds the database (``BEGIN IMMEDIATE``) and
the claim is a compare-and-set (``UPDATE ... WHERE status = 'Queued'``) checked by its row count.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from carnet.entities import ComputeTarget, EnvironmentKind, Job, JobLog, JobStatus, RunStatus
from carnet.exceptions import AlreadyExists, InvalidState, NotFound
from carnet.store.jobs import LOCAL_TARGET, MAX_ATTEMPTS, MAX_LOG_READ, NewJob
from carnet.store.sql import runs
from carnet.store.sql.models import ComputeTargetRow, JobLogRow, JobRow, RunRow
from carnet.utils import now_ms

_ACTIVE = (JobStatus.PREPARING.value, JobStatus.RUNNING.value)
_RUN_END = {
    JobStatus.COMPLETED: RunStatus.COMPLETED,
    JobStatus.FAILED: RunStatus.FAILED,
    JobStatus.CANCELED: RunStatus.CANCELED,
}
MAX_ERROR_LENGTH = 8000


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# -- compute targets -----------------------------------------------------------------------------


def ensure_local_target(session: Session) -> None:
    if session.get(ComputeTargetRow, LOCAL_TARGET) is None:
        session.add(
            ComputeTargetRow(
                name=LOCAL_TARGET,
                kind="local",
                max_concurrent_jobs=0,
                address="",
                description="processes on the worker's machine",
                created_time=now_ms(),
            )
        )
        session.flush()


def target_of(row: ComputeTargetRow) -> ComputeTarget:
    return ComputeTarget(
        row.name, row.kind, row.max_concurrent_jobs, row.address, row.description, row.created_time
    )


def load_target(session: Session, name: str, *, for_update: bool = False) -> ComputeTargetRow:
    stmt = select(ComputeTargetRow).where(ComputeTargetRow.name == name)
    if for_update and _postgres(session):
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(
            f"compute target {name!r} does not exist",
            field="compute_target",
            hint="see `carnet compute list`, or add one with `carnet compute create`",
        )
    return row


def list_targets(session: Session) -> list[ComputeTarget]:
    return [target_of(r) for r in session.scalars(select(ComputeTargetRow).order_by(ComputeTargetRow.name))]


def create_target(session: Session, target: ComputeTarget) -> ComputeTarget:
    if session.get(ComputeTargetRow, target.name) is not None:
        raise AlreadyExists(f"compute target {target.name!r} exists already", field="name")
    row = ComputeTargetRow(
        name=target.name,
        kind=target.kind,
        max_concurrent_jobs=target.max_concurrent_jobs,
        address=target.address,
        description=target.description,
        created_time=now_ms(),
    )
    session.add(row)
    session.flush()
    return target_of(row)


def update_target(session: Session, target: ComputeTarget) -> ComputeTarget:
    row = load_target(session, target.name, for_update=True)
    if row.kind != target.kind:
        raise InvalidState(
            f"kind: compute target {target.name!r} is a {row.kind} target; delete it and create "
            "another to change its kind",
            field="kind",
        )
    row.max_concurrent_jobs = target.max_concurrent_jobs
    row.address = target.address
    row.description = target.description
    return target_of(row)


def delete_target(session: Session, name: str) -> None:
    if name == LOCAL_TARGET:
        raise InvalidState("compute target 'local' is built in and cannot be deleted", field="name")
    row = load_target(session, name, for_update=True)
    unfinished = session.scalar(
        select(func.count())
        .select_from(JobRow)
        .where(JobRow.compute == name, JobRow.status.in_((JobStatus.QUEUED.value, *_ACTIVE)))
    )
    if unfinished:
        raise InvalidState(
            f"compute target {name!r} has {unfinished} unfinished job(s); cancel them first", field="name"
        )
    if session.scalar(select(func.count()).select_from(JobRow).where(JobRow.compute == name)):
        raise InvalidState(
            f"compute target {name!r} has finished jobs that name it; it is kept for their record",
            field="name",
        )
    session.delete(row)


# -- jobs ----------------------------------------------------------------------------------------


def to_entity(row: JobRow, run_id: str, experiment_id: int) -> Job:
    return Job(
        job_id=run_id,
        experiment_id=str(experiment_id),
        status=JobStatus(row.status),
        compute=row.compute,
        script=row.script,
        arguments=tuple(json.loads(row.arguments)),
        environment_kind=EnvironmentKind(row.environment_kind),
        environment=row.environment,
        created_time=row.created_time,
        start_time=row.start_time,
        running_time=row.running_time,
        end_time=row.end_time,
        heartbeat_time=row.heartbeat_time,
        worker_id=row.worker_id,
        error=row.error,
        cancel_requested=row.cancel_requested,
        attempts=row.attempts,
    )


def load(session: Session, job_id: str, *, for_update: bool = False) -> tuple[JobRow, RunRow]:
    if not isinstance(job_id, str) or not job_id:
        raise NotFound(f"job {job_id!r} does not exist", field="job_id")
    stmt = (
        select(JobRow, RunRow).join(RunRow, RunRow.run_key == JobRow.run_key).where(RunRow.run_id == job_id)
    )
    if for_update and _postgres(session):
        stmt = stmt.with_for_update(of=JobRow)
    found = session.execute(stmt).first()
    if found is None:
        raise NotFound(f"job {job_id} does not exist", field="job_id")
    return found[0], found[1]


def entity(session: Session, job_id: str) -> Job:
    row, run = load(session, job_id)
    return to_entity(row, run.run_id, run.experiment_id)


def submit(session: Session, new: NewJob) -> Job:
    run = runs.load(session, new.run_id)
    load_target(session, new.compute)
    if session.get(JobRow, run.run_key) is not None:
        raise AlreadyExists(f"run {new.run_id} has a job already", field="run_id")
    row = JobRow(
        run_key=run.run_key,
        compute=new.compute,
        status=JobStatus.QUEUED.value,
        script=new.script,
        arguments=json.dumps(list(new.arguments)),
        environment_kind=EnvironmentKind(new.environment_kind).value,
        environment=new.environment,
        cancel_requested=False,
        attempts=0,
        created_time=now_ms(),
    )
    session.add(row)
    session.flush()
    return to_entity(row, run.run_id, run.experiment_id)


def search(
    session: Session,
    statuses: Sequence[JobStatus],
    compute: str | None,
    experiment_id: int | None,
    offset: int,
    limit: int,
) -> list[Job]:
    stmt = select(JobRow, RunRow.run_id, RunRow.experiment_id).join(RunRow, RunRow.run_key == JobRow.run_key)
    if statuses:
        stmt = stmt.where(JobRow.status.in_([s.value for s in statuses]))
    if compute is not None:
        stmt = stmt.where(JobRow.compute == compute)
    if experiment_id is not None:
        stmt = stmt.where(RunRow.experiment_id == experiment_id)
    stmt = stmt.order_by(JobRow.created_time.desc(), JobRow.run_key.desc()).offset(offset).limit(limit)
    return [to_entity(row, run_id, exp) for row, run_id, exp in session.execute(stmt)]


def _end(session: Session, row: JobRow, status: JobStatus, error: str | None) -> None:
    """Put the job and its run in an end state (the run may have been ended by the script)."""
    now = now_ms()
    row.status = status.value
    row.end_time = now
    if error is not None:
        row.error = error[-MAX_ERROR_LENGTH:]
    run = session.get(RunRow, row.run_key)
    if run is not None and run.status == RunStatus.RUNNING.value:
        run.status = _RUN_END[status].value
        run.end_time = now


def cancel(session: Session, job_id: str) -> Job:
    row, run = load(session, job_id, for_update=True)
    status = JobStatus(row.status)
    if status.is_terminal:
        raise InvalidState(
            f"job {job_id} already ended as {status.value}: there is nothing to cancel", field="job_id"
        )
    if status is JobStatus.QUEUED:
        _end(session, row, JobStatus.CANCELED, "canceled before it started")
    else:
        row.cancel_requested = True
    return to_entity(row, run.run_id, run.experiment_id)


def any_queued(session: Session, computes: Sequence[str]) -> bool:
    stmt = select(JobRow.run_key).where(JobRow.status == JobStatus.QUEUED.value, JobRow.compute.in_(computes))
    return session.scalar(stmt.limit(1)) is not None


def claim(session: Session, worker_id: str, computes: Sequence[str]) -> Job | None:
    postgres = _postgres(session)
    for name in computes:
        target = session.scalar(
            select(ComputeTargetRow).where(ComputeTargetRow.name == name).with_for_update(skip_locked=True)
            if postgres
            else select(ComputeTargetRow).where(ComputeTargetRow.name == name)
        )
        if target is None:  # unknown, or another worker is claiming on it right now
            continue
        if target.max_concurrent_jobs:
            active = session.scalar(
                select(func.count())
                .select_from(JobRow)
                .where(JobRow.compute == name, JobRow.status.in_(_ACTIVE))
            )
            if (active or 0) >= target.max_concurrent_jobs:
                continue
        pick = (
            select(JobRow.run_key)
            .where(JobRow.status == JobStatus.QUEUED.value, JobRow.compute == name)
            .order_by(JobRow.created_time, JobRow.run_key)
            .limit(1)
        )
        if postgres:
            pick = pick.with_for_update(skip_locked=True)
        run_key = session.scalar(pick)
        if run_key is None:
            continue
        now = now_ms()
        done = session.execute(
            update(JobRow)
            .where(JobRow.run_key == run_key, JobRow.status == JobStatus.QUEUED.value)
            .values(
                status=JobStatus.PREPARING.value,
                worker_id=worker_id,
                start_time=now,
                heartbeat_time=now,
                attempts=JobRow.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            continue  # taken meanwhile (cannot happen under the locks above; checked anyway)
        row = session.get(JobRow, run_key, populate_existing=True)
        run = session.get(RunRow, run_key)
        assert row is not None and run is not None
        return to_entity(row, run.run_id, run.experiment_id)
    return None


def _held(session: Session, job_id: str, worker_id: str) -> tuple[JobRow, RunRow]:
    row, run = load(session, job_id, for_update=True)
    if row.worker_id != worker_id or row.status not in _ACTIVE:
        raise InvalidState(
            f"job {job_id} is {row.status} and no longer held by worker {worker_id!r}", field="job_id"
        )
    return row, run


def heartbeat(session: Session, job_id: str, worker_id: str) -> Job:
    row, run = _held(session, job_id, worker_id)
    row.heartbeat_time = now_ms()
    return to_entity(row, run.run_id, run.experiment_id)


def set_status(session: Session, job_id: str, worker_id: str, status: JobStatus, error: str | None) -> Job:
    row, run = _held(session, job_id, worker_id)
    now = now_ms()
    if status is JobStatus.RUNNING:
        row.status = status.value
        row.running_time = now
        row.heartbeat_time = now
    elif status.is_terminal:
        _end(session, row, status, error)
    else:
        raise InvalidState(f"status: a worker cannot move job {job_id} to {status.value}", field="status")
    return to_entity(row, run.run_id, run.experiment_id)


def append_log(session: Session, job_id: str, worker_id: str, text: str) -> None:
    row, _ = _held(session, job_id, worker_id)
    last = session.scalar(select(func.max(JobLogRow.seq)).where(JobLogRow.run_key == row.run_key))
    session.add(JobLogRow(run_key=row.run_key, seq=(last or 0) + 1, text=text))


def read_log(session: Session, job_id: str, cursor: int) -> JobLog:
    row, _ = load(session, job_id)
    chunks = session.execute(
        select(JobLogRow.seq, JobLogRow.text)
        .where(JobLogRow.run_key == row.run_key, JobLogRow.seq > cursor)
        .order_by(JobLogRow.seq)
        .limit(MAX_LOG_READ)
    ).all()
    if not chunks:
        return JobLog("", cursor)
    return JobLog("".join(text for _, text in chunks), chunks[-1][0])


def reap(session: Session, stale_after_ms: int) -> list[Job]:
    cutoff = now_ms() - stale_after_ms
    stmt = (
        select(JobRow)
        .where(JobRow.status.in_(_ACTIVE), JobRow.heartbeat_time < cutoff)
        .order_by(JobRow.run_key)
        .limit(100)
    )
    if _postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    reaped = []
    for row in session.scalars(stmt).all():
        quiet = f"worker {row.worker_id!r} sent no heartbeat for {stale_after_ms // 1000} s"
        if row.cancel_requested:
            _end(session, row, JobStatus.CANCELED, f"canceled; {quiet}")
        elif row.status == JobStatus.PREPARING.value and row.attempts < MAX_ATTEMPTS:
            row.status = JobStatus.QUEUED.value
            row.worker_id = None
            row.start_time = None
            row.heartbeat_time = None
        elif row.status == JobStatus.PREPARING.value:
            _end(session, row, JobStatus.FAILED, f"{quiet}; the job was claimed {row.attempts} times")
        else:
            _end(
                session,
                row,
                JobStatus.FAILED,
                f"{quiet} while the script ran; it is not started again (a script may not be safe "
                "to run twice): submit it again",
            )
        run = session.get(RunRow, row.run_key)
        assert run is not None
        reaped.append(to_entity(row, run.run_id, run.experiment_id))
    return reaped

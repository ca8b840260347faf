"""Runs in the SQL store: create, read (with params, tags and latest metrics), update, delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple, TypeVar, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from carnet.entities import LifecycleStage, Run, RunData, RunInfo, RunStatus
from carnet.exceptions import InvalidState, NotFound, RunNotActive
from carnet.store.base import NewRun
from carnet.store.sql import experiments
from carnet.store.sql.models import MetricSeriesRow, ParamRow, RunRow, TagRow
from carnet.utils import generate_run_name, join_uri, new_run_id, now_ms

_NAN = float("nan")
T = TypeVar("T")


def load(session: Session, run_id: str, *, for_update: bool = False) -> RunRow:
    if not isinstance(run_id, str) or not run_id:
        raise NotFound(f"run {run_id!r} does not exist", field="run_id")
    stmt = select(RunRow).where(RunRow.run_id == run_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"run {run_id} does not exist", field="run_id")
    return row


class ActiveRun(NamedTuple):
    run_key: int
    run_id: str


_RUNS = cast(Table, RunRow.__table__)


def load_active(session: Session, run_id: str) -> ActiveRun:
    """The run, locked for writing, or ``RunNotActive`` if it ended or was deleted.

    A Core query of four columns, not an ORM object: this runs once per logged batch.
    """
    if not isinstance(run_id, str) or not run_id:
        raise NotFound(f"run {run_id!r} does not exist", field="run_id")
    conn = session.connection()
    stmt = select(_RUNS.c.run_key, _RUNS.c.status, _RUNS.c.lifecycle_stage).where(_RUNS.c.run_id == run_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFound(f"run {run_id} does not exist", field="run_id")
    run_key, status, stage = row
    if status != RunStatus.RUNNING.value:
        raise RunNotActive(
            f"run {run_id} is {status}: nothing more can be logged to it; start a new run "
            "(or a child run) to log more",
            field="run_id",
        )
    if stage != LifecycleStage.ACTIVE.value:
        raise RunNotActive(f"run {run_id} is deleted: restore it before logging to it", field="run_id")
    return ActiveRun(run_key, run_id)


def create(session: Session, new: NewRun) -> RunRow:
    experiment = experiments.load(session, new.experiment_id)
    if experiment.lifecycle_stage != LifecycleStage.ACTIVE.value:
        raise InvalidState(
            f"experiment {new.experiment_id} is deleted: restore it before starting runs in it",
            field="experiment_id",
        )
    if new.parent_run_id is not None:
        parent = load(session, new.parent_run_id)
        if parent.experiment_id != experiment.experiment_id:
            raise InvalidState(
                f"parent run {new.parent_run_id} belongs to another experiment", field="parent_run_id"
            )
    run_id = new_run_id()
    row = RunRow(
        run_id=run_id,
        experiment_id=experiment.experiment_id,
        run_name=new.run_name or generate_run_name(),
        status=RunStatus.RUNNING.value,
        start_time=new.start_time if new.start_time is not None else now_ms(),
        end_time=None,
        lifecycle_stage=LifecycleStage.ACTIVE.value,
        artifact_uri=join_uri(experiment.artifact_location, run_id, "artifacts"),
        user_id=new.user_id,
        parent_run_id=new.parent_run_id,
        source_type=new.source_type,
        source_name=new.source_name,
        git_commit=new.git_commit,
        git_dirty=new.git_dirty,
        description=new.description,
    )
    session.add(row)
    session.flush()  # assigns run_key
    for key, value in new.tags.items():
        session.add(TagRow(run_key=row.run_key, key=key, value=value))
    session.flush()
    return row


def update(
    session: Session,
    run_id: str,
    status: RunStatus | None,
    end_time: int | None,
    run_name: str | None,
    description: str | None,
) -> RunRow:
    row = load(session, run_id, for_update=True)
    if status is not None:
        current = RunStatus(row.status)
        if current.is_terminal and status is not current:
            raise RunNotActive(
                f"run {run_id} already ended as {current.value}; it cannot become {status.value}",
                field="status",
            )
        row.status = status.value
        if status.is_terminal and row.end_time is None:
            row.end_time = end_time if end_time is not None else now_ms()
    if end_time is not None:
        row.end_time = end_time
    if run_name is not None:
        row.run_name = run_name
    if description is not None:
        row.description = description
    return row


def set_stage(session: Session, run_id: str, stage: LifecycleStage) -> None:
    load(session, run_id).lifecycle_stage = stage.value


def info_of(row: RunRow) -> RunInfo:
    return RunInfo(
        run_id=row.run_id,
        experiment_id=str(row.experiment_id),
        run_name=row.run_name,
        status=RunStatus(row.status),
        start_time=row.start_time,
        end_time=row.end_time,
        artifact_uri=row.artifact_uri,
        lifecycle_stage=LifecycleStage(row.lifecycle_stage),
        user_id=row.user_id,
        parent_run_id=row.parent_run_id,
        source_type=row.source_type,
        source_name=row.source_name,
        git_commit=row.git_commit,
        git_dirty=row.git_dirty,
        description=row.description,
    )


def with_data(session: Session, rows: Sequence[RunRow]) -> list[Run]:
    """Attach params, tags and latest numeric metric values to runs, in three queries for the lot."""
    keys = [row.run_key for row in rows]
    params: dict[int, dict[str, str]] = {k: {} for k in keys}
    tags: dict[int, dict[str, str]] = {k: {} for k in keys}
    metrics: dict[int, dict[str, float]] = {k: {} for k in keys}
    for chunk in _chunks(keys, 500):
        for run_key, key, value in session.execute(
            select(ParamRow.run_key, ParamRow.key, ParamRow.value).where(ParamRow.run_key.in_(chunk))
        ):
            params[run_key][key] = value
        for run_key, key, value in session.execute(
            select(TagRow.run_key, TagRow.key, TagRow.value).where(TagRow.run_key.in_(chunk))
        ):
            tags[run_key][key] = value
        for run_key, name, last in session.execute(
            select(MetricSeriesRow.run_key, MetricSeriesRow.name, MetricSeriesRow.last_value)
            .where(MetricSeriesRow.run_key.in_(chunk))
            .where(MetricSeriesRow.last_step.is_not(None))
            .order_by(MetricSeriesRow.series_id)
        ):
            metrics[run_key][name] = _NAN if last is None else last
    return [
        Run(
            info=info_of(row),
            data=RunData(metrics=metrics[row.run_key], params=params[row.run_key], tags=tags[row.run_key]),
        )
        for row in rows
    ]


def load_many(session: Session, run_ids: Sequence[str]) -> list[Run]:
    """Runs with data, in the order of ``run_ids``."""
    rows: dict[str, RunRow] = {}
    for chunk in _chunks(list(run_ids), 500):
        for row in session.scalars(select(RunRow).where(RunRow.run_id.in_(chunk))):
            rows[row.run_id] = row
    return with_data(session, [rows[i] for i in run_ids if i in rows])


def _chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

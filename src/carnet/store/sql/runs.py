"""Runs in the SQL store: create, read (with params, tags and latest metrics), update, delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from carnet.entities import LifecycleStage, Run, RunData, RunInfo, RunStatus
from carnet.exceptions import AlreadyExists, InvalidState, NotFound, RunNotActive
from carnet.store.base import NewRun
from carnet.store.sql import experiments
from carnet.store.sql.models import RunRow, TagRow
from carnet.utils import generate_run_name, join_uri, new_run_id, now_ms
from carnet.validation import check_run_id

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
    run_id = new_run_id() if new.run_id is None else _unused_run_id(session, new.run_id)
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


def _unused_run_id(session: Session, run_id: str) -> str:
    check_run_id(run_id)
    if session.scalar(select(_RUNS.c.run_key).where(_RUNS.c.run_id == run_id)) is not None:
        raise AlreadyExists(f"run {run_id} exists already", field="run_id")
    return run_id


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


_STATUSES = {s.value: s for s in RunStatus}
_STAGES = {s.value: s for s in LifecycleStage}
# RunInfo's fields in order, after the run key: a row of these becomes a RunInfo positionally.
_INFO_COLUMNS = (
    "run_id",
    "experiment_id",
    "run_name",
    "status",
    "start_time",
    "end_time",
    "artifact_uri",
    "lifecycle_stage",
    "user_id",
    "parent_run_id",
    "source_type",
    "source_name",
    "git_commit",
    "git_dirty",
    "description",
)


def info_of(row: RunRow) -> RunInfo:
    return _info_from_values(tuple(getattr(row, name) for name in _INFO_COLUMNS))


def _info_from_values(values: Sequence[Any]) -> RunInfo:
    fields = list(values)
    fields[1] = str(fields[1])
    fields[3] = _STATUSES[fields[3]]
    fields[7] = _STAGES[fields[7]]
    if fields[13] is not None:
        fields[13] = bool(fields[13])
    return RunInfo(*fields)


def with_data(session: Session, rows: Sequence[RunRow]) -> list[Run]:
    """Attach params, tags and latest numeric metric values to runs."""
    return _attach_data(session, [(row.run_key, info_of(row)) for row in rows])


def _in_list(dialect: str, column: str, values: Sequence[Any]) -> tuple[str, Any]:
    """``column IN (...)`` for the DB-API directly, and its parameters."""
    if dialect == "postgresql":
        return f"{column} = ANY(%s)", (list(values),)
    return f"{column} IN ({', '.join('?' * len(values))})", tuple(values)


def _attach_data(session: Session, infos: Sequence[tuple[int, RunInfo]]) -> list[Run]:
    """Params, tags and latest numeric metric values for many runs, in three queries per 500.

    Straight through the DB-API cursor: a page of a thousand runs is ~10,000 small rows, and the
    SQL expression layer would cost more than the queries.
    """
    keys = [key for key, _info in infos]
    params: dict[int, dict[str, str]] = {k: {} for k in keys}
    tags: dict[int, dict[str, str]] = {k: {} for k in keys}
    metrics: dict[int, dict[str, float]] = {k: {} for k in keys}
    conn = session.connection()
    dialect = conn.dialect.name
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for chunk in _chunks(keys, 500):
            where, args = _in_list(dialect, "run_key", chunk)
            cursor.execute(f"SELECT run_key, key, value FROM params WHERE {where}", args)
            for run_key, key, value in cursor.fetchall():
                params[run_key][key] = value
            cursor.execute(f"SELECT run_key, key, value FROM tags WHERE {where}", args)
            for run_key, key, value in cursor.fetchall():
                tags[run_key][key] = value
            cursor.execute(
                f"SELECT run_key, name, last_value FROM metric_series WHERE {where} "
                "AND last_step IS NOT NULL ORDER BY series_id",
                args,
            )
            for run_key, name, last in cursor.fetchall():
                metrics[run_key][name] = _NAN if last is None else last
    finally:
        cursor.close()
    return [
        Run(info=info, data=RunData(metrics=metrics[key], params=params[key], tags=tags[key]))
        for key, info in infos
    ]


def load_many(session: Session, run_ids: Sequence[str]) -> list[Run]:
    """Runs with data, in the order of ``run_ids``."""
    conn = session.connection()
    dialect = conn.dialect.name
    found: dict[str, tuple[int, RunInfo]] = {}
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for chunk in _chunks(list(run_ids), 500):
            where, args = _in_list(dialect, "run_id", chunk)
            cursor.execute(f"SELECT run_key, {', '.join(_INFO_COLUMNS)} FROM runs WHERE {where}", args)
            for row in cursor.fetchall():
                found[row[1]] = (row[0], _info_from_values(row[1:]))
    finally:
        cursor.close()
    return _attach_data(session, [found[i] for i in run_ids if i in found])


def _chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

"""Experiments in the SQL store: create, read, rename, tag, soft delete and restore."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carnet.entities import Experiment, LifecycleStage, ViewType
from carnet.exceptions import AlreadyExists, InvalidArgument, NotFound
from carnet.store.sql.models import ExperimentRow, ExperimentTagRow, RunRow
from carnet.utils import join_uri, now_ms
from carnet.validation import check_artifact_location

DEFAULT_EXPERIMENT_NAME = "Default"
DEFAULT_EXPERIMENT_ID = 0


def parse_experiment_id(experiment_id: object) -> int:
    """Experiment ids are integers on the wire, written as strings (MLflow's convention)."""
    try:
        value = int(str(experiment_id))
    except ValueError:
        raise InvalidArgument(
            f"experiment_id: {experiment_id!r} is not a valid experiment id (expected digits)",
            field="experiment_id",
        ) from None
    if value < 0:
        raise InvalidArgument(f"experiment_id: {experiment_id!r} must not be negative", field="experiment_id")
    return value


def to_entity(row: ExperimentRow, tags: dict[str, str]) -> Experiment:
    return Experiment(
        experiment_id=str(row.experiment_id),
        name=row.name,
        artifact_location=row.artifact_location,
        lifecycle_stage=LifecycleStage(row.lifecycle_stage),
        creation_time=row.creation_time,
        last_update_time=row.last_update_time,
        tags=tags,
    )


def load(session: Session, experiment_id: str | int) -> ExperimentRow:
    row = session.get(ExperimentRow, parse_experiment_id(experiment_id))
    if row is None:
        raise NotFound(f"experiment {experiment_id} does not exist", field="experiment_id")
    return row


def tags_of(session: Session, experiment_ids: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {i: {} for i in experiment_ids}
    if experiment_ids:
        stmt = select(ExperimentTagRow).where(ExperimentTagRow.experiment_id.in_(experiment_ids))
        for tag in session.scalars(stmt):
            out[tag.experiment_id][tag.key] = tag.value
    return out


def create(
    session: Session,
    name: str,
    artifact_root: str,
    artifact_location: str | None,
    tags: dict[str, str],
    experiment_id: int | None = None,
) -> int:
    if artifact_location:  # every path that creates experiments passes here, not only the API
        check_artifact_location(artifact_location)
    if session.scalar(select(ExperimentRow.experiment_id).where(ExperimentRow.name == name)) is not None:
        raise AlreadyExists(
            f"an experiment named {name!r} exists already "
            "(it may be deleted: restore it or pick another name)",
            field="name",
        )
    now = now_ms()
    row = ExperimentRow(
        name=name,
        artifact_location=artifact_location or "",
        lifecycle_stage=LifecycleStage.ACTIVE.value,
        creation_time=now,
        last_update_time=now,
    )
    if experiment_id is not None:
        row.experiment_id = experiment_id
    session.add(row)
    session.flush()
    if not artifact_location:
        row.artifact_location = join_uri(artifact_root, str(row.experiment_id))
    for key, value in tags.items():
        session.add(ExperimentTagRow(experiment_id=row.experiment_id, key=key, value=value))
    return row.experiment_id


def search(session: Session, view_type: ViewType, name_like: str | None) -> list[ExperimentRow]:
    stmt = select(ExperimentRow).order_by(ExperimentRow.experiment_id)
    if view_type is ViewType.ACTIVE_ONLY:
        stmt = stmt.where(ExperimentRow.lifecycle_stage == LifecycleStage.ACTIVE.value)
    elif view_type is ViewType.DELETED_ONLY:
        stmt = stmt.where(ExperimentRow.lifecycle_stage == LifecycleStage.DELETED.value)
    if name_like:
        stmt = stmt.where(ExperimentRow.name.like(name_like))
    return list(session.scalars(stmt))


def set_stage(session: Session, experiment_id: str, stage: LifecycleStage) -> None:
    row = load(session, experiment_id)
    if row.experiment_id == DEFAULT_EXPERIMENT_ID and stage is LifecycleStage.DELETED:
        raise InvalidArgument(
            "experiment_id: the Default experiment cannot be deleted", field="experiment_id"
        )
    now = now_ms()
    row.lifecycle_stage = stage.value
    row.last_update_time = now
    # Runs follow their experiment, as in MLflow: deleting hides them, restoring brings them back.
    session.execute(
        update(RunRow).where(RunRow.experiment_id == row.experiment_id).values(lifecycle_stage=stage.value)
    )


def rename(session: Session, experiment_id: str, new_name: str) -> None:
    row = load(session, experiment_id)
    taken = session.scalar(select(ExperimentRow.experiment_id).where(ExperimentRow.name == new_name))
    if taken is not None and taken != row.experiment_id:
        raise AlreadyExists(f"an experiment named {new_name!r} exists already", field="name")
    row.name = new_name
    row.last_update_time = now_ms()


def set_tag(session: Session, experiment_id: str, key: str, value: str) -> None:
    row = load(session, experiment_id)
    tag = session.get(ExperimentTagRow, (row.experiment_id, key))
    if tag is None:
        session.add(ExperimentTagRow(experiment_id=row.experiment_id, key=key, value=value))
    else:
        tag.value = value

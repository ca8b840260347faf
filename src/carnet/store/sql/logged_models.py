"""Logged models in the SQL store: create, read, finalize, tag, params, soft delete, search, and the
models a run produced (run outputs).

Search loads the models of the requested experiments and filters and sorts them in Python: an
experiment holds one model per ``log_model`` call, a few hundred at most, so one indexed read of
the experiment's models beats compiling every filter to SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from carnet.entities import LifecycleStage, LoggedModel, LoggedModelStatus, ModelOutput
from carnet.exceptions import InvalidState, NotFound, ParamConflict
from carnet.search.ast import Comparison, Node, OrderKey
from carnet.search.evaluate import matches, sort_by
from carnet.store.base import NewLoggedModel
from carnet.store.sql import experiments, runs
from carnet.store.sql.models import LoggedModelParamRow, LoggedModelRow, LoggedModelTagRow, RunOutputRow
from carnet.utils import generate_run_name, join_uri, new_model_id, now_ms

MODEL_ID_PATTERN = re.compile(r"m-[0-9a-f]{32}")


def load(session: Session, model_id: str) -> LoggedModelRow:
    """The active model, or ``NotFound`` (for a malformed id too, saying what ids look like)."""
    if not isinstance(model_id, str) or not MODEL_ID_PATTERN.fullmatch(model_id):
        raise NotFound(
            f"logged model {model_id!r} does not exist (logged model ids are 'm-' and 32 hex characters)",
            field="model_id",
        )
    row = session.get(LoggedModelRow, model_id)
    if row is None or row.lifecycle_stage != LifecycleStage.ACTIVE.value:
        raise NotFound(f"logged model {model_id} does not exist", field="model_id")
    return row


def create(session: Session, new: NewLoggedModel) -> LoggedModelRow:
    experiment = experiments.load(session, new.experiment_id)
    if experiment.lifecycle_stage != LifecycleStage.ACTIVE.value:
        raise InvalidState(
            f"experiment {new.experiment_id} is deleted: restore it before logging models to it",
            field="experiment_id",
        )
    if new.source_run_id:
        source = runs.load(session, new.source_run_id)
        if source.experiment_id != experiment.experiment_id:
            raise InvalidState(
                f"source run {new.source_run_id} belongs to another experiment", field="source_run_id"
            )
    model_id = new_model_id()
    now = now_ms()
    row = LoggedModelRow(
        model_id=model_id,
        experiment_id=experiment.experiment_id,
        name=new.name or generate_run_name(),
        artifact_location=join_uri(experiment.artifact_location, "models", model_id, "artifacts"),
        status=LoggedModelStatus.PENDING.value,
        status_message="",
        creator_id=new.creator_id,
        model_type=new.model_type,
        source_run_id=new.source_run_id or None,
        lifecycle_stage=LifecycleStage.ACTIVE.value,
        creation_timestamp_ms=now,
        last_updated_timestamp_ms=now,
    )
    session.add(row)
    session.flush()
    for key, value in new.tags.items():
        session.add(LoggedModelTagRow(model_id=model_id, key=key, value=value))
    for key, value in new.params.items():
        session.add(LoggedModelParamRow(model_id=model_id, key=key, value=value))
    session.flush()
    return row


def finalize(
    session: Session, model_id: str, status: LoggedModelStatus, status_message: str | None
) -> LoggedModelRow:
    row = load(session, model_id)
    row.status = status.value
    if status_message is not None:
        row.status_message = status_message
    row.last_updated_timestamp_ms = now_ms()
    return row


def delete(session: Session, model_id: str) -> None:
    row = load(session, model_id)
    row.lifecycle_stage = LifecycleStage.DELETED.value
    row.last_updated_timestamp_ms = now_ms()


def set_tags(session: Session, model_id: str, tags: dict[str, str]) -> None:
    row = load(session, model_id)
    for key, value in tags.items():
        tag = session.get(LoggedModelTagRow, (model_id, key))
        if tag is None:
            session.add(LoggedModelTagRow(model_id=model_id, key=key, value=value))
        else:
            tag.value = value
    row.last_updated_timestamp_ms = now_ms()


def delete_tag(session: Session, model_id: str, key: str) -> None:
    row = load(session, model_id)
    tag = session.get(LoggedModelTagRow, (model_id, key))
    if tag is None:
        raise NotFound(f"logged model {model_id} has no tag {key!r}", field="key")
    session.delete(tag)
    row.last_updated_timestamp_ms = now_ms()


def log_params(session: Session, model_id: str, params: dict[str, str]) -> None:
    row = load(session, model_id)
    for key, value in params.items():
        found = session.get(LoggedModelParamRow, (model_id, key))
        if found is None:
            session.add(LoggedModelParamRow(model_id=model_id, key=key, value=value))
        elif found.value != value:
            raise ParamConflict(
                f"param {key!r} of logged model {model_id} is {found.value!r}; params cannot change "
                f"(got {value!r})",
                field="params",
            )
    row.last_updated_timestamp_ms = now_ms()


def to_entities(session: Session, rows: Sequence[LoggedModelRow]) -> list[LoggedModel]:
    """Models with their tags and params, in two queries for the lot."""
    ids = [row.model_id for row in rows]
    tags: dict[str, dict[str, str]] = {i: {} for i in ids}
    params: dict[str, dict[str, str]] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for model_id, key, value in session.execute(
            select(LoggedModelTagRow.model_id, LoggedModelTagRow.key, LoggedModelTagRow.value).where(
                LoggedModelTagRow.model_id.in_(chunk)
            )
        ):
            tags[model_id][key] = value
        for model_id, key, value in session.execute(
            select(LoggedModelParamRow.model_id, LoggedModelParamRow.key, LoggedModelParamRow.value).where(
                LoggedModelParamRow.model_id.in_(chunk)
            )
        ):
            params[model_id][key] = value
    return [
        LoggedModel(
            model_id=row.model_id,
            experiment_id=str(row.experiment_id),
            name=row.name,
            artifact_location=row.artifact_location,
            status=LoggedModelStatus(row.status),
            creation_timestamp_ms=row.creation_timestamp_ms,
            last_updated_timestamp_ms=row.last_updated_timestamp_ms,
            creator_id=row.creator_id,
            model_type=row.model_type,
            source_run_id=row.source_run_id,
            status_message=row.status_message,
            tags=tags[row.model_id],
            params=params[row.model_id],
        )
        for row in rows
    ]


def search(
    session: Session, experiment_ids: list[int], node: Node | None, order_by: list[OrderKey]
) -> list[LoggedModel]:
    """Every active model of the experiments that matches ``node``, in ``order_by`` order (then
    newest first, then by id)."""
    rows = session.scalars(
        select(LoggedModelRow)
        .where(LoggedModelRow.experiment_id.in_(experiment_ids))
        .where(LoggedModelRow.lifecycle_stage == LifecycleStage.ACTIVE.value)
    )
    found = [m for m in to_entities(session, list(rows)) if node is None or matches(node, m, _value)]
    found.sort(key=lambda m: m.model_id)
    found.sort(key=lambda m: m.creation_timestamp_ms, reverse=True)
    return sort_by(found, order_by, _value)


def log_outputs(session: Session, run_id: str, outputs: Sequence[ModelOutput]) -> None:
    run = runs.load(session, run_id, for_update=True)
    now = now_ms()
    for output in outputs:
        load(session, output.model_id)
        row = session.get(RunOutputRow, (run.run_key, output.model_id))
        if row is None:
            session.add(
                RunOutputRow(
                    run_key=run.run_key, model_id=output.model_id, step=output.step, created_time=now
                )
            )
        else:
            row.step = output.step


def outputs_of(session: Session, run_id: str) -> list[ModelOutput]:
    run = runs.load(session, run_id)
    stmt = (
        select(RunOutputRow.model_id, RunOutputRow.step)
        .join(LoggedModelRow, LoggedModelRow.model_id == RunOutputRow.model_id)
        .where(RunOutputRow.run_key == run.run_key)
        .where(LoggedModelRow.lifecycle_stage == LifecycleStage.ACTIVE.value)
        .order_by(RunOutputRow.created_time, RunOutputRow.model_id)
    )
    return [ModelOutput(model_id, step) for model_id, step in session.execute(stmt)]


# -- filter evaluation ----------------------------------------------------------------------------


def _attribute(model: LoggedModel, name: str) -> str | int | None:
    values: dict[str, Callable[[LoggedModel], str | int | None]] = {
        "model_id": lambda m: m.model_id,
        "name": lambda m: m.name,
        "model_type": lambda m: m.model_type or None,
        "status": lambda m: m.status.value,
        "source_run_id": lambda m: m.source_run_id or None,
        "creation_timestamp": lambda m: m.creation_timestamp_ms,
        "last_updated_timestamp": lambda m: m.last_updated_timestamp_ms,
    }
    return values[name](model)


def _value(model: LoggedModel, comparison: Comparison | OrderKey) -> str | int | None:
    ident = comparison.ident
    if ident.entity == "attribute":
        return _attribute(model, ident.key)
    if ident.entity == "param":
        return model.params.get(ident.key)
    if ident.entity == "tag":
        return model.tags.get(ident.key)
    return None  # metrics are not linked to logged models; the parser refuses them

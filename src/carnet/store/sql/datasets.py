"""Dataset inputs in the SQL store: the datasets a run logged as inputs (MLflow's ``log_input``).

A dataset belongs to an experiment and is stored once per (name, digest): every run of the
experiment that logs it points at the same row, as in MLflow. A run points at a dataset once;
logging it again only sets the input's tags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carnet.entities import Dataset, DatasetInput
from carnet.exceptions import LimitExceeded
from carnet.store.sql import runs
from carnet.store.sql.models import DatasetRow, RunInputRow, RunInputTagRow, RunRow
from carnet.validation import MAX_DATASETS_PER_CALL, check_dataset_input


def log_inputs(session: Session, run_id: str, inputs: Sequence[DatasetInput]) -> None:
    if len(inputs) > MAX_DATASETS_PER_CALL:
        raise LimitExceeded(
            f"datasets: at most {MAX_DATASETS_PER_CALL} datasets per call, got {len(inputs)}",
            field="datasets",
        )
    for item in inputs:
        check_dataset_input(item)
    run = runs.load_active(session, run_id)
    experiment_id = session.scalar(select(RunRow.experiment_id).where(RunRow.run_key == run.run_key))
    assert experiment_id is not None  # the run was just loaded
    for item in inputs:
        dataset_key = _dataset_key(session, experiment_id, item.dataset)
        input_key = session.scalar(
            select(RunInputRow.input_key).where(
                RunInputRow.run_key == run.run_key, RunInputRow.dataset_key == dataset_key
            )
        )
        if input_key is None:
            row = RunInputRow(run_key=run.run_key, dataset_key=dataset_key)
            session.add(row)
            session.flush()
            input_key = row.input_key
        for key, value in item.tags.items():
            tag = session.get(RunInputTagRow, (input_key, key))
            if tag is None:
                session.add(RunInputTagRow(input_key=input_key, key=key, value=value))
            else:
                tag.value = value
        session.flush()  # the session does not autoflush: the next item must see this one


def _dataset_key(session: Session, experiment_id: int, dataset: Dataset) -> int:
    """The key of the experiment's dataset of that name and digest, stored now if it is new."""
    found = _find_dataset(session, experiment_id, dataset)
    if found is not None:
        return found
    row = DatasetRow(
        experiment_id=experiment_id,
        name=dataset.name,
        digest=dataset.digest,
        source_type=dataset.source_type,
        source=dataset.source,
        schema=dataset.schema,
        profile=dataset.profile,
    )
    try:
        with session.begin_nested():  # another run of the experiment may store it at the same time
            session.add(row)
            session.flush()
    except IntegrityError:
        found = _find_dataset(session, experiment_id, dataset)
        if found is None:
            raise
        return found
    return row.dataset_key


def _find_dataset(session: Session, experiment_id: int, dataset: Dataset) -> int | None:
    return session.scalar(
        select(DatasetRow.dataset_key).where(
            DatasetRow.experiment_id == experiment_id,
            DatasetRow.name == dataset.name,
            DatasetRow.digest == dataset.digest,
        )
    )


def inputs_of(session: Session, run_id: str) -> list[DatasetInput]:
    runs.load(session, run_id)  # say when the run does not exist
    return inputs_of_runs(session, [run_id])[run_id]


def inputs_of_runs(session: Session, run_ids: Sequence[str]) -> dict[str, list[DatasetInput]]:
    """The dataset inputs of each run (an unknown run has none), in logging order: a few queries
    per 500 runs, never one per run, so a page of search results stays cheap."""
    out: dict[str, list[DatasetInput]] = {run_id: [] for run_id in run_ids}
    wanted = list(out)
    for start in range(0, len(wanted), _CHUNK):
        _read_inputs(session, wanted[start : start + _CHUNK], out)
    return out


_CHUNK = 500


def _read_inputs(session: Session, run_ids: list[str], out: dict[str, list[DatasetInput]]) -> None:
    found = session.execute(
        select(RunRow.run_id, RunInputRow.input_key, DatasetRow)
        .join(RunInputRow, RunInputRow.run_key == RunRow.run_key)
        .join(DatasetRow, DatasetRow.dataset_key == RunInputRow.dataset_key)
        .where(RunRow.run_id.in_(run_ids))
        .order_by(RunInputRow.input_key)
    ).all()
    if not found:
        return
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    tag_rows = session.execute(
        select(RunInputTagRow.input_key, RunInputTagRow.key, RunInputTagRow.value)
        .where(RunInputTagRow.input_key.in_([input_key for _, input_key, _ in found]))
        .order_by(RunInputTagRow.input_key, RunInputTagRow.key)
    )
    for input_key, key, value in tag_rows:
        tags[input_key][key] = value
    for run_id, input_key, row in found:
        dataset = Dataset(row.name, row.digest, row.source_type, row.source, row.schema, row.profile)
        out[run_id].append(DatasetInput(dataset, dict(tags[input_key])))

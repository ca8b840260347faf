"""Store contract: the datasets a run logged as inputs (MLflow's ``log_input``)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from carnet.entities import DATASET_CONTEXT_TAG, Dataset, DatasetInput, Run, RunStatus
from carnet.exceptions import InvalidArgument, LimitExceeded, NotFound, RunNotActive
from carnet.store import TrackingStore

MakeRun = Callable[..., Run]

IRIS = Dataset("iris", "1a2b3c4d", "local", "data/iris.csv", schema='{"cols": 4}', profile='{"rows": 150}')
WINE = Dataset("wine", "9f8e7d6c", "s3", "s3://bucket/wine.parquet")


def training(dataset: Dataset) -> DatasetInput:
    return DatasetInput(dataset, {DATASET_CONTEXT_TAG: "training"})


def test_logged_inputs_read_back_in_order(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run().info.run_id
    assert store.get_run_inputs(run_id) == []
    store.log_inputs(run_id, [training(IRIS)])
    store.log_inputs(run_id, [DatasetInput(WINE, {DATASET_CONTEXT_TAG: "validation", "split": "0.2"})])
    inputs = store.get_run_inputs(run_id)
    assert inputs == [
        training(IRIS),
        DatasetInput(WINE, {DATASET_CONTEXT_TAG: "validation", "split": "0.2"}),
    ]
    assert [i.context for i in inputs] == ["training", "validation"]
    assert inputs[0].dataset.schema == '{"cols": 4}'
    assert inputs[1].dataset.profile == ""


def test_the_same_dataset_twice_is_stored_once(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run().info.run_id
    store.log_inputs(run_id, [training(IRIS), training(IRIS)])
    store.log_inputs(run_id, [training(IRIS)])
    assert store.get_run_inputs(run_id) == [training(IRIS)]
    # Logged again with another tag: still one input, its tags set.
    store.log_inputs(run_id, [DatasetInput(IRIS, {DATASET_CONTEXT_TAG: "evaluation"})])
    assert store.get_run_inputs(run_id) == [DatasetInput(IRIS, {DATASET_CONTEXT_TAG: "evaluation"})]


def test_another_digest_is_another_dataset(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run().info.run_id
    newer = Dataset("iris", "ffff0000", "local", "data/iris-v2.csv")
    store.log_inputs(run_id, [training(IRIS), training(newer)])
    assert [i.dataset for i in store.get_run_inputs(run_id)] == [IRIS, newer]


def test_runs_of_an_experiment_share_a_dataset(store: TrackingStore, make_run: MakeRun) -> None:
    first, second = make_run().info.run_id, make_run().info.run_id
    store.log_inputs(first, [training(IRIS)])
    # The dataset exists already: the first description is kept, the second run points at it.
    changed = Dataset("iris", IRIS.digest, "local", "elsewhere/iris.csv")
    store.log_inputs(second, [DatasetInput(changed, {})])
    assert store.get_run_inputs(second) == [DatasetInput(IRIS, {})]
    assert store.get_run_inputs(first) == [training(IRIS)]


def test_each_run_reads_only_its_inputs(store: TrackingStore, make_run: MakeRun) -> None:
    first, second, third = (make_run().info.run_id for _ in range(3))
    store.log_inputs(first, [training(IRIS)])
    store.log_inputs(second, [training(WINE)])
    assert store.get_runs_inputs([first, second, third]) == {
        first: [training(IRIS)],
        second: [training(WINE)],
        third: [],
    }


def test_unknown_run_is_not_found(store: TrackingStore) -> None:
    with pytest.raises(NotFound):
        store.log_inputs("0" * 32, [training(IRIS)])
    with pytest.raises(NotFound):
        store.get_run_inputs("0" * 32)


def test_a_finished_run_takes_no_inputs_but_keeps_its_own(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run().info.run_id
    store.log_inputs(run_id, [training(IRIS)])
    store.update_run(run_id, status=RunStatus.COMPLETED)
    with pytest.raises(RunNotActive):
        store.log_inputs(run_id, [training(WINE)])
    assert store.get_run_inputs(run_id) == [training(IRIS)]


@pytest.mark.parametrize(
    ("dataset", "field"),
    [
        (Dataset("", "d", "local", "s"), "name"),
        (Dataset("n", "", "local", "s"), "digest"),
        (Dataset("n", "d", "local", ""), "source"),
        (Dataset("n" * 501, "d", "local", "s"), "name"),
        (Dataset("n", "d" * 37, "local", "s"), "digest"),
        (Dataset("n", "d", "local", "s" * 65_536), "source"),
    ],
)
def test_bad_datasets_are_refused_and_nothing_is_written(
    store: TrackingStore, make_run: MakeRun, dataset: Dataset, field: str
) -> None:
    run_id = make_run().info.run_id
    with pytest.raises(InvalidArgument) as info:
        store.log_inputs(run_id, [training(IRIS), DatasetInput(dataset, {})])
    assert field in info.value.message
    assert store.get_run_inputs(run_id) == []


def test_limits_are_mlflows(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run().info.run_id
    longest = Dataset("n" * 500, "d" * 36, "local", "s" * 65_535)
    store.log_inputs(run_id, [DatasetInput(longest, {"k" * 255: "v" * 500})])
    assert store.get_run_inputs(run_id) == [DatasetInput(longest, {"k" * 255: "v" * 500})]
    with pytest.raises(LimitExceeded, match="value"):
        store.log_inputs(run_id, [DatasetInput(IRIS, {"k": "v" * 501})])


def test_runs_logging_the_same_new_dataset_at_once_share_it(store: TrackingStore, make_run: MakeRun) -> None:
    """Eight runs of one experiment log the same new dataset at the same moment: every call
    succeeds and all runs point at one dataset (on PostgreSQL the losers of the insert race find
    the winner's row)."""
    run_ids = [make_run().info.run_id for _ in range(8)]
    start = threading.Barrier(len(run_ids))
    errors: list[BaseException] = []

    def log(run_id: str) -> None:
        try:
            start.wait(timeout=10)
            store.log_inputs(run_id, [training(WINE)])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=log, args=(run_id,), daemon=True) for run_id in run_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert store.get_runs_inputs(run_ids) == {run_id: [training(WINE)] for run_id in run_ids}

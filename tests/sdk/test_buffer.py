"""Batched background writes (``carnet.sdk.buffer``), with real runs and real databases: nothing
is lost, order is kept, the background thread flushes on its own, and an error it meets is raised
at the next ``flush()``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

import carnet
from carnet.entities import MetricKind
from carnet.exceptions import CarnetError, ParamConflict, RunNotActive
from carnet.sdk import buffer as buffer_module
from carnet.sdk.buffer import RunBuffer
from carnet.sdk.workspace import store_for
from carnet.store import NewRun


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> float:
    """Poll until ``condition()`` holds; return the seconds it took (fails after ``timeout``)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - start


def test_25000_logs_then_flush_are_all_stored_in_order(store_run: carnet.Run) -> None:
    run = store_run
    n = 25_000
    for i in range(n):
        run.log("loss", i * 0.5)
    run.flush()
    history = carnet.Client(run.workspace.tracking_uri).get_metric_history(run.id, "loss")
    assert len(history) == n
    assert [m.step for m in history] == list(range(n))
    assert [m.value for m in history] == [i * 0.5 for i in range(n)]
    assert carnet.Client(run.workspace.tracking_uri).get_run(run.id).data.metrics == {"loss": (n - 1) * 0.5}


def test_logging_from_four_threads_loses_nothing(run: carnet.Run) -> None:
    n = 10_000
    threads_count = 4
    start = threading.Barrier(threads_count)

    def work(k: int) -> None:
        start.wait()
        for i in range(n):
            run.log(f"thread-{k}", float(i))
            run.log("shared", float(k), step=k * n + i)
            if i % 1000 == 0:
                run.log_row("progress", thread=k, i=i)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.flush()
    client = carnet.Client(run.workspace.tracking_uri)
    for k in range(threads_count):
        history = client.get_metric_history(run.id, f"thread-{k}")
        assert [m.value for m in history] == [float(i) for i in range(n)], k
        assert [m.step for m in history] == list(range(n))
    shared = client.get_metric_history(run.id, "shared")
    assert [m.step for m in shared] == list(range(threads_count * n))
    assert [m.value for m in shared] == [float(s // n) for s in range(threads_count * n)]
    progress = run.get_metrics("progress")["progress"]
    assert len(progress["thread"]) == threads_count * n // 1000
    assert sorted(zip(progress["thread"], progress["i"], strict=True)) == [
        (k, i) for k in range(threads_count) for i in range(0, n, 1000)
    ]


def test_background_flush_without_an_explicit_flush(store_run: carnet.Run) -> None:
    run = store_run
    client = carnet.Client(run.workspace.tracking_uri)
    run.log("heartbeat", 1.0)
    run.log_param("p", "v")
    run.log_row("rows", a=1)
    took = _wait_for(lambda: client.get_run(run.id).data.params == {"p": "v"})
    assert took < 3.0
    assert [m.value for m in client.get_metric_history(run.id, "heartbeat")] == [1.0]
    assert [r.payload for r in run.workspace.store.get_metric_records(run.id, "rows")] == [{"a": 1}]


def test_a_full_buffer_is_written_in_the_background(run: carnet.Run) -> None:
    client = carnet.Client(run.workspace.tracking_uri)
    for i in range(buffer_module.FLUSH_ITEMS):  # a full buffer wakes the background thread
        run.log("m", float(i))
    _wait_for(lambda: len(client.get_metric_history(run.id, "m")) == buffer_module.FLUSH_ITEMS, timeout=3.0)


def test_background_flush_error_is_raised_at_the_next_flush(store_uri: str, store_run: carnet.Run) -> None:
    run = store_run
    run.log("m", 1.0)
    run.flush()
    carnet.Client(store_uri).set_terminated(run.id, "FINISHED")  # another client ends the run
    run.log("m", 2.0)  # accepted into the buffer: the run object does not know yet
    pending = run._buffer
    assert pending is not None
    _wait_for(lambda: len(pending) == 0, timeout=5.0)  # the background thread took the batch
    with pytest.raises(RunNotActive, match=f"run {run.id} is Completed") as info:
        run.flush()
    assert isinstance(info.value, CarnetError)
    run.flush()  # reported once, not again
    assert [m.value for m in carnet.Client(store_uri).get_metric_history(run.id, "m")] == [1.0]
    run.complete()
    assert run.get_status() == "Completed"


def test_run_buffer_on_a_real_store(sqlite_uri: str) -> None:
    ws = carnet.Workspace(sqlite_uri)
    store = store_for(ws.location)
    run_id = store.create_run(NewRun(experiment_id="0")).info.run_id
    buffer = RunBuffer(store, run_id)
    try:
        assert len(buffer) == 0
        buffer.declare("r", MetricKind.ROW)
        buffer.add_metric("m", 1.0, 1_700_000_000_000, 0)
        buffer.add_metrics([carnet.Metric("m", 2.0, 1_700_000_000_001, 1)])
        buffer.add_param("p", "v")
        buffer.add_tag("t", "x")
        buffer.add_record("r", MetricKind.ROW, {"a": 1}, 1_700_000_000_002)
        assert len(buffer) == 5
        buffer.flush()
        assert len(buffer) == 0
        stored = store.get_run(run_id)
        assert stored.data.metrics == {"m": 2.0}
        assert stored.data.params == {"p": "v"}
        assert stored.data.tags == {"t": "x"}
        assert [r.payload for r in store.get_metric_records(run_id, "r")] == [{"a": 1}]
        buffer.add_param("p", "other")  # refused by the store at flush time
        with pytest.raises(ParamConflict):
            buffer.flush()
        assert store.get_run(run_id).data.params == {"p": "v"}
        buffer.flush()
    finally:
        buffer.close()


def test_flush_all_flushes_every_live_buffer(exp: carnet.Experiment) -> None:
    runs = [exp.start_logging() for _ in range(3)]
    for i, run in enumerate(runs):
        run.log("m", float(i))
    buffer_module.flush_all()
    client = carnet.Client(exp.workspace.tracking_uri)
    assert [client.get_run(r.id).data.metrics for r in runs] == [{"m": 0.0}, {"m": 1.0}, {"m": 2.0}]
    for run in runs:
        run.complete()

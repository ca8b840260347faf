"""Store contract: one store object shared by threads; readers never wait for a writer.

On SQLite this rests on WAL mode (readers see the last commit while a writer works) and the busy
timeout (a second writer queues instead of failing); on PostgreSQL on MVCC and the run row lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, text

from carnet.entities import Metric, Param, Run, RunTag
from carnet.store import LogBatch, TrackingStore

MakeRun = Callable[..., Run]


class Worker(threading.Thread):
    """A thread that runs ``target`` once and keeps its result or exception."""

    def __init__(self, target: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._target_fn = target
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._target_fn()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def finish(self, timeout: float = 20.0) -> Any:
        self.join(timeout)
        assert not self.is_alive(), "the thread did not finish in time"
        if self.error is not None:
            raise self.error
        return self.result


def _log_many(
    store: TrackingStore, run_id: str, key: str, batches: int, per_batch: int, start: threading.Barrier
) -> None:
    start.wait(timeout=10)
    for b in range(batches):
        points = [
            Metric(key, float(b * per_batch + i), 1000 + b, b * per_batch + i) for i in range(per_batch)
        ]
        store.log_batch(
            run_id,
            LogBatch(metrics=points, params=[Param(f"p{b}", str(b))], tags=[RunTag("last", str(b))]),
        )


def test_two_threads_log_to_two_runs_at_once(store: TrackingStore, make_run: MakeRun) -> None:
    runs = [make_run(run_name=f"t{i}").info.run_id for i in range(2)]
    start = threading.Barrier(2)
    workers = [Worker(lambda r=r: _log_many(store, r, "loss", 30, 200, start)) for r in runs]
    for w in workers:
        w.start()
    for w in workers:
        w.finish(60)
    for run_id in runs:
        history = store.get_metric_history(run_id, "loss")
        assert history == [Metric("loss", float(i), 1000 + i // 200, i) for i in range(6000)]
        data = store.get_run(run_id).data
        assert data.params == {f"p{b}": str(b) for b in range(30)}
        assert data.tags == {"last": "29"}
        assert data.metrics == {"loss": 5999.0}


def test_threads_share_one_run(store: TrackingStore, make_run: MakeRun) -> None:
    """Writers to the same run are serialised: the shared series is created once, no point is lost."""
    run_id = make_run().info.run_id
    start = threading.Barrier(4)

    def log(thread: int) -> None:
        start.wait(timeout=10)
        for b in range(20):
            points = [Metric("shared", float(thread), 1, thread * 1000 + b * 10 + i) for i in range(10)]
            points.append(Metric(f"own{thread}", float(b), 1, b))
            store.log_batch(run_id, LogBatch(metrics=points))

    workers = [Worker(lambda t=t: log(t)) for t in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.finish(60)
    history = store.get_metric_history(run_id, "shared")
    assert len(history) == 800
    assert sorted(m.step for m in history) == [t * 1000 + s for t in range(4) for s in range(200)]
    infos = {i.name: i.count for i in store.get_metric_infos(run_id)}
    assert infos == {"shared": 800, "own0": 20, "own1": 20, "own2": 20, "own3": 20}


@pytest.fixture
def foreign_writer(store: TrackingStore) -> Iterator[Callable[[str], Connection]]:
    """``hold(run_id)``: another connection updates the run's name and keeps its transaction open."""
    engine = create_engine(store.database_url)  # type: ignore[attr-defined]
    held: list[Connection] = []

    def hold(run_id: str) -> Connection:
        conn = engine.connect()
        held.append(conn)
        conn.execute(text("UPDATE runs SET run_name = 'uncommitted' WHERE run_id = :r"), {"r": run_id})
        return conn

    yield hold
    for conn in held:
        conn.close()
    engine.dispose()


def test_reader_reads_while_a_writer_holds_a_transaction(
    store: TrackingStore, experiment_id: str, make_run: MakeRun, foreign_writer: Callable[[str], Connection]
) -> None:
    run_id = make_run(run_name="committed").info.run_id
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 1, 0)]))
    writer = foreign_writer(run_id)

    def read() -> tuple[str, list[Metric], list[str], str | None]:
        began = time.monotonic()
        name = store.get_run(run_id).info.run_name
        history = store.get_metric_history(run_id, "m")
        found = [r.info.run_name for r in store.search_runs([experiment_id]).runs]
        by_name = store.search_runs([experiment_id], "attributes.run_name = 'uncommitted'").runs
        assert time.monotonic() - began < 5, "the reader waited for the writer"
        return name, history, found, by_name[0].info.run_id if by_name else None

    # The uncommitted change is invisible, and reading does not wait for it.
    reader = Worker(read)
    reader.start()
    assert reader.finish(10) == ("committed", [Metric("m", 1.0, 1, 0)], ["committed"], None)
    writer.commit()
    assert store.get_run(run_id).info.run_name == "uncommitted"


def test_second_writer_waits_instead_of_failing(
    store: TrackingStore, make_run: MakeRun, foreign_writer: Callable[[str], Connection]
) -> None:
    run_id = make_run(run_name="committed").info.run_id
    writer = foreign_writer(run_id)
    logger = Worker(lambda: store.log_batch(run_id, LogBatch(metrics=[Metric("m", 2.0, 5, 0)])))
    logger.start()
    time.sleep(0.5)
    assert logger.is_alive(), "log_batch should wait for the other writer's transaction"
    writer.rollback()
    logger.finish(20)
    run = store.get_run(run_id)
    assert run.info.run_name == "committed"
    assert run.data.metrics == {"m": 2.0}

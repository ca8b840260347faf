"""Store contract: reading metrics back (history, per-metric summaries, long series)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from carnet.entities import Metric, MetricKind, Run
from carnet.exceptions import NotFound
from carnet.store import LogBatch, MetricDeclaration, RecordWrite, TrackingStore

MakeRun = Callable[..., Run]


@pytest.fixture
def run_id(make_run: MakeRun) -> str:
    return make_run(run_name="metrics").info.run_id


def test_history_is_ordered_by_step_then_logging_order(store: TrackingStore, run_id: str) -> None:
    store.log_batch(
        run_id,
        LogBatch(
            metrics=[
                Metric("m", 20.0, 100, 2),
                Metric("m", 0.0, 101, 0),
                Metric("m", 10.0, 102, 1),
                Metric("m", 1.0, 99, 0),  # same step, earlier timestamp, logged later
                Metric("other", 5.0, 100, 0),
            ]
        ),
    )
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 2.0, 50, 0), Metric("m", -1.0, 1, -1)]))
    assert store.get_metric_history(run_id, "m") == [
        Metric("m", -1.0, 1, -1),
        Metric("m", 0.0, 101, 0),
        Metric("m", 1.0, 99, 0),
        Metric("m", 2.0, 50, 0),
        Metric("m", 10.0, 102, 1),
        Metric("m", 20.0, 100, 2),
    ]
    assert store.get_metric_history(run_id, "other") == [Metric("other", 5.0, 100, 0)]


def test_history_of_unknown_key_is_empty(store: TrackingStore, run_id: str) -> None:
    assert store.get_metric_history(run_id, "nope") == []
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 1, 0)]))
    assert store.get_metric_history(run_id, "M") == []
    assert store.get_metric_history(run_id, "nope") == []


def test_history_of_unknown_run_is_not_found(store: TrackingStore) -> None:
    with pytest.raises(NotFound, match="0" * 32):
        store.get_metric_history("0" * 32, "m")


def test_history_of_a_structured_metric_is_empty(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(records=[RecordWrite("row", MetricKind.ROW, {"a": 1}, 1)]))
    assert store.get_metric_history(run_id, "row") == []


def test_histories_are_per_run(store: TrackingStore, make_run: MakeRun) -> None:
    a = make_run().info.run_id
    b = make_run().info.run_id
    store.log_batch(a, LogBatch(metrics=[Metric("m", 1.0, 1, 0)]))
    store.log_batch(b, LogBatch(metrics=[Metric("m", 2.0, 2, 0)]))
    assert store.get_metric_history(a, "m") == [Metric("m", 1.0, 1, 0)]
    assert store.get_metric_history(b, "m") == [Metric("m", 2.0, 2, 0)]
    assert store.get_run(a).data.metrics == {"m": 1.0}
    assert store.get_run(b).data.metrics == {"m": 2.0}


def test_metric_infos_in_first_logged_order(store: TrackingStore, run_id: str) -> None:
    names = ["zeta", "alpha", "mid", "beta", "omega", "a1", "gamma", "delta"]
    store.log_batch(run_id, LogBatch(metrics=[Metric(n, float(i), 10, 0) for i, n in enumerate(names)]))
    store.log_batch(
        run_id,
        LogBatch(
            metrics=[Metric("alpha", 9.0, 11, 1), Metric("later", 1.0, 11, 0)],
            records=[RecordWrite("table", MetricKind.TABLE, {"c": [1]}, 11)],
        ),
    )
    infos = store.get_metric_infos(run_id)
    assert [i.name for i in infos][: len(names)] == names
    assert {i.name for i in infos[len(names) :]} == {"later", "table"}
    by_name = {i.name: i for i in infos}
    assert (by_name["alpha"].count, by_name["alpha"].last_value, by_name["alpha"].last_step) == (2, 9.0, 1)
    assert (by_name["zeta"].count, by_name["zeta"].last_value, by_name["zeta"].last_timestamp) == (1, 0.0, 10)
    assert by_name["table"].kind is MetricKind.TABLE


def test_metric_infos_across_batches(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(metrics=[Metric("b", 1.0, 1, 0)]))
    store.log_batch(run_id, LogBatch(declarations=[MetricDeclaration("a", MetricKind.SERIES, "second")]))
    store.log_batch(run_id, LogBatch(records=[RecordWrite("c", MetricKind.ROW, {"x": 1}, 3)]))
    store.log_batch(run_id, LogBatch(metrics=[Metric("a", 1.0, 4, 0), Metric("b", 2.0, 4, 1)]))
    assert [(i.name, i.kind, i.count) for i in store.get_metric_infos(run_id)] == [
        ("b", MetricKind.SERIES, 2),
        ("a", MetricKind.SERIES, 1),
        ("c", MetricKind.ROW, 1),
    ]


def test_metric_infos_of_a_run_without_metrics(store: TrackingStore, run_id: str) -> None:
    assert store.get_metric_infos(run_id) == []


def test_long_series_round_trips_exactly(store: TrackingStore, run_id: str) -> None:
    rng = random.Random(20_000)
    points = [Metric("long", rng.uniform(-1e6, 1e6), 1_700_000_000_000 + i, i) for i in range(20_000)]
    # Values that need every bit of a double, and extremes.
    points[1] = Metric("long", 0.1 + 0.2, points[1].timestamp, 1)
    points[2] = Metric("long", 5e-324, points[2].timestamp, 2)
    points[3] = Metric("long", 1.7976931348623157e308, points[3].timestamp, 3)
    points[4] = Metric("long", -0.0, points[4].timestamp, 4)
    points[5] = Metric("long", float("inf"), points[5].timestamp, 5)
    points[6] = Metric("long", 2.0**53 + 1, points[6].timestamp, 6)
    for start in range(0, len(points), 10_000):  # the documented per-batch limit
        store.log_batch(run_id, LogBatch(metrics=points[start : start + 10_000]))
    history = store.get_metric_history(run_id, "long")
    assert len(history) == 20_000
    assert history == points
    assert all(type(m.value) is float and type(m.step) is int and type(m.timestamp) is int for m in history)
    [info] = store.get_metric_infos(run_id)
    assert (info.count, info.last_value, info.last_step, info.last_timestamp) == (
        20_000,
        points[-1].value,
        19_999,
        points[-1].timestamp,
    )
    assert store.get_run(run_id).data.metrics == {"long": points[-1].value}


def test_large_steps_and_timestamps_round_trip(store: TrackingStore, run_id: str) -> None:
    big = 2**62
    points = [Metric("m", 1.0, big, big), Metric("m", 2.0, -5, -(2**40))]
    store.log_batch(run_id, LogBatch(metrics=points))
    assert store.get_metric_history(run_id, "m") == [points[1], points[0]]
    assert store.get_metric_infos(run_id)[0].last_step == big

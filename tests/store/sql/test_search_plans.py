"""The index-driven plan for "sort all runs by one metric" gives exactly the general plan's order."""

from __future__ import annotations

import math

import pytest

from carnet.entities import Metric, ViewType
from carnet.search import parse_order_by
from carnet.store.base import LogBatch, NewRun
from carnet.store.sql.search import build_run_select, find_run_ids


@pytest.fixture
def populated(store):  # type: ignore[no-untyped-def]
    experiment = store.create_experiment("plans")
    values = [0.5, 0.1, math.nan, 0.9, None, 0.5, 0.3, None, 0.5, 0.7, math.inf, -math.inf, 0.2]
    for i, value in enumerate(values):
        run = store.create_run(NewRun(experiment_id=experiment, run_name=f"r{i}", start_time=1000 + i % 4))
        metrics = [Metric("other", float(i), 0, 0)]
        if value is not None:
            metrics.append(Metric("score", value, 0, 0))
        store.log_batch(run.info.run_id, LogBatch(metrics=metrics))
    return store, int(experiment), len(values)


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_metric_order_plans_agree_on_every_page(populated, direction: str) -> None:  # type: ignore[no-untyped-def]
    store, experiment, total = populated
    keys = parse_order_by([f"metrics.score {direction}"])
    with store._sessions.read() as session:
        expected = list(session.scalars(build_run_select([experiment], None, keys, ViewType.ALL, 0, 100)))
        assert len(expected) == total
        for offset in range(total + 1):
            for limit in (1, 3, 5, total):
                got = find_run_ids(session, [experiment], None, keys, ViewType.ALL, offset, limit)
                assert got == expected[offset : offset + limit], (offset, limit)


def test_runs_without_the_metric_come_last(populated) -> None:  # type: ignore[no-untyped-def]
    store, experiment, _ = populated
    page = store.search_runs([str(experiment)], order_by=["metrics.score DESC"], max_results=100)
    scores = [run.data.metrics.get("score") for run in page.runs]
    finite = [s for s in scores if s is not None and not math.isnan(s)]
    assert scores[: len(finite)] == sorted(finite, reverse=True)
    tail = scores[len(finite) :]
    assert len(tail) == 3 and all(s is None or math.isnan(s) for s in tail)

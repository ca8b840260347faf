"""The index-driven plan for "sort all runs by one metric" gives exactly the general plan's order."""

from __future__ import annotations

import math

import pytest

from carnet.entities import Metric, Param, RunTag, ViewType
from carnet.search import parse_filter, parse_order_by
from carnet.store.base import LogBatch, NewRun
from carnet.store.sql.search import build_run_select, find_run_ids


@pytest.fixture(autouse=True)
def walk_even_small_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """These stores hold a dozen runs: let the index walk run anyway, so both plans are compared."""
    from carnet.store.sql import search

    monkeypatch.setattr(search, "SMALL_STORE", 0)


@pytest.fixture
def populated(store):  # type: ignore[no-untyped-def]
    experiment = store.create_experiment("plans")
    values = [0.5, 0.1, math.nan, 0.9, None, 0.5, 0.3, None, 0.5, 0.7, math.inf, -math.inf, 0.2]
    for i, value in enumerate(values):
        run = store.create_run(NewRun(experiment_id=experiment, run_name=f"r{i}", start_time=1000 + i % 4))
        metrics = [Metric("other", float(i), 0, 0)]
        if value is not None:
            metrics.append(Metric("score", value, 0, 0))
        params = [Param("model", "rf" if i % 3 else "lr")]
        tags = [RunTag("team", "a")] if i % 2 else []
        store.log_batch(run.info.run_id, LogBatch(metrics=metrics, params=params, tags=tags))
    return store, int(experiment), len(values)


FILTERS = [
    None,
    "metrics.other > 2",
    "params.model = 'rf'",
    "metrics.other >= 1 and params.model = 'rf' and tags.team = 'a'",
    "metrics.score < 0.6 and params.model LIKE 'r%'",
    "metrics.other < 0",  # matches nothing
    "params.model = 'lr' or metrics.other > 10",  # not a conjunction: the general plan
    "tags.team IS NULL and metrics.other > 3",  # IS NULL: the general plan
]


@pytest.mark.parametrize("filter_text", FILTERS)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_metric_order_plans_agree_on_every_page(populated, direction: str, filter_text: str | None) -> None:  # type: ignore[no-untyped-def]
    store, experiment, total = populated
    keys = parse_order_by([f"metrics.score {direction}"])
    node = parse_filter(filter_text)
    with store._sessions.read() as session:
        expected = list(session.scalars(build_run_select([experiment], node, keys, ViewType.ALL, 0, 100)))
        if filter_text is None:
            assert len(expected) == total
        for offset in range(len(expected) + 2):
            for limit in (1, 3, 5, total):
                got = find_run_ids(session, [experiment], node, keys, ViewType.ALL, offset, limit)
                assert got == expected[offset : offset + limit], (offset, limit)


def test_runs_without_the_metric_come_last(populated) -> None:  # type: ignore[no-untyped-def]
    store, experiment, _ = populated
    page = store.search_runs([str(experiment)], order_by=["metrics.score DESC"], max_results=100)
    scores = [run.data.metrics.get("score") for run in page.runs]
    finite = [s for s in scores if s is not None and not math.isnan(s)]
    assert scores[: len(finite)] == sorted(finite, reverse=True)
    tail = scores[len(finite) :]
    assert len(tail) == 3 and all(s is None or math.isnan(s) for s in tail)


def test_the_index_walk_is_chosen_only_for_broad_conjunctions(populated, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from carnet.store.sql import search

    store, _, _ = populated
    with store._sessions.read() as session:

        def broad(text: str | None, wanted: int = 5) -> bool:
            return search._is_broad(session.connection(), parse_filter(text), wanted)

        assert broad(None)
        assert broad("metrics.other > 2 and params.model = 'rf'")
        assert not broad("params.model = 'lr' or metrics.other > 10")
        assert not broad("tags.team IS NULL")
        assert not broad("attributes.run_name = 'r1'")
        assert not broad("metrics.other < 0")  # no run matches: nothing to walk for
        monkeypatch.setattr(search, "WALK_BUDGET", 10)
        # 8 of 13 runs are 'rf', 6 of 13 have team 'a': ~2.8 expected matches per 10 rows walked.
        assert broad("params.model = 'rf' and tags.team = 'a'", wanted=2)
        assert not broad("params.model = 'rf' and tags.team = 'a'", wanted=3)


def test_small_stores_always_take_the_general_plan(populated, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from carnet.store.sql import search

    store, _, total = populated
    with store._sessions.read() as session:
        conn = session.connection()
        assert search._is_broad(conn, parse_filter("metrics.other > 2"), 5)
        monkeypatch.setattr(search, "SMALL_STORE", total)
        assert not search._is_broad(conn, parse_filter("metrics.other > 2"), 5)  # no counting

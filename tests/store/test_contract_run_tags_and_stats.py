"""Store contract: tags on runs in any status (the studio labels finished runs) and the per-experiment
run counts of the experiments list."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from carnet.entities import Run, RunStatus
from carnet.exceptions import NotFound, RunNotActive
from carnet.store import TrackingStore

MakeRun = Callable[..., Run]


def test_set_run_tags_reaches_finished_runs(store: TrackingStore, make_run: MakeRun) -> None:
    run = make_run(tags={"old": "1", "keep": "yes"})
    store.update_run(run.info.run_id, RunStatus.COMPLETED, end_time=run.info.start_time + 10)
    store.set_run_tags(run.info.run_id, {"reviewed": "yes", "keep": "still"}, ["old"])
    tags = store.get_run(run.info.run_id).data.tags
    assert tags["reviewed"] == "yes" and tags["keep"] == "still" and "old" not in tags
    assert store.get_run(run.info.run_id).info.status is RunStatus.COMPLETED


def test_set_run_tags_refuses_unknown_and_deleted_runs(store: TrackingStore, make_run: MakeRun) -> None:
    with pytest.raises(NotFound):
        store.set_run_tags("0123456789abcdef0123456789abcdef", {"a": "b"})
    run = make_run()
    store.delete_run(run.info.run_id)
    with pytest.raises(RunNotActive):
        store.set_run_tags(run.info.run_id, {"a": "b"})


def test_experiment_run_stats_count_active_runs(
    store: TrackingStore, experiment_id: str, make_run: MakeRun
) -> None:
    empty = store.create_experiment("empty")
    first = make_run(start_time=1_000)
    make_run(start_time=5_000)
    gone = make_run(start_time=9_000)
    store.delete_run(gone.info.run_id)
    store.update_run(first.info.run_id, RunStatus.COMPLETED, end_time=7_000)
    stats = store.experiment_run_stats([experiment_id, empty])
    assert set(stats) == {experiment_id}
    assert stats[experiment_id].run_count == 2
    assert stats[experiment_id].last_activity == 7_000  # the latest start or end of an active run

"""Store contract: runs (create, read, status changes, rename, delete and restore)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from carnet.entities import LifecycleStage, Metric, Param, Run, RunInfo, RunStatus, RunTag
from carnet.exceptions import AlreadyExists, InvalidName, InvalidState, NotFound, RunNotActive
from carnet.store import LogBatch, NewRun, TrackingStore
from carnet.utils import now_ms

MakeRun = Callable[..., Run]


def test_create_with_every_field_reads_back(
    store: TrackingStore, experiment_id: str, make_run: MakeRun
) -> None:
    parent = make_run(run_name="parent", start_time=500)
    created = make_run(
        run_name="child",
        start_time=1_700_000_000_000,
        user_id="alice",
        parent_run_id=parent.info.run_id,
        source_type="LOCAL",
        source_name="train.py",
        git_commit="0123456789abcdef0123456789abcdef01234567",
        git_dirty=True,
        description="a careful run",
        tags={"team": "vision", "stage": "dev"},
    )
    run_id = created.info.run_id
    expected = RunInfo(
        run_id=run_id,
        experiment_id=experiment_id,
        run_name="child",
        status=RunStatus.RUNNING,
        start_time=1_700_000_000_000,
        end_time=None,
        artifact_uri=str(Path(store.get_experiment(experiment_id).artifact_location) / run_id / "artifacts"),
        lifecycle_stage=LifecycleStage.ACTIVE,
        user_id="alice",
        parent_run_id=parent.info.run_id,
        source_type="LOCAL",
        source_name="train.py",
        git_commit="0123456789abcdef0123456789abcdef01234567",
        git_dirty=True,
        description="a careful run",
    )
    assert created.info == expected
    got = store.get_run(run_id)
    assert got.info == expected
    assert got.info.run_uuid == run_id
    assert got.data.tags == {"team": "vision", "stage": "dev"}
    assert got.data.params == {}
    assert got.data.metrics == {}
    assert re.fullmatch(r"[0-9a-f]{32}", run_id)


def test_defaults_of_a_bare_run(store: TrackingStore, experiment_id: str) -> None:
    before = now_ms()
    run = store.create_run(NewRun(experiment_id))
    after = now_ms()
    info = run.info
    assert before <= info.start_time <= after
    assert info.status is RunStatus.RUNNING
    assert info.end_time is None
    assert (info.user_id, info.source_type, info.source_name, info.description) == ("", "", "", "")
    assert (info.parent_run_id, info.git_commit, info.git_dirty) == (None, None, None)
    assert store.get_run(info.run_id).info == info


@pytest.mark.parametrize("dirty", [False, True])
def test_git_dirty_false_is_not_none(store: TrackingStore, make_run: MakeRun, dirty: bool) -> None:
    run_id = make_run(git_commit="abc", git_dirty=dirty).info.run_id
    assert store.get_run(run_id).info.git_dirty is dirty


def test_generated_name_when_none(store: TrackingStore, make_run: MakeRun) -> None:
    names = {make_run().info.run_name for _ in range(3)}
    names.add(make_run(run_name="").info.run_name)
    for name in names:
        assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", name), name


def test_artifact_uri_under_the_experiment_location(store: TrackingStore, tmp_path: Path) -> None:
    location = tmp_path / "exp-files"
    experiment_id = store.create_experiment("located", artifact_location=str(location))
    run = store.create_run(NewRun(experiment_id))
    assert run.info.artifact_uri == str(location / run.info.run_id / "artifacts")
    default_run = store.create_run(NewRun("0"))
    expected = (tmp_path / "artifacts").resolve() / "0" / default_run.info.run_id / "artifacts"
    assert default_run.info.artifact_uri == str(expected)


@pytest.mark.parametrize("status", [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED])
def test_end_with_explicit_end_time(store: TrackingStore, make_run: MakeRun, status: RunStatus) -> None:
    run_id = make_run(start_time=1000).info.run_id
    info = store.update_run(run_id, status=status, end_time=5000)
    assert (info.status, info.end_time) == (status, 5000)
    got = store.get_run(run_id).info
    assert (got.status, got.end_time, got.start_time) == (status, 5000, 1000)


@pytest.mark.parametrize("status", [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED])
def test_end_sets_end_time_to_now(store: TrackingStore, make_run: MakeRun, status: RunStatus) -> None:
    run_id = make_run().info.run_id
    before = now_ms()
    info = store.update_run(run_id, status=status)
    after = now_ms()
    assert info.status is status
    assert info.end_time is not None
    assert before <= info.end_time <= after
    assert store.get_run(run_id).info.end_time == info.end_time


@pytest.mark.parametrize("first", [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED])
def test_finished_run_cannot_end_again_with_another_status(
    store: TrackingStore, make_run: MakeRun, first: RunStatus
) -> None:
    run_id = make_run().info.run_id
    store.update_run(run_id, status=first, end_time=7000)
    for other in RunStatus:
        if other is first:
            continue
        with pytest.raises(RunNotActive) as info:
            store.update_run(run_id, status=other, end_time=9000)
        assert run_id in info.value.message
        assert info.value.error_code == "INVALID_STATE"
    got = store.get_run(run_id).info
    assert (got.status, got.end_time) == (first, 7000)


def test_update_name_and_description(store: TrackingStore, make_run: MakeRun) -> None:
    created = make_run(run_name="before", description="old", user_id="u")
    run_id = created.info.run_id
    info = store.update_run(run_id, run_name="after")
    assert (info.run_name, info.description) == ("after", "old")
    info = store.update_run(run_id, description="new text")
    assert (info.run_name, info.description) == ("after", "new text")
    got = store.get_run(run_id).info
    assert got.run_name == "after"
    assert got.description == "new text"
    assert got.status is RunStatus.RUNNING
    assert got.user_id == "u"
    assert got.end_time is None
    # Snapshots do not change afterwards.
    assert created.info.run_name == "before"


def test_name_and_description_change_on_a_finished_run(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run(run_name="x").info.run_id
    store.update_run(run_id, status=RunStatus.COMPLETED, end_time=10)
    info = store.update_run(run_id, run_name="renamed", description="after the fact")
    assert (info.run_name, info.description, info.status, info.end_time) == (
        "renamed",
        "after the fact",
        RunStatus.COMPLETED,
        10,
    )


def test_delete_and_restore(store: TrackingStore, experiment_id: str, make_run: MakeRun) -> None:
    run_id = make_run().info.run_id
    store.delete_run(run_id)
    assert store.get_run(run_id).info.lifecycle_stage is LifecycleStage.DELETED
    assert store.search_runs([experiment_id]).runs == []
    store.restore_run(run_id)
    got = store.get_run(run_id).info
    assert got.lifecycle_stage is LifecycleStage.ACTIVE
    assert got.status is RunStatus.RUNNING
    assert [r.info.run_id for r in store.search_runs([experiment_id]).runs] == [run_id]


def test_unknown_run_is_not_found_naming_it(store: TrackingStore) -> None:
    missing = "f" * 32
    calls = {
        "get_run": lambda: store.get_run(missing),
        "update_run": lambda: store.update_run(missing, status=RunStatus.COMPLETED),
        "delete_run": lambda: store.delete_run(missing),
        "restore_run": lambda: store.restore_run(missing),
        "log_batch": lambda: store.log_batch(missing, LogBatch(params=[Param("a", "1")])),
        "log_batch empty": lambda: store.log_batch(missing, LogBatch()),
        "get_metric_history": lambda: store.get_metric_history(missing, "loss"),
        "get_metric_infos": lambda: store.get_metric_infos(missing),
        "get_metric_records": lambda: store.get_metric_records(missing, "loss"),
    }
    for name, call in calls.items():
        with pytest.raises(NotFound) as info:
            call()
        assert missing in info.value.message, name
        assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_unknown_parent_is_not_found(store: TrackingStore, experiment_id: str, make_run: MakeRun) -> None:
    with pytest.raises(NotFound, match="e" * 32):
        make_run(parent_run_id="e" * 32)
    assert store.search_runs([experiment_id]).runs == []


def test_parent_in_another_experiment_is_invalid_state(
    store: TrackingStore, experiment_id: str, make_run: MakeRun
) -> None:
    other = store.create_experiment("other")
    parent = store.create_run(NewRun(other))
    with pytest.raises(InvalidState) as info:
        make_run(parent_run_id=parent.info.run_id)
    assert parent.info.run_id in info.value.message
    assert store.search_runs([experiment_id]).runs == []


def test_run_snapshot_does_not_follow_later_writes(store: TrackingStore, make_run: MakeRun) -> None:
    run = make_run(tags={"a": "1"})
    store.log_batch(
        run.info.run_id,
        LogBatch(metrics=[Metric("m", 1.0, 1, 0)], params=[Param("p", "v")], tags=[RunTag("a", "2")]),
    )
    assert run.data.tags == {"a": "1"}
    assert run.data.params == {}
    assert run.data.metrics == {}
    got = store.get_run(run.info.run_id)
    assert got.data.tags == {"a": "2"}
    assert got.data.params == {"p": "v"}
    assert got.data.metrics == {"m": 1.0}


def test_create_with_a_given_run_id_keeps_it(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = uuid.uuid4().hex
    run = make_run(run_id=run_id, run_name="offline")
    assert run.info.run_id == run_id
    assert run.info.artifact_uri.rstrip("/").endswith(f"{run_id}/artifacts")
    assert store.get_run(run_id).info.run_name == "offline"


def test_create_with_a_taken_run_id_is_refused(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run().info.run_id
    with pytest.raises(AlreadyExists, match=run_id):
        make_run(run_id=run_id, run_name="second")
    assert store.get_run(run_id).info.run_name != "second"


@pytest.mark.parametrize("bad", ["ABCDEF0123456789ABCDEF0123456789", "abc", "../" + "a" * 29, ""])
def test_create_with_a_malformed_run_id_is_refused(make_run: MakeRun, bad: str) -> None:
    with pytest.raises(InvalidName, match="run_id"):
        make_run(run_id=bad)

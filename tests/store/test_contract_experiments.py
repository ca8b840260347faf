"""Store contract: experiments (create, read, rename, tag, soft delete and restore)."""

from __future__ import annotations

from pathlib import Path

import pytest

from carnet.entities import LifecycleStage, ViewType
from carnet.exceptions import AlreadyExists, InvalidArgument, InvalidState, NotFound
from carnet.store import NewRun, TrackingStore
from carnet.utils import now_ms


def _artifact_root(tmp_path: Path) -> Path:
    # The ``store`` fixture puts artifacts under <tmp_path>/artifacts.
    return (tmp_path / "artifacts").resolve()


def _ids(experiments: list) -> list[str]:  # type: ignore[type-arg]
    return [e.experiment_id for e in experiments]


def test_default_experiment_exists(store: TrackingStore, tmp_path: Path) -> None:
    default = store.get_experiment("0")
    assert default.experiment_id == "0"
    assert default.name == "Default"
    assert default.lifecycle_stage is LifecycleStage.ACTIVE
    assert default.artifact_location == str(_artifact_root(tmp_path) / "0")
    assert default.tags == {}
    assert store.get_experiment_by_name("Default") == default
    assert _ids(store.search_experiments()) == ["0"]


def test_create_returns_digit_id_and_reads_back(store: TrackingStore, tmp_path: Path) -> None:
    before = now_ms()
    experiment_id = store.create_experiment("exp-a", tags={"team": "vision", "owner": "ana"})
    after = now_ms()
    assert isinstance(experiment_id, str)
    assert experiment_id.isdigit()
    assert experiment_id != "0"

    got = store.get_experiment(experiment_id)
    assert got.experiment_id == experiment_id
    assert got.name == "exp-a"
    assert got.lifecycle_stage is LifecycleStage.ACTIVE
    assert got.artifact_location == str(_artifact_root(tmp_path) / experiment_id)
    assert got.tags == {"team": "vision", "owner": "ana"}
    assert before <= got.creation_time <= after
    assert got.last_update_time == got.creation_time
    assert store.get_experiment_by_name("exp-a") == got


def test_ids_are_distinct_and_listed_in_id_order(store: TrackingStore) -> None:
    first = store.create_experiment("first")
    second = store.create_experiment("second")
    assert first != second
    assert int(second) > int(first)
    assert _ids(store.search_experiments()) == ["0", first, second]
    assert [e.name for e in store.search_experiments(name_like="s%")] == ["second"]
    assert [e.name for e in store.search_experiments(name_like="%st")] == ["first"]


def test_explicit_artifact_location_is_kept(store: TrackingStore, tmp_path: Path) -> None:
    location = str(tmp_path / "elsewhere")
    experiment_id = store.create_experiment("located", artifact_location=location)
    assert store.get_experiment(experiment_id).artifact_location == location


@pytest.mark.parametrize("bad", ["s3://bucket/x/../y", "runs:/abc/artifacts", "/data/x?y=1", "ftp://host/x"])
def test_unsafe_artifact_location_is_refused(store: TrackingStore, bad: str) -> None:
    with pytest.raises(InvalidArgument, match="artifact_location"):
        store.create_experiment("unsafe", artifact_location=bad)
    assert store.get_experiment_by_name("unsafe") is None


def test_unknown_name_is_none(store: TrackingStore) -> None:
    assert store.get_experiment_by_name("nope") is None


def test_duplicate_name_is_already_exists(store: TrackingStore) -> None:
    experiment_id = store.create_experiment("dup")
    with pytest.raises(AlreadyExists) as info:
        store.create_experiment("dup")
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert "dup" in info.value.message
    # A deleted experiment keeps its name taken.
    store.delete_experiment(experiment_id)
    with pytest.raises(AlreadyExists):
        store.create_experiment("dup")
    assert _ids(store.search_experiments(ViewType.ALL)) == ["0", experiment_id]


def test_unknown_id_is_not_found_naming_it(store: TrackingStore) -> None:
    with pytest.raises(NotFound) as info:
        store.get_experiment("98765")
    assert "98765" in info.value.message
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    for call in (
        lambda: store.rename_experiment("98765", "x"),
        lambda: store.delete_experiment("98765"),
        lambda: store.restore_experiment("98765"),
        lambda: store.set_experiment_tag("98765", "k", "v"),
        lambda: store.create_run(NewRun(experiment_id="98765")),
    ):
        with pytest.raises(NotFound, match="98765"):
            call()


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "", "-1"])
def test_non_numeric_id_is_invalid_argument(store: TrackingStore, bad_id: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.get_experiment(bad_id)
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(InvalidArgument):
        store.create_run(NewRun(experiment_id=bad_id))
    with pytest.raises(InvalidArgument):
        store.search_runs([bad_id])


def test_rename(store: TrackingStore) -> None:
    experiment_id = store.create_experiment("old-name")
    created = store.get_experiment(experiment_id)
    store.rename_experiment(experiment_id, "new-name")
    renamed = store.get_experiment(experiment_id)
    assert renamed.name == "new-name"
    assert renamed.last_update_time >= created.last_update_time
    assert store.get_experiment_by_name("old-name") is None
    assert store.get_experiment_by_name("new-name") == renamed
    # The snapshot taken before the rename did not change.
    assert created.name == "old-name"
    # Renaming onto its own name is allowed, and the old name is free again.
    store.rename_experiment(experiment_id, "new-name")
    reused = store.create_experiment("old-name")
    assert store.get_experiment(reused).name == "old-name"


def test_rename_onto_taken_name_fails_and_changes_nothing(store: TrackingStore) -> None:
    a = store.create_experiment("a")
    store.create_experiment("b")
    with pytest.raises(AlreadyExists):
        store.rename_experiment(a, "b")
    with pytest.raises(AlreadyExists):
        store.rename_experiment(a, "Default")
    assert store.get_experiment(a).name == "a"
    assert sorted(e.name for e in store.search_experiments()) == ["Default", "a", "b"]


def test_tags_set_and_overwrite(store: TrackingStore) -> None:
    experiment_id = store.create_experiment("tagged", tags={"a": "1"})
    store.set_experiment_tag(experiment_id, "b", "2")
    store.set_experiment_tag(experiment_id, "a", "changed")
    assert store.get_experiment(experiment_id).tags == {"a": "changed", "b": "2"}
    assert store.get_experiment("0").tags == {}
    [listed] = [e for e in store.search_experiments() if e.experiment_id == experiment_id]
    assert listed.tags == {"a": "changed", "b": "2"}


def test_soft_delete_and_restore(store: TrackingStore) -> None:
    keep = store.create_experiment("keep")
    gone = store.create_experiment("gone")
    store.delete_experiment(gone)

    assert store.get_experiment(gone).lifecycle_stage is LifecycleStage.DELETED
    assert _ids(store.search_experiments(ViewType.ACTIVE_ONLY)) == ["0", keep]
    assert _ids(store.search_experiments(ViewType.DELETED_ONLY)) == [gone]
    assert _ids(store.search_experiments(ViewType.ALL)) == ["0", keep, gone]
    # Still readable by id and by name.
    assert store.get_experiment_by_name("gone") is not None

    store.restore_experiment(gone)
    assert store.get_experiment(gone).lifecycle_stage is LifecycleStage.ACTIVE
    assert _ids(store.search_experiments(ViewType.ACTIVE_ONLY)) == ["0", keep, gone]
    assert _ids(store.search_experiments(ViewType.DELETED_ONLY)) == []


def test_runs_follow_their_experiment_stage(store: TrackingStore) -> None:
    experiment_id = store.create_experiment("with-runs")
    other = store.create_experiment("other")
    run_a = store.create_run(NewRun(experiment_id, run_name="a", start_time=1000)).info.run_id
    run_b = store.create_run(NewRun(experiment_id, run_name="b", start_time=2000)).info.run_id
    bystander = store.create_run(NewRun(other, run_name="c")).info.run_id

    store.delete_experiment(experiment_id)
    assert store.get_run(run_a).info.lifecycle_stage is LifecycleStage.DELETED
    assert store.get_run(run_b).info.lifecycle_stage is LifecycleStage.DELETED
    assert store.get_run(bystander).info.lifecycle_stage is LifecycleStage.ACTIVE
    assert store.search_runs([experiment_id]).runs == []
    deleted = store.search_runs([experiment_id], view_type=ViewType.DELETED_ONLY).runs
    assert [r.info.run_id for r in deleted] == [run_b, run_a]

    store.restore_experiment(experiment_id)
    assert store.get_run(run_a).info.lifecycle_stage is LifecycleStage.ACTIVE
    assert [r.info.run_id for r in store.search_runs([experiment_id]).runs] == [run_b, run_a]


def test_default_experiment_cannot_be_deleted(store: TrackingStore) -> None:
    with pytest.raises(InvalidArgument, match="Default"):
        store.delete_experiment("0")
    assert store.get_experiment("0").lifecycle_stage is LifecycleStage.ACTIVE


def test_run_in_deleted_experiment_is_invalid_state(store: TrackingStore) -> None:
    experiment_id = store.create_experiment("deleted-one")
    store.delete_experiment(experiment_id)
    with pytest.raises(InvalidState) as info:
        store.create_run(NewRun(experiment_id))
    assert info.value.error_code == "INVALID_STATE"
    assert store.search_runs([experiment_id], view_type=ViewType.ALL).runs == []
    store.restore_experiment(experiment_id)
    assert store.create_run(NewRun(experiment_id)).info.experiment_id == experiment_id

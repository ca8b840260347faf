"""``carnet.Client``: explicit, synchronous access to experiments, runs, metrics and files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import carnet
from carnet import Client, Metric, Param, RunStatus, RunTag, ViewType
from carnet.exceptions import (
    AlreadyExists,
    InvalidArgument,
    InvalidName,
    InvalidValue,
    LimitExceeded,
    NotFound,
    ParamConflict,
    RunNotActive,
)


@pytest.fixture
def client(store_uri: str) -> Client:
    return Client(store_uri)


@pytest.fixture
def sqlite_client(sqlite_uri: str) -> Client:
    return Client(sqlite_uri)


# -- experiments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["s3://bucket/a/%2e%2e/b", "models:/m/1", "/data/x#frag"])
def test_create_experiment_checks_the_artifact_location(sqlite_client: Client, bad: str) -> None:
    with pytest.raises(InvalidName, match="artifact_location"):
        sqlite_client.create_experiment("located", artifact_location=bad)
    with pytest.raises(InvalidName, match="artifact_location"):
        carnet.create_experiment("located", artifact_location=bad)
    assert sqlite_client.get_experiment_by_name("located") is None


def test_experiment_lifecycle(client: Client) -> None:
    experiment_id = client.create_experiment("exp-a", tags={"owner": "ana"})
    assert isinstance(experiment_id, str)
    info = client.get_experiment(experiment_id)
    assert info.name == "exp-a"
    assert info.tags == {"owner": "ana"}
    assert info.lifecycle_stage.value == "active"
    assert client.get_experiment_by_name("exp-a") == info
    assert client.get_experiment_by_name("missing") is None
    assert [e.name for e in client.search_experiments()] == ["Default", "exp-a"]

    client.rename_experiment(experiment_id, "exp-b")
    assert client.get_experiment(experiment_id).name == "exp-b"
    assert client.get_experiment_by_name("exp-a") is None

    client.set_experiment_tag(experiment_id, "stage", "dev")
    client.set_experiment_tag(experiment_id, "owner", "bo")
    assert client.get_experiment(experiment_id).tags == {"owner": "bo", "stage": "dev"}

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage.value == "deleted"
    assert [e.name for e in client.search_experiments()] == ["Default"]
    assert [e.name for e in client.search_experiments(ViewType.DELETED_ONLY)] == ["exp-b"]
    assert [e.name for e in client.search_experiments(ViewType.ALL)] == ["Default", "exp-b"]

    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage.value == "active"


def test_experiment_errors(sqlite_client: Client) -> None:
    client = sqlite_client
    experiment_id = client.create_experiment("taken")
    with pytest.raises(AlreadyExists, match="'taken' exists already"):
        client.create_experiment("taken")
    other = client.create_experiment("other")
    with pytest.raises(AlreadyExists):
        client.rename_experiment(other, "taken")
    with pytest.raises(NotFound, match="experiment 404 does not exist"):
        client.get_experiment("404")
    with pytest.raises(InvalidArgument, match="not a valid experiment id"):
        client.get_experiment("abc")
    with pytest.raises(InvalidName) as info:
        client.create_experiment("../x")
    assert info.value.field == "name"
    with pytest.raises(LimitExceeded):
        client.rename_experiment(experiment_id, "x" * 300)
    with pytest.raises(InvalidArgument, match="Default experiment cannot be deleted"):
        client.delete_experiment("0")
    with pytest.raises(InvalidName):
        client.set_experiment_tag(experiment_id, "", "v")
    assert [e.name for e in client.search_experiments()] == ["Default", "taken", "other"]
    assert client.get_experiment(experiment_id).tags == {}


# -- runs -----------------------------------------------------------------------------------------


def test_run_lifecycle(client: Client) -> None:
    experiment_id = client.create_experiment("runs")
    run = client.create_run(experiment_id, run_name="r1", tags={"k": "v"}, start_time=1_700_000_000_000)
    run_id = run.info.run_id
    assert run.info.status is RunStatus.RUNNING
    assert run.info.run_name == "r1"
    assert run.info.start_time == 1_700_000_000_000
    assert run.data.tags == {"k": "v"}
    assert client.get_run(run_id) == run

    info = client.update_run(run_id, name="renamed")
    assert info.run_name == "renamed" and info.status is RunStatus.RUNNING
    info = client.set_terminated(run_id, "FAILED", end_time=1_700_000_100_000)
    assert info.status is RunStatus.FAILED and info.end_time == 1_700_000_100_000
    assert client.get_run(run_id).info.status is RunStatus.FAILED

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage.value == "deleted"
    assert client.search_runs([experiment_id]) == []
    assert [
        r.info.run_id for r in client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    ] == [run_id]
    client.restore_run(run_id)
    assert [r.info.run_id for r in client.search_runs([experiment_id])] == [run_id]


def test_set_terminated_defaults_to_finished_and_child_runs(sqlite_client: Client) -> None:
    client = sqlite_client
    parent = client.create_run("0").info.run_id
    child = client.create_run("0", parent_run_id=parent)
    assert child.info.parent_run_id == parent
    assert client.set_terminated(parent).status is RunStatus.COMPLETED
    assert client.get_run(parent).info.end_time is not None
    with pytest.raises(RunNotActive, match="already ended as Completed"):
        client.update_run(parent, status="RUNNING")
    with pytest.raises(InvalidValue, match="unknown run status"):
        client.set_terminated(child.info.run_id, "DONE")
    with pytest.raises(NotFound, match="run nope does not exist"):
        client.get_run("nope")


def test_create_run_in_a_deleted_experiment_is_refused(sqlite_client: Client) -> None:
    experiment_id = sqlite_client.create_experiment("gone")
    sqlite_client.delete_experiment(experiment_id)
    with pytest.raises(carnet.CarnetError, match="is deleted"):
        sqlite_client.create_run(experiment_id)
    with pytest.raises(InvalidName):
        sqlite_client.create_run("0", run_name="")


# -- logging --------------------------------------------------------------------------------------


def test_log_metric_param_and_tags(client: Client) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_metric(run_id, "loss", 1.0)
    client.log_metric(run_id, "loss", 0.5, step=1, timestamp=1_700_000_000_000)
    client.log_metric(run_id, "loss", 0.25, step=2)
    assert client.log_param(run_id, "alpha", 0.1) == 0.1
    client.log_param(run_id, "alpha", 0.1)
    with pytest.raises(ParamConflict):
        client.log_param(run_id, "alpha", 0.2)
    client.set_tag(run_id, "a", "1")
    client.set_tag(run_id, "b", 2)
    client.set_tag(run_id, "a", "changed")
    client.delete_tag(run_id, "b")
    history = client.get_metric_history(run_id, "loss")
    assert [(m.key, m.step, m.value) for m in history] == [
        ("loss", 0, 1.0),
        ("loss", 1, 0.5),
        ("loss", 2, 0.25),
    ]
    assert history[1].timestamp == 1_700_000_000_000
    assert client.get_metric_history(run_id, "missing") == []
    data = client.get_run(run_id).data
    assert data.metrics == {"loss": 0.25}
    assert data.params == {"alpha": "0.1"}
    assert data.tags == {"a": "changed"}


def test_logging_validates_and_writes_nothing_on_error(sqlite_client: Client) -> None:
    client = sqlite_client
    run_id = client.create_run("0").info.run_id
    with pytest.raises(InvalidValue, match="m: expected a number"):
        client.log_metric(run_id, "m", "x")
    with pytest.raises(InvalidName):
        client.log_metric(run_id, "../m", 1.0)
    with pytest.raises(InvalidValue, match="step: expected an integer"):
        client.log_metric(run_id, "m", 1.0, step=0.5)  # type: ignore[arg-type]
    with pytest.raises(LimitExceeded):
        client.log_param(run_id, "p", "x" * 6001)
    with pytest.raises(InvalidName):
        client.set_tag(run_id, "", "v")
    with pytest.raises(NotFound):
        client.log_metric("nope", "m", 1.0)
    stored = client.get_run(run_id)
    assert stored.data.metrics == {} and stored.data.params == {} and stored.data.tags == {}
    client.set_terminated(run_id)
    with pytest.raises(RunNotActive):
        client.log_metric(run_id, "m", 1.0)
    with pytest.raises(RunNotActive):
        client.log_param(run_id, "p", 1)


def test_log_batch(client: Client) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric("m", float(i), 1_700_000_000_000 + i, i) for i in range(5)] + [Metric("n", 1, 0, 0)],
        params=[Param("p1", "a"), Param("p2", "b")],
        tags=[RunTag("t", "x")],
    )
    client.log_batch(run_id)  # an empty batch is fine
    data = client.get_run(run_id).data
    assert data.metrics == {"m": 4.0, "n": 1.0}
    assert data.params == {"p1": "a", "p2": "b"}
    assert data.tags == {"t": "x"}
    assert [m.value for m in client.get_metric_history(run_id, "m")] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_log_batch_limits_and_bad_items_write_nothing(sqlite_client: Client) -> None:
    client = sqlite_client
    run_id = client.create_run("0").info.run_id
    too_many = [
        ({"metrics": [Metric("m", 1.0, 0, i) for i in range(10_001)]}, "metrics", "10001 in one batch"),
        ({"params": [Param(f"p{i}", "v") for i in range(1001)]}, "params", "1001 in one batch"),
        ({"tags": [RunTag(f"t{i}", "v") for i in range(1001)]}, "tags", "1001 in one batch"),
    ]
    for kwargs, field, message in too_many:
        with pytest.raises(LimitExceeded, match=message) as info:
            client.log_batch(run_id, **kwargs)  # type: ignore[arg-type]
        assert info.value.field == field
    with pytest.raises(InvalidValue):
        client.log_batch(run_id, metrics=[Metric("ok", 1.0, 0, 0), Metric("bad", "x", 0, 0)])  # type: ignore[arg-type]
    with pytest.raises(InvalidName):
        client.log_batch(run_id, metrics=[Metric("ok", 1.0, 0, 0)], params=[Param("", "v")])
    with pytest.raises(ParamConflict):
        client.log_batch(run_id, metrics=[Metric("ok", 1.0, 0, 0)], params=[Param("p", "1"), Param("p", "2")])
    stored = client.get_run(run_id)
    assert stored.data.metrics == {} and stored.data.params == {} and stored.data.tags == {}
    # Exactly at the limits is fine.
    client.log_batch(
        run_id,
        metrics=[Metric("m", 1.0, 0, i) for i in range(10_000)],
        params=[Param(f"p{i}", "v") for i in range(1000)],
        tags=[RunTag(f"t{i}", "v") for i in range(1000)],
    )
    assert len(client.get_metric_history(run_id, "m")) == 10_000
    assert len(client.get_run(run_id).data.params) == 1000


# -- search ---------------------------------------------------------------------------------------


def test_search_runs_paging_with_token(client: Client) -> None:
    experiment_id = client.create_experiment("paged")
    ids = []
    for i in range(7):
        run_id = client.create_run(experiment_id, run_name=f"r{i}").info.run_id
        client.log_metric(run_id, "score", float(i))
        ids.append(run_id)
        time.sleep(0.002)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.search_runs(
            [experiment_id], max_results=3, page_token=token, order_by=["metrics.score DESC"]
        )
        seen.extend(r.info.run_id for r in page)
        pages += 1
        token = page.token
        if token is None:
            break
    assert pages == 3
    assert seen == list(reversed(ids))
    first = client.search_runs([experiment_id], max_results=3)
    assert len(first) == 3 and isinstance(first, list) and first.token is not None
    everything = client.search_runs([experiment_id])
    assert [r.info.run_id for r in everything] == list(reversed(ids))  # newest first
    assert everything.token is None
    filtered = client.search_runs([experiment_id], filter_string="metrics.score >= 5")
    assert {r.info.run_id for r in filtered} == set(ids[5:])
    with pytest.raises(InvalidArgument, match="max_results"):
        client.search_runs([experiment_id], max_results=0)
    with pytest.raises(NotFound):
        client.search_runs(["12345"])


# -- files ----------------------------------------------------------------------------------------


def test_artifacts(client: Client, tmp_path: Path) -> None:
    run_id = client.create_run("0").info.run_id
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "model.txt").write_text("weights")
    (tmp_path / "in" / "sub" / "b.txt").write_text("b")
    client.log_artifact(run_id, tmp_path / "in" / "model.txt")
    client.log_artifact(run_id, str(tmp_path / "in" / "model.txt"), artifact_path="backup")
    client.log_artifacts(run_id, tmp_path / "in", artifact_path="all")

    top = client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in top] == [("all", True), ("backup", True), ("model.txt", False)]
    assert top[2].file_size == len("weights")
    assert [(f.path, f.is_dir) for f in client.list_artifacts(run_id, "all")] == [
        ("all/model.txt", False),
        ("all/sub", True),
    ]
    assert client.list_artifacts(run_id, "nothing-here") == []

    out = tmp_path / "out"
    out.mkdir()
    copied = client.download_artifacts(run_id, "backup/model.txt", out)
    assert copied == str(out / "model.txt")
    assert Path(copied).read_text() == "weights"
    folder = client.download_artifacts(run_id, "all", out)
    assert Path(folder, "sub", "b.txt").read_text() == "b"
    default = client.download_artifacts(run_id, "model.txt")
    assert Path(default) == Path.cwd() / "model.txt"
    with pytest.raises(NotFound, match=r"no file 'missing\.txt'"):
        client.download_artifacts(run_id, "missing.txt", out)
    with pytest.raises(InvalidName):
        client.download_artifacts(run_id, "../../carnet.db", out)
    with pytest.raises(InvalidName):
        client.log_artifact(run_id, tmp_path / "in" / "model.txt", artifact_path="../..")


def test_client_follows_the_module_tracking_uri(sqlite_uri: str) -> None:
    carnet.set_tracking_uri(sqlite_uri)
    assert Client().workspace.tracking_uri == sqlite_uri
    with carnet.start_run() as run:
        carnet.log_metric("m", 1.0)
    assert Client().get_run(run.id).data.metrics == {"m": 1.0}

"""The unmodified mlflow 3.17.2 client against a carnet server."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from carnet.entities import Metric, Param, RunStatus, RunTag
from carnet.store.base import LogBatch, NewRun

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def test_fluent_flow_is_stored_in_carnet(mlflow_server, tmp_path: Path) -> None:
    import mlflow

    exp_id = mlflow.set_experiment("demo-exp").experiment_id
    assert exp_id.isdigit()
    with mlflow.start_run(run_name="r1") as run:
        run_id = run.info.run_id
        assert run.info.artifact_uri == f"mlflow-artifacts:/{exp_id}/{run_id}/artifacts"
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"a": 1, "b": "x"})
        mlflow.log_metric("loss", 1.0, step=0)
        mlflow.log_metrics({"loss": 0.5, "acc": 0.9}, step=1)
        mlflow.log_metric("nan", float("nan"))
        mlflow.set_tag("team", "ml")
        mlflow.set_tags({"x": "1", "y": "2"})
    got = mlflow.get_run(run_id)
    assert got.info.status == "FINISHED"
    assert got.info.run_name == "r1"
    assert got.data.params == {"alpha": "0.5", "a": "1", "b": "x"}
    assert got.data.metrics["loss"] == 0.5 and got.data.metrics["acc"] == 0.9
    assert math.isnan(got.data.metrics["nan"])
    assert got.data.tags["team"] == "ml" and got.data.tags["mlflow.runName"] == "r1"
    assert got.data.tags["mlflow.source.type"] == "LOCAL"

    # the same run seen from carnet's side
    stored = mlflow_server.store.get_run(run_id)
    assert stored.info.status is RunStatus.COMPLETED
    assert stored.info.run_name == "r1"
    assert stored.info.source_type == "LOCAL"
    assert stored.data.params == {"alpha": "0.5", "a": "1", "b": "x"}
    assert stored.data.metrics["acc"] == 0.9
    assert stored.data.tags["team"] == "ml"
    assert "mlflow.runName" not in stored.data.tags  # kept in the run's column
    history = mlflow_server.store.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5)]

    client = mlflow.MlflowClient(mlflow_server.url)
    points = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in points] == [(0, 1.0), (1, 0.5)]
    client.set_tag(run_id, "mlflow.runName", "renamed")
    assert mlflow_server.store.get_run(run_id).info.run_name == "renamed"


def test_carnet_run_is_visible_to_mlflow(mlflow_server) -> None:
    from mlflow import MlflowClient

    store = mlflow_server.store
    exp = store.create_experiment("from-carnet")
    run = store.create_run(NewRun(experiment_id=exp, run_name="native", user_id="ada"))
    store.log_batch(
        run.info.run_id,
        LogBatch(
            metrics=[Metric("rmse", 3.0, 1000, 0), Metric("rmse", 2.0, 2000, 5)],
            params=[Param("lr", "0.1")],
            tags=[RunTag("k", "v")],
        ),
    )
    store.update_run(run.info.run_id, RunStatus.FAILED)
    got = MlflowClient(mlflow_server.url).get_run(run.info.run_id)
    assert got.info.experiment_id == exp
    assert got.info.status == "FAILED"
    assert got.info.run_name == "native"
    assert got.data.params == {"lr": "0.1"}
    assert got.data.metrics == {"rmse": 2.0}
    assert got.data.tags["k"] == "v" and got.data.tags["mlflow.user"] == "ada"
    assert got.data.tags["mlflow.runName"] == "native"


def test_client_calls_batches_and_errors(mlflow_server) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import Metric as MMetric
    from mlflow.entities import Param as MParam
    from mlflow.entities import RunTag as MRunTag
    from mlflow.exceptions import MlflowException, RestException

    client = MlflowClient(mlflow_server.url)
    assert client.get_experiment_by_name("nope") is None
    exp_id = client.create_experiment("exp-a", tags={"owner": "me"})
    assert client.get_experiment(exp_id).tags == {"owner": "me"}
    with pytest.raises(RestException) as info:
        client.create_experiment("exp-a")
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(RestException) as info:
        client.get_experiment("999")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    run = client.create_run(exp_id, run_name="b1", tags={"mlflow.source.git.commit": "abc"})
    run_id = run.info.run_id
    client.log_batch(
        run_id,
        metrics=[MMetric("m", float(i), 1000 + i, i) for i in range(5)],
        params=[MParam("p", "1")],
        tags=[MRunTag("t", "v")],
    )
    client.log_param(run_id, "p", "1")  # the same value again is fine
    with pytest.raises(MlflowException) as failure:
        client.log_param(run_id, "p", "2")
    assert "INVALID_PARAMETER_VALUE" in str(failure.value.error_code)
    client.delete_tag(run_id, "t")
    got = client.get_run(run_id)
    assert "t" not in got.data.tags
    assert got.data.tags["mlflow.source.git.commit"] == "abc"
    assert mlflow_server.store.get_run(run_id).info.git_commit == "abc"
    assert len(client.get_metric_history(run_id, "m")) == 5
    client.set_terminated(run_id)
    assert client.get_run(run_id).info.status == "FINISHED"

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"

    client.rename_experiment(exp_id, "exp-b")
    assert client.get_experiment_by_name("exp-b").experiment_id == exp_id
    client.set_experiment_tag(exp_id, "stage", "dev")
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    names = [e.name for e in client.search_experiments(filter_string="name LIKE 'exp-%'")]
    assert names == ["exp-b"]
    assert [e.name for e in client.search_experiments(filter_string="tags.stage = 'dev'")] == ["exp-b"]
    assert {"Default", "exp-b"} <= {e.name for e in client.search_experiments()}


def test_search_runs_filter_order_and_pages(mlflow_server) -> None:
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    exp_id = mlflow.set_experiment("search").experiment_id
    for i in range(5):
        with mlflow.start_run(run_name=f"r{i}"):
            mlflow.log_param("alpha", "0.5" if i % 2 == 0 else "1")
            mlflow.log_metric("loss", float(i))
    frame = mlflow.search_runs(
        experiment_names=["search"],
        filter_string="metrics.loss < 4 and params.alpha = '0.5'",
        order_by=["metrics.loss DESC"],
    )
    assert list(frame["tags.mlflow.runName"]) == ["r2", "r0"]
    assert list(frame["metrics.loss"]) == [2.0, 0.0]
    assert set(frame["status"]) == {"FINISHED"}

    client = MlflowClient(mlflow_server.url)
    seen = []
    token = None
    while True:
        page = client.search_runs(
            [exp_id], order_by=["attributes.run_name ASC"], max_results=2, page_token=token
        )
        seen += [r.info.run_name for r in page]
        token = page.token
        if not token:
            break
    assert seen == ["r0", "r1", "r2", "r3", "r4"]
    with pytest.raises(MlflowException) as failure:
        client.search_runs([exp_id], filter_string="metrics.loss = abc")
    assert failure.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as failure:
        client.search_runs([exp_id], page_token="not-a-token")
    assert failure.value.error_code == "INVALID_PARAMETER_VALUE"


def test_artifacts_through_the_proxy(mlflow_server, tmp_path: Path) -> None:
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_experiment("arts")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    folder = tmp_path / "folder"
    (folder / "deep").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "deep" / "b.bin").write_bytes(b"\x00\x01" * 5000)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(notes))
        mlflow.log_artifact(str(notes), artifact_path="sub/dir")
        mlflow.log_artifacts(str(folder), artifact_path="tree")
    run_id = run.info.run_id
    client = MlflowClient(mlflow_server.url)
    assert [(f.path, f.is_dir) for f in client.list_artifacts(run_id)] == [
        ("notes.txt", False),
        ("sub", True),
        ("tree", True),
    ]
    assert [f.path for f in client.list_artifacts(run_id, "tree")] == ["tree/a.txt", "tree/deep"]
    # the files sit in carnet's own artifact folder of the run
    local = Path(mlflow_server.store.get_run(run_id).info.artifact_uri)
    assert (local / "sub" / "dir" / "notes.txt").read_text() == "hello"
    got = Path(
        mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="notes.txt", dst_path=str(tmp_path / "d1")
        )
    )
    assert got.read_text() == "hello"
    tree = Path(client.download_artifacts(run_id, "tree", str(tmp_path / "d2")))
    assert (tree / "deep" / "b.bin").read_bytes() == b"\x00\x01" * 5000

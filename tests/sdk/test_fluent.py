"""The MLflow-style module API (``import carnet as mlflow``), and both styles on the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import carnet
import carnet as mlflow
from carnet.exceptions import InvalidArgument, InvalidName, InvalidState, InvalidValue, NotFound


@pytest.fixture
def tracked(store_uri: str) -> str:
    """Point the module API at a fresh store (SQLite and PostgreSQL)."""
    mlflow.set_tracking_uri(store_uri)
    return store_uri


@pytest.fixture
def sqlite_tracked(sqlite_uri: str) -> str:
    mlflow.set_tracking_uri(sqlite_uri)
    return sqlite_uri


# -- where and which experiment -------------------------------------------------------------------


def test_set_tracking_uri_with_a_sqlite_uri(sqlite_uri: str, tmp_path: Path) -> None:
    mlflow.set_tracking_uri(sqlite_uri)
    assert mlflow.get_tracking_uri() == sqlite_uri
    with mlflow.start_run():
        mlflow.log_metric("m", 1.0)
    assert (tmp_path / "store" / "carnet.db").is_file()
    assert not (tmp_path / ".carnet").exists()


def test_set_tracking_uri_with_a_folder(tmp_path: Path) -> None:
    mlflow.set_tracking_uri(tmp_path / "mlruns")
    assert mlflow.get_tracking_uri() == str((tmp_path / "mlruns").resolve())
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
        mlflow.log_text("hi", "note.txt")
    assert (tmp_path / "mlruns" / "carnet.db").is_file()
    assert Path(run.info.artifact_uri, "note.txt").read_text() == "hi"
    assert Path(run.info.artifact_uri).is_relative_to(tmp_path / "mlruns")
    mlflow.set_tracking_uri(None)
    assert mlflow.get_tracking_uri() == str(tmp_path / ".carnet")


def test_default_tracking_uri_is_the_carnet_folder(tmp_path: Path) -> None:
    assert mlflow.get_tracking_uri() == str(tmp_path / ".carnet")
    assert not (tmp_path / ".carnet").exists()  # asking does not create it


def test_set_experiment_creates_and_selects(tracked: str) -> None:
    info = mlflow.set_experiment("fluent-exp")
    assert info.name == "fluent-exp"
    assert mlflow.get_experiment_by_name("fluent-exp") == info
    assert mlflow.get_experiment(info.experiment_id).name == "fluent-exp"
    assert mlflow.set_experiment("fluent-exp").experiment_id == info.experiment_id  # not twice
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == info.experiment_id
    assert [e.name for e in mlflow.search_experiments()] == ["Default", "fluent-exp"]


def test_set_experiment_by_id(tracked: str) -> None:
    experiment_id = mlflow.create_experiment("by-id", tags={"k": "v"})
    info = mlflow.set_experiment(experiment_id=experiment_id)
    assert info.name == "by-id" and info.tags == {"k": "v"}
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == experiment_id
    with pytest.raises(NotFound, match="experiment 999 does not exist"):
        mlflow.set_experiment(experiment_id="999")


def test_set_experiment_refuses_a_deleted_experiment(tracked: str) -> None:
    experiment_id = mlflow.create_experiment("gone")
    carnet.Client().delete_experiment(experiment_id)
    for call in (
        lambda: mlflow.set_experiment("gone"),
        lambda: mlflow.set_experiment(experiment_id=experiment_id),
    ):
        with pytest.raises(InvalidState, match="experiment 'gone' is deleted") as info:
            call()
        assert info.value.field == "experiment_name"
    carnet.Client().restore_experiment(experiment_id)
    assert mlflow.set_experiment("gone").experiment_id == experiment_id


def test_set_experiment_argument_checks(sqlite_tracked: str) -> None:
    with pytest.raises(InvalidArgument, match="exactly one of experiment_name or experiment_id"):
        mlflow.set_experiment()
    with pytest.raises(InvalidArgument, match="exactly one"):
        mlflow.set_experiment("a", "1")
    for bad, error in (("", InvalidName), ("../x", InvalidName), ("a" * 300, carnet.CarnetError)):
        with pytest.raises(error) as info:
            mlflow.set_experiment(bad)
        assert info.value.field == "experiment_name"  # type: ignore[attr-defined]
    assert [e.name for e in mlflow.search_experiments()] == ["Default"]


# -- runs -----------------------------------------------------------------------------------------


def test_start_run_as_a_context_manager(tracked: str) -> None:
    mlflow.set_experiment("ctx")
    with mlflow.start_run(run_name="first") as run:
        assert mlflow.active_run() is run
        assert run.info.run_name == "first"
        mlflow.log_metric("m", 1.0)
    assert mlflow.active_run() is None
    assert mlflow.last_active_run() is run
    assert mlflow.get_run(run.id).info.status is carnet.RunStatus.COMPLETED


def test_start_run_context_manager_fails_the_run_on_error(sqlite_tracked: str) -> None:
    with pytest.raises(ZeroDivisionError), mlflow.start_run() as run:
        _ = 1 / 0
    assert mlflow.get_run(run.id).info.status is carnet.RunStatus.FAILED
    assert "ZeroDivisionError" in mlflow.get_run(run.id).data.tags["carnet.error"]
    assert mlflow.active_run() is None


def test_nested_runs(tracked: str) -> None:
    mlflow.set_experiment("nested")
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            assert mlflow.active_run() is child
            assert child.info.parent_run_id == parent.id
            assert child.info.experiment_id == parent.info.experiment_id
            mlflow.log_param("fold", 1)  # goes to the innermost run
        assert mlflow.active_run() is parent
    assert mlflow.get_run(child.id).data.params == {"fold": "1"}
    assert mlflow.get_run(parent.id).data.params == {}
    frame = mlflow.search_runs(filter_string=f"tags.mlflow.parentRunId = '{parent.id}'")
    assert list(frame["run_id"]) == [child.id]


def test_a_second_top_level_run_is_refused(sqlite_tracked: str) -> None:
    with mlflow.start_run() as run:
        with pytest.raises(InvalidState, match=f"run {run.id} is already active") as info:
            mlflow.start_run()
        assert info.value.field == "nested"
        assert mlflow.active_run() is run
    assert len(mlflow.search_runs(output_format="list")) == 1


def test_end_run_status_names(sqlite_tracked: str) -> None:
    expected = {"FINISHED": "Completed", "FAILED": "Failed", "KILLED": "Canceled"}
    ids = {}
    for status in expected:
        run = mlflow.start_run()
        ids[status] = run.id
        mlflow.end_run(status)
        assert mlflow.active_run() is None
    mlflow.start_run()
    mlflow.end_run()  # the default is FINISHED
    ids["default"] = mlflow.last_active_run().id  # type: ignore[union-attr]
    expected["default"] = "Completed"
    for key, run_id in ids.items():
        assert mlflow.get_run(run_id).info.status.value == expected[key]
    frame = mlflow.search_runs()
    assert sorted(frame["status"]) == ["FAILED", "FINISHED", "FINISHED", "KILLED"]
    mlflow.end_run()  # with no active run: nothing happens
    with mlflow.start_run():
        with pytest.raises(InvalidValue, match="unknown run status 'DONE'"):
            mlflow.end_run("DONE")
        with pytest.raises(InvalidArgument, match="does not end a run"):
            mlflow.end_run("RUNNING")


def test_a_run_ended_by_another_client_does_not_stay_active(sqlite_tracked: str) -> None:
    run = mlflow.start_run()
    mlflow.log_metric("m", 1.0)
    run.flush()
    carnet.Client().set_terminated(run.id, "KILLED")  # e.g. canceled from the CLI
    mlflow.log_metric("m", 2.0)  # buffered: the run object does not know yet
    with pytest.raises(carnet.CarnetError, match="is Canceled"):
        mlflow.end_run()
    assert mlflow.active_run() is None  # not stuck: a new run can start
    with mlflow.start_run() as fresh:
        mlflow.log_metric("m", 3.0)
    assert mlflow.get_run(fresh.id).info.status is carnet.RunStatus.COMPLETED
    assert mlflow.get_run(run.id).info.status is carnet.RunStatus.CANCELED
    assert [m.value for m in carnet.Client().get_metric_history(run.id, "m")] == [1.0]


def test_resume_a_run_by_id(sqlite_tracked: str) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0, step=0)
        run_id = run.id
        mlflow.end_run()  # ended inside: the context manager leaves it alone
        assert mlflow.active_run() is None
        with pytest.raises(InvalidState, match="it cannot be resumed"):
            mlflow.start_run(run_id=run_id)
    client = carnet.Client()
    created = client.create_run("0").info.run_id  # running, e.g. started by another process
    client.log_metric(created, "m", 1.0, step=0)
    with mlflow.start_run(run_id=created) as resumed:
        assert resumed.id == created
        mlflow.log_metric("m", 2.0, step=1)
    assert [m.value for m in client.get_metric_history(created, "m")] == [1.0, 2.0]
    assert client.get_run(created).info.status is carnet.RunStatus.COMPLETED


def test_logging_without_an_active_run_starts_one(sqlite_tracked: str) -> None:
    mlflow.set_experiment("auto")
    assert mlflow.active_run() is None
    mlflow.log_metric("m", 1.0)
    run = mlflow.active_run()
    assert run is not None and run.get_status() == "Running"
    mlflow.log_param("p", 1)
    assert mlflow.active_run() is run
    assert run.info.experiment_id == mlflow.get_experiment_by_name("auto").experiment_id  # type: ignore[union-attr]
    mlflow.end_run()
    stored = mlflow.get_run(run.id)
    assert stored.data.metrics == {"m": 1.0} and stored.data.params == {"p": "1"}
    assert stored.info.status is carnet.RunStatus.COMPLETED


def test_runs_go_to_default_without_set_experiment(sqlite_tracked: str) -> None:
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == "0"
    assert mlflow.get_experiment("0").name == "Default"


# -- logging --------------------------------------------------------------------------------------


def test_params_metrics_and_tags(tracked: str) -> None:
    with mlflow.start_run() as run:
        assert mlflow.log_param("alpha", 0.5) == 0.5
        mlflow.log_params({"solver": "svd", "fit_intercept": True})
        mlflow.log_metric("loss", 1.0)
        mlflow.log_metric("loss", 0.5, step=1)
        mlflow.log_metric("loss", 0.25, step=2)
        mlflow.log_metrics({"acc": 0.8, "f1": 0.7}, step=3)
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"stage": "dev", "n": 2})
    stored = mlflow.get_run(run.id)
    assert stored.data.params == {"alpha": "0.5", "solver": "svd", "fit_intercept": "True"}
    assert stored.data.metrics == {"loss": 0.25, "acc": 0.8, "f1": 0.7}
    assert stored.data.tags == {"team": "vision", "stage": "dev", "n": "2"}
    history = carnet.Client().get_metric_history(run.id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5), (2, 0.25)]
    assert [m.step for m in carnet.Client().get_metric_history(run.id, "acc")] == [3]


def test_log_metric_step_defaults_to_zero(sqlite_tracked: str) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
        mlflow.log_metric("m", 2.0)
    assert [(m.step, m.value) for m in carnet.Client().get_metric_history(run.id, "m")] == [
        (0, 1.0),
        (0, 2.0),
    ]
    assert mlflow.get_run(run.id).data.metrics == {"m": 2.0}  # the later value wins a step tie


def test_module_logging_validates_like_the_run(sqlite_tracked: str) -> None:
    with mlflow.start_run() as run:
        with pytest.raises(InvalidName, match="name: must not be empty"):
            mlflow.log_metric("", 1.0)
        with pytest.raises(InvalidValue, match="m: expected a number"):
            mlflow.log_metric("m", "high")  # type: ignore[arg-type]
        with pytest.raises(InvalidName, match="param"):
            mlflow.log_param("../p", 1)
        with pytest.raises(InvalidName, match="tag"):
            mlflow.set_tag("/t", 1)
        with pytest.raises(InvalidName, match="artifact_file") as info:
            mlflow.log_text("x", "../escape.txt")
        assert info.value.field == "artifact_file"
        mlflow.log_param("p", 1)
        with pytest.raises(carnet.CarnetError, match="immutable"):
            mlflow.log_param("p", 2)
    stored = mlflow.get_run(run.id)
    assert stored.data.metrics == {} and stored.data.params == {"p": "1"} and stored.data.tags == {}
    assert run.get_metrics() == {}
    assert run.get_file_names() == []


# -- artifacts ------------------------------------------------------------------------------------


def test_log_artifact_and_artifacts(sqlite_tracked: str, tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_text("a")
    (tmp_path / "in" / "sub" / "b.txt").write_text("b")
    with mlflow.start_run() as run:
        mlflow.log_artifact(tmp_path / "in" / "a.txt")
        mlflow.log_artifact(str(tmp_path / "in" / "a.txt"), artifact_path="copies/")
        mlflow.log_artifacts(tmp_path / "in", artifact_path="all")
        mlflow.log_artifacts(tmp_path / "in" / "sub")
    assert run.get_file_names() == ["a.txt", "all/a.txt", "all/sub/b.txt", "b.txt", "copies/a.txt"]


def test_log_dict_text_and_figure(tracked: str, figure: Any) -> None:
    config = {"alpha": 0.1, "layers": [64, 32], "name": "ridge"}
    with mlflow.start_run() as run:
        mlflow.log_dict(config, "config.json")
        mlflow.log_dict(config, "config/params.yaml")
        mlflow.log_dict(config, "config/params.yml")
        mlflow.log_text("hello\nworld", "notes/readme.md")
        mlflow.log_figure(figure, "plots/curve.png")
        mlflow.log_figure(figure, "plots/curve.svg")
    root = Path(run.info.artifact_uri)
    assert json.loads((root / "config.json").read_text()) == config
    assert yaml.safe_load((root / "config" / "params.yaml").read_text()) == config
    assert yaml.safe_load((root / "config" / "params.yml").read_text()) == config
    assert (root / "notes" / "readme.md").read_text() == "hello\nworld"
    assert (root / "plots" / "curve.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in (root / "plots" / "curve.svg").read_bytes()
    with mlflow.start_run(), pytest.raises(InvalidArgument, match="figure: expected a matplotlib Figure"):
        mlflow.log_figure("not a figure", "x.png")


def test_log_image_as_a_file_and_as_an_image_metric(sqlite_tracked: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    rgb = np.zeros((6, 4, 3), dtype=np.uint8)
    rgb[:, :, 0] = 255
    gray = np.linspace(0.0, 1.0, 24).reshape(4, 6)
    with mlflow.start_run() as run:
        mlflow.log_image(rgb, artifact_file="images/red.png")
        mlflow.log_image(gray, key="samples", step=0)
        mlflow.log_image(gray, key="samples", step=5)
        with pytest.raises(InvalidArgument, match="exactly one of artifact_file or key"):
            mlflow.log_image(rgb)
        with pytest.raises(InvalidValue, match=r"image: expected an H.W"):
            mlflow.log_image(np.zeros((2, 2, 2, 2)), artifact_file="bad.png")
    from PIL import Image

    with Image.open(Path(run.info.artifact_uri, "images", "red.png")) as image:
        assert image.size == (4, 6)
        assert image.convert("RGB").getpixel((0, 0)) == (255, 0, 0)
    assert run.get_metrics() == {"samples": ["images/samples/00000.png", "images/samples/00001.png"]}
    records = run.workspace.store.get_metric_records(run.id, "samples")
    assert [r.payload["step"] for r in records] == [0, 5]


def test_log_table_writes_mlflow_json_and_a_table_metric(tracked: str) -> None:
    data = {"feature": ["age", "bmi"], "coef": [0.5, -1.25]}
    frame = pd.DataFrame({"x": [1, 2], "label": ["a", "b"]})
    with mlflow.start_run() as run:
        mlflow.log_table(data, "results/coefficients.json")
        mlflow.log_table(frame, "frame.json")
    root = Path(run.info.artifact_uri)
    assert json.loads((root / "results" / "coefficients.json").read_text()) == {
        "columns": ["feature", "coef"],
        "data": [["age", 0.5], ["bmi", -1.25]],
    }
    assert json.loads((root / "frame.json").read_text()) == {
        "columns": ["x", "label"],
        "data": [[1, "a"], [2, "b"]],
    }
    assert run.get_metrics() == {"coefficients": data, "frame": {"x": [1, 2], "label": ["a", "b"]}}


def test_log_table_refused_writes_no_file(sqlite_tracked: str) -> None:
    with mlflow.start_run() as run:
        with pytest.raises(InvalidValue, match="columns must have equal lengths"):
            mlflow.log_table({"a": [1, 2], "b": [1]}, "ragged.json")
        mlflow.log_metric("res", 1.0)
        with pytest.raises(InvalidValue, match="first logged as a series"):
            mlflow.log_table({"a": [1]}, "res.json")
        with pytest.raises(InvalidName):
            mlflow.log_table({"a": [1]}, "bad name!.json")
    assert run.get_file_names() == []
    assert run.get_metrics() == {"res": 1.0}


# -- reading --------------------------------------------------------------------------------------


def test_get_run_info_and_data(tracked: str) -> None:
    mlflow.set_experiment("read")
    with mlflow.start_run(run_name="readable", tags={"t": "v"}, description="desc") as run:
        mlflow.log_param("p", "1")
        mlflow.log_metric("m", 3.0)
        live = mlflow.get_run(run.id)  # flushed first: sees what was just logged
        assert live.data.metrics == {"m": 3.0}
        assert live.info.status is carnet.RunStatus.RUNNING
    stored = mlflow.get_run(run.id)
    assert stored.info.run_id == run.id
    assert stored.info.run_name == "readable"
    assert stored.info.experiment_id == mlflow.get_experiment_by_name("read").experiment_id  # type: ignore[union-attr]
    assert stored.info.status is carnet.RunStatus.COMPLETED
    assert stored.info.end_time is not None and stored.info.end_time >= stored.info.start_time
    assert stored.info.description == "desc"
    assert stored.data.params == {"p": "1"}
    assert stored.data.metrics == {"m": 3.0}
    assert stored.data.tags == {"t": "v"}
    with pytest.raises(NotFound, match="run nope does not exist"):
        mlflow.get_run("nope")


def _sweep(values: list[float]) -> list[str]:
    ids = []
    for i, value in enumerate(values):
        with mlflow.start_run(run_name=f"run-{i}") as run:
            mlflow.log_param("alpha", value)
            mlflow.log_metric("rmse", 10.0 - value)
            mlflow.set_tag("parity", "even" if i % 2 == 0 else "odd")
        ids.append(run.id)
    return ids


def test_search_runs_returns_mlflow_shaped_dataframe(tracked: str) -> None:
    experiment = mlflow.set_experiment("search")
    ids = _sweep([1.0, 2.0, 3.0])
    frame = mlflow.search_runs()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [
        "run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time",
        "metrics.rmse", "params.alpha", "tags.mlflow.runName", "tags.parity",
    ]  # fmt: skip
    assert set(frame["run_id"]) == set(ids)
    assert list(frame["run_id"]) == list(reversed(ids))  # newest first
    assert set(frame["experiment_id"]) == {experiment.experiment_id}
    assert set(frame["status"]) == {"FINISHED"}
    for column in ("start_time", "end_time"):
        assert isinstance(frame[column].dtype, pd.DatetimeTZDtype)
        assert str(frame[column].dt.tz) == "UTC"
    assert frame["metrics.rmse"].dtype == np.float64
    by_name = frame.set_index("tags.mlflow.runName")
    assert by_name.loc["run-0", "metrics.rmse"] == 9.0
    assert by_name.loc["run-2", "params.alpha"] == "3.0"
    assert by_name.loc["run-1", "tags.parity"] == "odd"
    started = mlflow.get_run(ids[0]).info.start_time
    assert frame.set_index("run_id").loc[ids[0], "start_time"] == pd.Timestamp(started, unit="ms", tz="UTC")


def test_search_runs_filter_and_order(tracked: str) -> None:
    mlflow.set_experiment("search")
    ids = _sweep([1.0, 2.0, 3.0, 4.0])
    frame = mlflow.search_runs(filter_string="metrics.rmse < 8.5", order_by=["metrics.rmse ASC"])
    assert list(frame["run_id"]) == [ids[3], ids[2], ids[1]]
    frame = mlflow.search_runs(filter_string="tags.parity = 'even'", order_by=["params.alpha DESC"])
    assert list(frame["params.alpha"]) == ["3.0", "1.0"]
    best = mlflow.search_runs(order_by=["metrics.rmse ASC"], max_results=1)
    assert list(best["run_id"]) == [ids[3]]
    empty = mlflow.search_runs(filter_string="metrics.rmse > 100")
    assert len(empty) == 0 and "run_id" in empty.columns
    with pytest.raises(carnet.CarnetError):
        mlflow.search_runs(filter_string="metrics.rmse <<< 1")


def test_search_runs_as_a_list(sqlite_tracked: str) -> None:
    ids = _sweep([1.0, 2.0])
    runs = mlflow.search_runs(output_format="list", order_by=["params.alpha ASC"])
    assert isinstance(runs, list)
    assert [r.info.run_id for r in runs] == ids  # type: ignore[union-attr]
    assert runs[0].data.params == {"alpha": "1.0"}  # type: ignore[union-attr]
    with pytest.raises(InvalidArgument, match="output_format"):
        mlflow.search_runs(output_format="arrow")


def test_search_runs_across_experiments(tracked: str) -> None:
    mlflow.set_experiment("a")
    a_ids = _sweep([1.0])
    mlflow.set_experiment("b")
    b_ids = _sweep([2.0, 3.0])
    assert set(mlflow.search_runs()["run_id"]) == set(b_ids)
    assert set(mlflow.search_runs(search_all_experiments=True)["run_id"]) == set(a_ids + b_ids)
    assert set(mlflow.search_runs(experiment_names=["a"])["run_id"]) == set(a_ids)
    assert set(mlflow.search_runs(experiment_names=["a", "b"])["run_id"]) == set(a_ids + b_ids)
    a_id = mlflow.get_experiment_by_name("a").experiment_id  # type: ignore[union-attr]
    assert set(mlflow.search_runs(experiment_ids=[a_id])["run_id"]) == set(a_ids)
    with pytest.raises(NotFound, match="experiment 'zzz' does not exist"):
        mlflow.search_runs(experiment_names=["zzz"])


# -- both styles on one run -----------------------------------------------------------------------


def test_both_styles_on_the_same_run(tracked: str, png_file: Path) -> None:
    mlflow.set_experiment("mixed")
    run = carnet.start_run(run_name="mixed")
    assert isinstance(run, carnet.Run)
    run.log_row("coefficients", feature="age", coef=0.5)
    run.log_row("coefficients", feature="bmi", coef=-1.5)
    carnet.log_metric("rmse", 54.0, step=0)
    carnet.log_metric("rmse", 53.5, step=1)
    run.log("acc", 0.9)
    carnet.log_param("alpha", 0.1)
    run.log_param("alpha", 0.1)
    run.tag("style", "azure")
    carnet.set_tag("other", "mlflow")
    run.log_image("residuals", path=png_file)
    assert run.get_metrics() == {
        "coefficients": {"feature": ["age", "bmi"], "coef": [0.5, -1.5]},
        "rmse": [54.0, 53.5],
        "acc": 0.9,
        "residuals": "images/residuals/00000.png",
    }
    data = carnet.get_run(run.id).data
    assert data.metrics == {"rmse": 53.5, "acc": 0.9}  # latest numeric values only
    assert data.params == {"alpha": "0.1"}
    assert data.tags == {"style": "azure", "other": "mlflow"}
    carnet.end_run()
    assert run.get_status() == "Completed"
    assert carnet.active_run() is None
    azure = carnet.Experiment(carnet.Workspace(tracked), "mixed")
    assert [r.id for r in azure.get_runs()] == [run.id]

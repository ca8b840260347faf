"""The SDK against a real carnet server: ``Workspace("http://...")`` and ``import carnet as mlflow``.

(The SDK tests that take ``store_uri`` run through a server as well, as their ``rest`` variant.)
"""

from __future__ import annotations

import math

import carnet
import carnet as mlflow
from carnet.exceptions import ParamConflict
from carnet.store.rest import RestTrackingStore


def test_azure_style_logging_over_http(rest_uri: str) -> None:
    ws = carnet.Workspace(rest_uri)
    assert isinstance(ws.store, RestTrackingStore)
    exp = carnet.Experiment(ws, "remote")
    run = exp.start_logging(display_name="over-http")
    for step in range(5):
        run.log("loss", 1.0 / (step + 1))
    run.log("acc", 0.9)
    run.log("bad", float("nan"))
    run.log_list("lr", [0.1, 0.01])
    run.log_row("eval", epoch=1, acc=0.75)
    run.log_table("conf", {"label": ["a", "b"], "score": [0.5, float("inf")]})
    run.log_param("optimizer", "adam")
    run.complete()

    fetched = carnet.Workspace(rest_uri).get_run(run.id)
    assert fetched.get_status() == "Completed"
    metrics = fetched.get_metrics()
    assert metrics["loss"] == [1.0, 0.5, 1 / 3, 0.25, 0.2]
    assert metrics["acc"] == 0.9
    assert math.isnan(metrics["bad"])
    assert metrics["lr"] == [0.1, 0.01]
    assert metrics["eval"] == {"epoch": [1], "acc": [0.75]}
    assert metrics["conf"] == {"label": ["a", "b"], "score": [0.5, math.inf]}
    assert ws.store.get_run(run.id).data.params == {"optimizer": "adam"}
    assert {"Default", "remote"} <= set(ws.experiments)


def test_param_conflict_is_the_same_class_over_http(rest_uri: str) -> None:
    ws = carnet.Workspace(rest_uri)
    run = carnet.Experiment(ws, "conflicts").start_logging()
    run.log_param("p", 1)
    run.flush()
    other = carnet.Workspace(rest_uri).get_run(run.id)
    try:
        other.log_param("p", 2)
        other.flush()
    except ParamConflict:
        pass
    else:  # pragma: no cover - the SDK checks at call time or at flush
        raise AssertionError("expected ParamConflict")
    run.complete()


def test_mlflow_style_over_http(rest_uri: str) -> None:
    mlflow.set_tracking_uri(rest_uri)
    mlflow.set_experiment("fluent-remote")
    for lr in (0.1, 0.01):
        with mlflow.start_run(run_name=f"lr-{lr}"):
            mlflow.log_param("lr", lr)
            mlflow.log_metric("rmse", 10 * lr)
            mlflow.log_metrics({"mae": lr, "r2": 1 - lr}, step=1)
            mlflow.set_tag("stage", "dev")
    frame = mlflow.search_runs(filter_string="metrics.rmse < 0.5", order_by=["metrics.rmse ASC"])
    assert list(frame["params.lr"]) == ["0.01"]
    everything = mlflow.search_runs(order_by=["metrics.rmse DESC"], output_format="list")
    assert isinstance(everything, list)
    assert [r.data.metrics["rmse"] for r in everything] == [1.0, 0.1]
    assert all(r.info.status.value == "Completed" for r in everything)
    client = mlflow.Client(rest_uri)
    history = client.get_metric_history(everything[0].info.run_id, "mae")
    assert [(m.value, m.step) for m in history] == [(0.1, 1)]

"""Dataset inputs: ``mlflow.log_input`` against a carnet server, and ``runs/log-inputs`` on the wire."""

from __future__ import annotations

import httpx
import pytest

from carnet.entities import DATASET_CONTEXT_TAG

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

API = "/api/2.0/mlflow"


def test_log_input_reads_back_through_the_client(mlflow_server) -> None:
    import mlflow
    import pandas as pd
    from mlflow import MlflowClient

    df = pd.DataFrame({"sepal_length": [5.1, 4.9, 6.2], "species": ["setosa", "setosa", "virginica"]})
    dataset = mlflow.data.from_pandas(df, source="data/iris.csv", name="iris")
    mlflow.set_experiment("datasets")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
        mlflow.log_input(dataset, context="training")  # the same dataset again: stored once
    run_id = run.info.run_id

    got = MlflowClient().get_run(run_id).inputs.dataset_inputs
    assert len(got) == 1
    assert got[0].dataset.name == "iris"
    assert got[0].dataset.digest == dataset.digest
    assert got[0].dataset.source_type == "local"
    assert "iris.csv" in got[0].dataset.source
    assert got[0].dataset.schema == dataset.to_dict()["schema"]
    assert {t.key: t.value for t in got[0].tags} == {DATASET_CONTEXT_TAG: "training"}

    # carnet stored it, and search returns it too.
    stored = mlflow_server.store.get_run_inputs(run_id)
    assert [(i.dataset.name, i.dataset.digest, i.context) for i in stored] == [
        ("iris", dataset.digest, "training")
    ]
    found = MlflowClient().search_runs([run.info.experiment_id])
    assert [d.dataset.name for d in found[0].inputs.dataset_inputs] == ["iris"]


def _run(http: httpx.Client) -> str:
    exp = http.post(f"{API}/experiments/create", json={"name": "wire-datasets"}).json()["experiment_id"]
    return str(http.post(f"{API}/runs/create", json={"experiment_id": exp}).json()["run"]["info"]["run_id"])


def _dataset(**fields: object) -> dict[str, object]:
    dataset: dict[str, object] = {"name": "iris", "digest": "1a2b3c4d", "source_type": "local", "source": "x"}
    dataset.update(fields)
    return {"dataset": {k: v for k, v in dataset.items() if v is not None}, "tags": []}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (_dataset(name=None), "name"),
        (_dataset(digest=None), "digest"),
        (_dataset(source=None), "source"),
        ({"tags": []}, "dataset"),
        (_dataset(name="n" * 501), "name"),
        (_dataset(digest="d" * 37), "digest"),
        (_dataset(source="s" * 65_536), "source"),
        ({**_dataset(), "tags": [{"key": "k", "value": "v" * 501}]}, "value"),
    ],
)
def test_bad_inputs_are_400_naming_the_field(mlflow_server, item: dict[str, object], field: str) -> None:
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        run_id = _run(http)
        answer = http.post(f"{API}/runs/log-inputs", json={"run_id": run_id, "datasets": [_dataset(), item]})
        assert answer.status_code == 400
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert field in answer.json()["message"]
        inputs = http.get(f"{API}/runs/get", params={"run_id": run_id}).json()["run"]["inputs"]
        assert inputs == {}  # nothing of the failed call was kept


def test_wire_shape_of_run_inputs(mlflow_server) -> None:
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        run_id = _run(http)
        item = _dataset(schema='{"mlflow_colspec": []}')
        item["tags"] = [{"key": DATASET_CONTEXT_TAG, "value": "validation"}]
        assert http.post(f"{API}/runs/log-inputs", json={"run_id": run_id, "datasets": [item]}).json() == {}
        # Model inputs alone are accepted and not kept.
        only_models = {"run_id": run_id, "models": [{"model_id": "m-" + "0" * 32}]}
        assert http.post(f"{API}/runs/log-inputs", json=only_models).status_code == 200
        run = http.get(f"{API}/runs/get", params={"run_id": run_id}).json()["run"]
        assert run["inputs"] == {"dataset_inputs": [item]}
        unknown = http.post(f"{API}/runs/log-inputs", json={"run_id": "0" * 32, "datasets": [item]})
        assert unknown.status_code == 404

"""MLflow 3 logged models: the unmodified mlflow 3.17.2 client logs, finds and loads models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from carnet.entities import LoggedModelStatus

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def _iris_model():  # type: ignore[no-untyped-def]
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=300).fit(X, y), X


def test_sklearn_log_model_and_load_it_back(mlflow_server, tmp_path: Path) -> None:
    import mlflow
    from mlflow import MlflowClient

    model, X = _iris_model()
    exp_id = mlflow.set_experiment("models").experiment_id
    with mlflow.start_run() as run:
        mlflow.log_param("C", 1.0)
        mlflow.log_metric("acc", 0.97, step=0)
        info = mlflow.sklearn.log_model(model, name="model", input_example=X[:2])
    run_id = run.info.run_id
    model_id = info.model_id
    assert model_id.startswith("m-") and len(model_id) == 34
    assert info.model_uri == f"models:/{model_id}"

    # carnet's side: the model is stored, Ready, with the run's params, under the experiment's folder
    stored = mlflow_server.store.get_logged_model(model_id)
    assert stored.status is LoggedModelStatus.READY
    assert stored.name == "model"
    assert stored.source_run_id == run_id
    assert stored.params == {"C": "1.0"}
    experiment_folder = Path(mlflow_server.store.get_experiment(exp_id).artifact_location)
    assert Path(stored.artifact_location) == experiment_folder / "models" / model_id / "artifacts"
    assert (Path(stored.artifact_location) / "MLmodel").is_file()
    assert [o.model_id for o in mlflow_server.store.get_run_outputs(run_id)] == [model_id]

    client = MlflowClient(mlflow_server.url)
    assert [o.model_id for o in client.get_run(run_id).outputs.model_outputs] == [model_id]
    got = client.get_logged_model(model_id)
    assert got.artifact_location == f"mlflow-artifacts:/{exp_id}/models/{model_id}/artifacts"
    assert str(got.status) == "READY"
    assert got.source_run_id == run_id and got.experiment_id == exp_id
    assert got.params == {"C": "1.0"}

    expected = model.predict(X[:10])
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict(X[:10]), expected)
    by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(by_run.predict(X[:10]), expected)
    sk = mlflow.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(sk.predict(X[:10]), expected)

    # the model's files through the artifact proxy
    files = {f.path for f in mlflow.artifacts.list_artifacts(artifact_uri=got.artifact_location)}
    assert {"MLmodel", "input_example.json", "requirements.txt"} <= {Path(p).name for p in files}
    local = mlflow.artifacts.download_artifacts(
        artifact_uri=f"{got.artifact_location}/MLmodel", dst_path=str(tmp_path / "dl")
    )
    assert model_id in Path(local).read_text()
    import httpx

    listing = httpx.get(f"{mlflow_server.url}/api/2.0/mlflow/logged-models/{model_id}/artifacts/directories")
    assert listing.json()["root_uri"] == got.artifact_location
    assert {"MLmodel", "model.skops"} <= {f["path"] for f in listing.json()["files"]}


def test_log_model_outside_a_run(mlflow_server) -> None:
    import mlflow

    model, X = _iris_model()
    mlflow.set_experiment("no-run")
    info = mlflow.sklearn.log_model(model, name="standalone")
    assert mlflow.active_run() is None
    stored = mlflow_server.store.get_logged_model(info.model_id)
    assert stored.source_run_id is None and stored.status is LoggedModelStatus.READY
    loaded = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
    np.testing.assert_array_equal(loaded.predict(X[:5]), model.predict(X[:5]))


def test_client_search_tags_finalize_and_errors(mlflow_server) -> None:
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelStatus as MStatus
    from mlflow.exceptions import MlflowException

    client = MlflowClient(mlflow_server.url)
    exp_id = client.create_experiment("search-models")
    first = client.create_logged_model(exp_id, name="alpha", tags={"team": "a"}, params={"lr": "0.1"})
    second = client.create_logged_model(exp_id, name="beta", model_type="agent", tags={"team": "b"})
    assert str(first.status) == "PENDING"
    assert first.tags == {"team": "a"} and first.params == {"lr": "0.1"}

    ready = client.finalize_logged_model(first.model_id, MStatus.READY)
    assert str(ready.status) == "READY"
    client.finalize_logged_model(second.model_id, MStatus.FAILED)
    assert str(client.get_logged_model(second.model_id).status) == "FAILED"

    names = lambda models: [m.name for m in models]  # noqa: E731
    assert names(client.search_logged_models([exp_id])) == ["beta", "alpha"]  # newest first
    assert names(client.search_logged_models([exp_id], filter_string="name = 'alpha'")) == ["alpha"]
    assert names(client.search_logged_models([exp_id], filter_string="tags.team = 'b'")) == ["beta"]
    assert names(client.search_logged_models([exp_id], filter_string="params.lr = '0.1'")) == ["alpha"]
    assert names(client.search_logged_models([exp_id], filter_string="status = 'READY'")) == ["alpha"]
    assert names(client.search_logged_models([exp_id], filter_string="name LIKE 'b%'")) == ["beta"]
    ordered = client.search_logged_models([exp_id], order_by=[{"field_name": "name", "ascending": True}])
    assert names(ordered) == ["alpha", "beta"]
    page = client.search_logged_models([exp_id], max_results=1)
    assert len(page) == 1 and page.token
    rest = client.search_logged_models([exp_id], max_results=1, page_token=page.token)
    assert names(page) + names(rest) == ["beta", "alpha"] and not rest.token
    assert names(mlflow.search_logged_models(experiment_ids=[exp_id], output_format="list")) == [
        "beta",
        "alpha",
    ]

    client.set_logged_model_tags(first.model_id, {"stage": "prod", "team": "z"})
    assert client.get_logged_model(first.model_id).tags == {"stage": "prod", "team": "z"}
    client.delete_logged_model_tag(first.model_id, "stage")
    assert client.get_logged_model(first.model_id).tags == {"team": "z"}

    unknown = "m-" + "0" * 32
    for call in (
        lambda: client.get_logged_model(unknown),
        lambda: client.get_logged_model("not-a-model-id"),
        lambda: client.delete_logged_model_tag(first.model_id, "never-set"),
        lambda: client.search_logged_models(["999"]),
        lambda: client.create_logged_model("999", name="x"),
    ):
        with pytest.raises(MlflowException) as failure:
            call()
        assert failure.value.error_code == "RESOURCE_DOES_NOT_EXIST", failure.value.message
    with pytest.raises(MlflowException, match="Failed to get logged model"):
        client.set_logged_model_tags(unknown, {"a": "b"})  # the client rewords the server's 404
    with pytest.raises(MlflowException) as failure:
        client.search_logged_models([exp_id], filter_string="name = ")
    assert failure.value.error_code == "INVALID_PARAMETER_VALUE"

    client.delete_logged_model(second.model_id)
    assert names(client.search_logged_models([exp_id])) == ["alpha"]
    with pytest.raises(MlflowException) as failure:
        client.get_logged_model(second.model_id)
    assert failure.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_wire_bad_input_is_a_clear_4xx(mlflow_server) -> None:
    import httpx

    api = "/api/2.0/mlflow"
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        exp = http.post(f"{api}/experiments/create", json={"name": "wire-models"}).json()["experiment_id"]
        created = http.post(f"{api}/logged-models", json={"experiment_id": exp, "name": "m"})
        assert created.status_code == 200, created.text
        info = created.json()["model"]["info"]
        model_id = info["model_id"]
        assert info["status"] == "LOGGED_MODEL_PENDING"
        assert info["artifact_uri"] == f"mlflow-artifacts:/{exp}/models/{model_id}/artifacts"

        def error(response: httpx.Response) -> tuple[int, str]:
            return response.status_code, response.json()["error_code"]

        not_found = (404, "RESOURCE_DOES_NOT_EXIST")
        invalid = (400, "INVALID_PARAMETER_VALUE")
        for bad_id in ("m-123", "abc", "m-" + "G" * 32, "M-" + "A" * 32, "m-" + "0" * 32):
            assert error(http.get(f"{api}/logged-models/{bad_id}")) == not_found
            assert error(
                http.patch(f"{api}/logged-models/{bad_id}", json={"status": "LOGGED_MODEL_READY"})
            ) == (not_found)
            assert error(http.delete(f"{api}/logged-models/{bad_id}")) == not_found
        assert error(http.post(f"{api}/logged-models", json={"experiment_id": "999"})) == not_found
        assert error(http.post(f"{api}/logged-models", json={"experiment_id": "abc"})) == invalid
        assert error(http.post(f"{api}/logged-models", json={"name": "no-experiment"})) == invalid
        source = {"experiment_id": exp, "source_run_id": "f" * 32}
        assert error(http.post(f"{api}/logged-models", json=source)) == not_found
        for status in ("DONE", "LOGGED_MODEL_STATUS_UNSPECIFIED", 0, 7, None, True, ["x"]):
            answer = http.patch(f"{api}/logged-models/{model_id}", json={"status": status})
            assert error(answer) == invalid, (status, answer.text)
        assert (
            http.patch(f"{api}/logged-models/{model_id}", json={"status": 2}).json()["model"]["info"][
                "status"
            ]
            == "LOGGED_MODEL_READY"
        )
        search = f"{api}/logged-models/search"
        assert error(http.post(search, json={"experiment_ids": [exp], "filter": "foo.bar = 'x'"})) == invalid
        assert (
            error(http.post(search, json={"experiment_ids": [exp], "filter": "metrics.acc > 1"})) == invalid
        )
        assert (
            error(http.post(search, json={"experiment_ids": [exp], "filter": "status = 'NOPE'"})) == invalid
        )
        assert error(http.post(search, json={"experiment_ids": [exp], "max_results": -1})) == invalid
        assert error(http.post(search, json={"experiment_ids": [exp], "page_token": "zz"})) == invalid
        assert error(http.post(search, json={"experiment_ids": []})) == invalid
        assert error(http.post(search, json={"experiment_ids": [exp], "order_by": ["name"]})) == invalid
        tags = f"{api}/logged-models/{model_id}/tags"
        assert error(http.patch(tags, json={"tags": [{"key": "../x", "value": "v"}]})) == invalid
        params = f"{api}/logged-models/{model_id}/params"
        assert http.post(params, json={"params": [{"key": "p", "value": "1"}]}).status_code == 200
        assert error(http.post(params, json={"params": [{"key": "p", "value": "2"}]})) == invalid
        outputs = f"{api}/runs/outputs"
        assert error(http.post(outputs, json={"run_id": "f" * 32, "models": [{"model_id": model_id}]})) == (
            not_found
        )
        assert error(http.post(outputs, json={"models": [{"model_id": model_id}]})) == invalid
        assert error(http.post(outputs, json={"run_id": "x", "models": ["m"]})) == invalid
        # log-batch metrics may name the model they belong to (the point is stored on the run)
        run_id = http.post(f"{api}/runs/create", json={"experiment_id": exp}).json()["run"]["info"]["run_id"]
        metric = {"key": "acc", "value": 0.9, "timestamp": 1, "step": 0, "model_id": model_id}
        assert (
            http.post(f"{api}/runs/log-batch", json={"run_id": run_id, "metrics": [metric]}).status_code
            == 200
        )
        assert (
            http.post(
                f"{api}/runs/outputs", json={"run_id": run_id, "models": [{"model_id": model_id}]}
            ).json()
            == {}
        )
        assert mlflow_server.store.get_run_outputs(run_id)[0].model_id == model_id
        listed = http.get(f"{api}/logged-models/{model_id}/artifacts/directories")
        assert listed.status_code == 200 and listed.json() == {"root_uri": info["artifact_uri"]}

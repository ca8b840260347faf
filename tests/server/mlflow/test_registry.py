"""The model registry through the unmodified mlflow 3.17.2 client: register with ``log_model``,
move through stages, set aliases, search, and load ``models:/`` URIs back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from carnet.entities import ModelStage

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def _iris_models() -> tuple[Any, Any, Any]:
    from sklearn.datasets import load_iris
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=300).fit(X, y), DummyClassifier(strategy="most_frequent").fit(X, y), X


@pytest.fixture
def registered(mlflow_server: Any) -> dict[str, Any]:
    """``iris-clf`` versions 1 (a logistic regression) and 2 (a constant classifier), each logged with
    ``log_model(registered_model_name=...)`` in its own run."""
    import mlflow

    first, second, X = _iris_models()
    mlflow.set_experiment("registry")
    infos = []
    for model in (first, second):
        with mlflow.start_run():
            infos.append(mlflow.sklearn.log_model(model, name="model", registered_model_name="iris-clf"))
    return {"models": (first, second), "X": X, "infos": infos}


def test_log_model_registers_versions_1_and_2(mlflow_server: Any, registered: dict[str, Any]) -> None:
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_server.url)
    infos = registered["infos"]
    assert [str(info.registered_model_version) for info in infos] == ["1", "2"]
    version = client.get_model_version("iris-clf", "2")
    assert version.source == f"models:/{infos[1].model_id}"
    assert version.run_id == infos[1].run_id
    assert version.current_stage == "None" and version.status == "READY"
    # carnet's side: lineage to the run and the logged model
    stored = mlflow_server.store.get_model_version("iris-clf", 1)
    assert (stored.model_id, stored.run_id) == (infos[0].model_id, infos[0].run_id)
    # the client tags the logged model with its registrations
    assert "iris-clf" in client.get_logged_model(infos[0].model_id).tags["mlflow.modelVersions"]
    uri = client.get_model_version_download_uri("iris-clf", "1")
    assert uri.startswith("mlflow-artifacts:/") and uri.endswith(f"/models/{infos[0].model_id}/artifacts")
    # registering a logged model again, by its run: the client finds the logged model
    again = mlflow.register_model(f"runs:/{infos[0].run_id}/model", "iris-copy")
    assert again.version == "1"
    assert mlflow_server.store.get_model_version("iris-copy", 1).model_id == infos[0].model_id


def test_stages_aliases_and_loading(mlflow_server: Any, registered: dict[str, Any]) -> None:
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_server.url)
    first, second = registered["models"]
    X = registered["X"]
    client.transition_model_version_stage("iris-clf", "1", "Production")
    moved = client.transition_model_version_stage(
        "iris-clf", "2", "production", archive_existing_versions=True
    )
    assert moved.current_stage == "Production"
    assert client.get_model_version("iris-clf", "1").current_stage == "Archived"
    latest = client.get_latest_versions("iris-clf", stages=["Production"])
    assert [v.version for v in latest] == ["2"]

    client.set_registered_model_alias("iris-clf", "champion", "1")
    assert client.get_model_version_by_alias("iris-clf", "champion").version == "1"
    assert client.get_registered_model("iris-clf").aliases == {"champion": "1"}

    by_alias = mlflow.pyfunc.load_model("models:/iris-clf@champion")
    np.testing.assert_array_equal(by_alias.predict(X[:20]), first.predict(X[:20]))
    by_stage = mlflow.pyfunc.load_model("models:/iris-clf/Production")
    np.testing.assert_array_equal(by_stage.predict(X[:20]), second.predict(X[:20]))
    by_number = mlflow.pyfunc.load_model("models:/iris-clf/1")
    np.testing.assert_array_equal(by_number.predict(X[:20]), first.predict(X[:20]))

    client.delete_registered_model_alias("iris-clf", "champion")
    assert client.get_registered_model("iris-clf").aliases == {}
    # the history MLflow lacks: every move, with the archived version
    kinds = [
        (e.version, e.kind, e.to_value) for e in mlflow_server.store.get_model_version_history("iris-clf")
    ]
    assert (1, "stage", "Archived") in kinds and (2, "stage", "Production") in kinds
    assert (1, "alias_deleted", None) in kinds


def test_search_registered_models_and_versions(mlflow_server: Any, registered: dict[str, Any]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_server.url)
    client.create_registered_model("other", tags={"team": "b"})
    client.set_registered_model_tag("iris-clf", "team", "a")
    assert [m.name for m in client.search_registered_models(filter_string="name LIKE 'iris%'")] == [
        "iris-clf"
    ]
    assert [m.name for m in client.search_registered_models(filter_string="tags.team = 'b'")] == ["other"]
    assert [m.name for m in client.search_registered_models(order_by=["name DESC"])] == ["other", "iris-clf"]
    versions = client.search_model_versions("name='iris-clf'")
    assert sorted(v.version for v in versions) == ["1", "2"]
    run_id = registered["infos"][0].run_id
    assert [v.version for v in client.search_model_versions(f"run_id = '{run_id}'")] == ["1"]
    model = client.get_registered_model("iris-clf")
    assert {v.version for v in model.latest_versions} == {"2"}
    assert model.tags == {"team": "a"}


def test_rename_update_tags_and_delete(mlflow_server: Any, registered: dict[str, Any]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_server.url)
    client.update_registered_model("iris-clf", description="flowers")
    client.update_model_version("iris-clf", "1", description="baseline")
    client.set_model_version_tag("iris-clf", "1", "validated", "yes")
    assert client.get_model_version("iris-clf", "1").tags == {"validated": "yes"}
    client.delete_model_version_tag("iris-clf", "1", "validated")
    client.rename_registered_model("iris-clf", "iris")
    renamed = client.get_registered_model("iris")
    assert renamed.description == "flowers"
    assert client.get_model_version("iris", "1").description == "baseline"
    client.delete_model_version("iris", "2")
    assert [v.version for v in client.search_model_versions("name = 'iris'")] == ["1"]
    client.delete_registered_model("iris")
    assert client.search_registered_models().to_list() == []


def test_errors_behave_as_mlflows(mlflow_server: Any, registered: dict[str, Any]) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(mlflow_server.url)
    with pytest.raises(MlflowException) as info:
        client.get_registered_model("nope")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as info:
        client.get_model_version("iris-clf", "9")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    for alias in ("latest", "v1"):
        with pytest.raises(MlflowException) as info:
            client.set_registered_model_alias("iris-clf", alias, "1")
        assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as info:
        client.get_model_version_by_alias("iris-clf", "nope")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as info:
        client.transition_model_version_stage("iris-clf", "1", "Foo")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as info:
        client.create_registered_model("iris-clf")
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_register_a_run_folder(mlflow_server: Any, tmp_path: Path) -> None:
    """A model saved as run files (not a logged model) registers from its ``runs:/`` URI."""
    import mlflow
    from mlflow import MlflowClient

    model, _, X = _iris_models()
    mlflow.set_experiment("folders")
    local = tmp_path / "saved"
    mlflow.sklearn.save_model(model, local)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(local), artifact_path="clf")
    client = MlflowClient(mlflow_server.url)
    client.create_registered_model("folder-model")
    run_uri = mlflow.get_run(run.info.run_id).info.artifact_uri
    version = client.create_model_version("folder-model", f"{run_uri}/clf", run_id=run.info.run_id)
    assert version.version == "1"
    assert version.source == f"{run_uri}/clf"
    stored = mlflow_server.store.get_model_version("folder-model", 1)
    assert stored.current_stage is ModelStage.NONE and stored.run_id == run.info.run_id
    loaded = mlflow.pyfunc.load_model("models:/folder-model/1")
    np.testing.assert_array_equal(loaded.predict(X[:5]), model.predict(X[:5]))
    # mlflow.register_model resolves a runs:/ URI to the run's files before sending it
    registered = mlflow.register_model(f"runs:/{run.info.run_id}/clf", "folder-model")
    assert registered.version == "2" and registered.run_id == run.info.run_id
    latest = mlflow.pyfunc.load_model("models:/folder-model/latest")
    np.testing.assert_array_equal(latest.predict(X[:5]), model.predict(X[:5]))

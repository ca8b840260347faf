"""Logging models to runs and loading them back through runs:/ and models:/ URIs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import carnet
import carnet.pyfunc
import carnet.sklearn
from carnet.entities import LoggedModelStatus
from carnet.exceptions import InvalidArgument, NotFound
from carnet.store.base import TrackingStore


@pytest.fixture
def tracking(sqlite_uri: str) -> str:
    carnet.set_tracking_uri(sqlite_uri)
    return sqlite_uri


def test_log_model_in_an_active_run_loads_by_run_and_by_model_id(
    tracking: str, iris: Any, classifier: Any
) -> None:
    X, _ = iris
    with carnet.start_run() as run:
        info = carnet.sklearn.log_model(classifier, "model", input_example=X.head(2))
    assert info.run_id == run.id and info.artifact_path == "model"
    assert info.model_uri == f"models:/{info.model_id}" and info.model_id.startswith("m-")
    assert info.signature is not None and info.registered_model_version is None

    store = carnet.Workspace(tracking).store
    logged = store.get_logged_model(info.model_id)
    assert logged.status is LoggedModelStatus.READY and logged.source_run_id == run.id
    assert [o.model_id for o in store.get_run_outputs(run.id)] == [info.model_id]

    for uri in (f"runs:/{run.id}/model", info.model_uri):
        loaded = carnet.pyfunc.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
        assert loaded.metadata.run_id == run.id and loaded.metadata.model_id == info.model_id
        assert loaded.metadata.model_uuid == info.model_id
        assert loaded.metadata.artifact_path == logged.artifact_location
    np.testing.assert_array_equal(carnet.sklearn.load_model(info.model_uri).predict(X), classifier.predict(X))


def test_log_model_on_an_azure_style_run(sqlite_uri: str, iris: Any, classifier: Any) -> None:
    X, _ = iris
    ws = carnet.Workspace(sqlite_uri)
    with carnet.Experiment(ws, "azure").start_logging() as run:
        info = carnet.sklearn.log_model(classifier, "clf", run=run)
    loaded = carnet.pyfunc.load_model(f"runs:/{run.id}/clf", tracking_uri=sqlite_uri)
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    assert info.runs_uri == f"runs:/{run.id}/clf"


def test_a_model_folder_uploaded_as_run_files_loads_by_run(
    tracking: str, tmp_path: Path, iris: Any, classifier: Any
) -> None:
    X, _ = iris
    carnet.sklearn.save_model(classifier, tmp_path / "saved")
    with carnet.start_run() as run:
        carnet.log_artifacts(tmp_path / "saved", "plain")
    loaded = carnet.pyfunc.load_model(f"runs:/{run.id}/plain")
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    with pytest.raises(NotFound):
        carnet.pyfunc.load_model(f"runs:/{run.id}/missing")
    with pytest.raises(InvalidArgument):
        carnet.pyfunc.load_model(f"runs:/{run.id}")


def test_log_python_model_with_artifacts(tracking: str, tmp_path: Path) -> None:
    (tmp_path / "offset.txt").write_text("10")

    class AddOffset(carnet.pyfunc.PythonModel):
        def load_context(self, context: Any) -> None:
            self.offset = float(Path(context.artifacts["offset"]).read_text())

        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            return np.asarray(model_input) + self.offset

    with carnet.start_run() as run:
        carnet.pyfunc.log_model(
            "adder", python_model=AddOffset(), artifacts={"offset": str(tmp_path / "offset.txt")}
        )
    loaded = carnet.pyfunc.load_model(f"runs:/{run.id}/adder", allow_pickle=True)
    np.testing.assert_array_equal(loaded.predict(np.array([1.0, 2.0])), [11.0, 12.0])


def test_plain_objects_with_predict_are_python_models(tmp_path: Path) -> None:
    class Negate:
        def predict(self, model_input: Any) -> Any:
            return -np.asarray(model_input)

    carnet.pyfunc.save_model(tmp_path / "m", Negate(), input_example=np.array([[1.0, 2.0]]))
    loaded = carnet.pyfunc.load_model(tmp_path / "m", allow_pickle=True)
    np.testing.assert_array_equal(loaded.predict(np.array([[1, 2]])), [[-1.0, -2.0]])
    assert not hasattr(loaded, "predict_proba")


# -- the registry ------------------------------------------------------------------------------


@pytest.fixture
def registry(tracking: str) -> TrackingStore:
    """The workspace's own store, registry included."""
    return carnet.Workspace(tracking).store


def test_registered_model_name_creates_versions_that_load_by_name(
    registry: TrackingStore, iris: Any, classifier: Any
) -> None:
    X, _ = iris
    with carnet.start_run() as run:
        first = carnet.sklearn.log_model(classifier, "model", registered_model_name="iris")
        second = carnet.sklearn.log_model(classifier, "model2", registered_model_name="iris")
    assert (first.registered_model_version, second.registered_model_version) == (1, 2)
    version = registry.get_model_version("iris", 1)
    assert version.run_id == run.id and version.model_id == first.model_id
    assert version.source == registry.get_logged_model(first.model_id).artifact_location

    registry.transition_model_version_stage("iris", 1, "Production")
    registry.set_registered_model_alias("iris", "champion", 1)
    for uri in ("models:/iris/1", "models:/iris/latest", "models:/iris/production", "models:/iris@champion"):
        loaded = carnet.pyfunc.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    assert carnet.pyfunc.load_model("models:/iris/latest").metadata.model_id == second.model_id
    assert carnet.pyfunc.load_model("models:/iris/Production").metadata.model_id == first.model_id
    with pytest.raises(NotFound, match="Staging"):
        carnet.pyfunc.load_model("models:/iris/Staging")
    with pytest.raises(InvalidArgument, match="stage"):
        carnet.pyfunc.load_model("models:/iris/Shipping")


def test_register_model_mlflow_and_azure_style(registry: TrackingStore, iris: Any, classifier: Any) -> None:
    X, _ = iris
    with carnet.start_run() as run:
        info = carnet.sklearn.log_model(classifier, "model")
        by_run = run.register_model("azure-iris", "model", tags={"team": "ml"}, description="first")
    by_uri = carnet.register_model(f"runs:/{run.id}/model", "mlflow-iris")
    by_id = carnet.register_model(info.model_uri, "mlflow-iris")
    assert (by_run.version, by_uri.version, by_id.version) == (1, 1, 2)
    assert by_run.tags == {"team": "ml"} and by_run.model_id == info.model_id == by_uri.model_id
    loaded = carnet.pyfunc.load_model("models:/azure-iris/1")
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))


def test_registry_on_the_real_store(tracking: str, iris: Any, classifier: Any) -> None:
    X, _ = iris
    with carnet.start_run():
        info = carnet.sklearn.log_model(classifier, "model", registered_model_name="iris-real")
    assert info.registered_model_version == 1
    for uri in ("models:/iris-real/1", "models:/iris-real/latest"):
        np.testing.assert_array_equal(carnet.pyfunc.load_model(uri).predict(X), classifier.predict(X))

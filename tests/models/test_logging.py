"""Logging models to runs and loading them back through runs:/ and models:/ URIs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import carnet
import carnet.pyfunc
import carnet.sklearn
from carnet.entities import LoggedModelStatus
from carnet.exceptions import InvalidArgument, InvalidState, NotFound


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


@dataclass
class FakeVersion:
    name: str
    version: int
    source: str
    run_id: str | None = None
    model_id: str | None = None
    current_stage: str = "None"
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None


class RegistryStore:
    """The tracking store plus the registry methods carnet.models calls, kept in memory."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.models: dict[str, list[FakeVersion]] = {}
        self.aliases: dict[tuple[str, str], int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create_registered_model(self, name: str, tags: Any = None, description: Any = None) -> None:
        self.models[name] = []

    def get_registered_model(self, name: str) -> str:
        if name not in self.models:
            raise NotFound(f"registered model {name!r} does not exist")
        return name

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: Any = None,
        model_id: Any = None,
        tags: Any = None,
        description: Any = None,
        user_id: str = "",
    ) -> FakeVersion:
        version = FakeVersion(name, len(self.models[name]) + 1, source, run_id, model_id, tags=tags or {})
        self.models[name].append(version)
        return version

    def get_model_version(self, name: str, version: int) -> FakeVersion:
        try:
            return self.models[name][version - 1]
        except (KeyError, IndexError):
            raise NotFound(f"model {name!r} has no version {version}") from None

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[FakeVersion]:
        return [v for v in self.models[name] if stages is None or v.current_stage in stages]

    def get_model_version_by_alias(self, name: str, alias: str) -> FakeVersion:
        return self.get_model_version(name, self.aliases[(name, alias)])

    def get_model_version_download_uri(self, name: str, version: int) -> str:
        return self.get_model_version(name, version).source


@pytest.fixture
def registry(tracking: str, monkeypatch: pytest.MonkeyPatch) -> RegistryStore:
    from carnet.sdk import workspace

    real = workspace.store_for(carnet.Workspace(tracking).location)
    # Every Workspace on this location shares the cached store: swap in the wrapper there.
    key = next(k for k, v in workspace._stores.items() if v is real)
    fake = RegistryStore(real)
    monkeypatch.setitem(workspace._stores, key, fake)
    return fake


def test_registered_model_name_creates_versions_that_load_by_name(
    registry: RegistryStore, iris: Any, classifier: Any
) -> None:
    X, _ = iris
    with carnet.start_run() as run:
        first = carnet.sklearn.log_model(classifier, "model", registered_model_name="iris")
        second = carnet.sklearn.log_model(classifier, "model2", registered_model_name="iris")
    assert (first.registered_model_version, second.registered_model_version) == (1, 2)
    version = registry.get_model_version("iris", 1)
    assert version.run_id == run.id and version.model_id == first.model_id
    assert version.source == registry.get_logged_model(first.model_id).artifact_location

    registry.models["iris"][0] = replace(registry.models["iris"][0], current_stage="Production")
    registry.aliases[("iris", "champion")] = 1
    for uri in ("models:/iris/1", "models:/iris/latest", "models:/iris/production", "models:/iris@champion"):
        loaded = carnet.pyfunc.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    assert carnet.pyfunc.load_model("models:/iris/latest").metadata.model_id == second.model_id
    assert carnet.pyfunc.load_model("models:/iris/Production").metadata.model_id == first.model_id
    with pytest.raises(NotFound, match="Staging"):
        carnet.pyfunc.load_model("models:/iris/Staging")
    with pytest.raises(InvalidArgument, match="stage"):
        carnet.pyfunc.load_model("models:/iris/Shipping")


def test_register_model_mlflow_and_azure_style(registry: RegistryStore, iris: Any, classifier: Any) -> None:
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


def test_registering_without_a_registry_says_so(tracking: str, classifier: Any) -> None:
    store = carnet.Workspace(tracking).store
    if hasattr(store, "create_model_version"):
        pytest.skip("this store has the model registry")
    with carnet.start_run() as run, pytest.raises(InvalidState, match="no model registry"):
        carnet.sklearn.log_model(classifier, "model", registered_model_name="iris")
    assert store.get_run_outputs(run.id) == []  # refused before anything was logged
    with pytest.raises(InvalidState, match="no model registry"):
        carnet.pyfunc.load_model("models:/iris/1")


def test_registry_on_the_real_store(tracking: str, iris: Any, classifier: Any) -> None:
    store = carnet.Workspace(tracking).store
    if not hasattr(store, "get_model_version"):
        pytest.skip("the tracking store has no model registry yet")
    X, _ = iris
    with carnet.start_run():
        info = carnet.sklearn.log_model(classifier, "model", registered_model_name="iris-real")
    assert info.registered_model_version == 1
    for uri in ("models:/iris-real/1", "models:/iris-real/latest"):
        np.testing.assert_array_equal(carnet.pyfunc.load_model(uri).predict(X), classifier.predict(X))

"""Models through a carnet server: logged by the real mlflow client and loaded by carnet, and the
other way round."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import carnet
import carnet.pyfunc
import carnet.sklearn

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


@pytest.fixture
def server(tmp_path: Path, serve_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    pytest.importorskip("mlflow")
    from carnet.server import create_app
    from carnet.store.sql.store import SqlTrackingStore

    for name, value in {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    root = tmp_path / "artifacts"
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'server.db'}", str(root))
    with serve_app(create_app(store, artifact_root=root)) as url:
        import mlflow

        mlflow.set_tracking_uri(url)
        try:
            yield url
        finally:
            while mlflow.active_run() is not None:
                mlflow.end_run()
            mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
            from carnet.sdk.workspace import _stores, _stores_lock

            with _stores_lock:
                for key in [k for k in _stores if k[0] == url]:
                    closing = getattr(_stores.pop(key), "close", None)
                    if closing is not None:
                        closing()


def test_a_model_logged_by_mlflow_to_a_carnet_server_loads_in_carnet(
    server: str, iris: Any, classifier: Any
) -> None:
    import mlflow.sklearn

    X, _ = iris
    mlflow.set_experiment("from-mlflow")
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(classifier, name="model", input_example=X.head(2))
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model"):
        loaded = carnet.pyfunc.load_model(uri, tracking_uri=server)
        np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
        assert loaded.metadata.model_id == info.model_id


def test_a_model_logged_by_carnet_to_a_server_loads_in_mlflow(
    server: str, iris: Any, classifier: Any
) -> None:
    import mlflow.pyfunc

    X, _ = iris
    carnet.set_tracking_uri(server)
    with carnet.start_run() as run:
        info = carnet.sklearn.log_model(classifier, "model", input_example=X.head(2))
    for uri in (info.model_uri, f"runs:/{run.id}/model"):
        loaded = mlflow.pyfunc.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    np.testing.assert_array_equal(carnet.pyfunc.load_model(info.model_uri).predict(X), classifier.predict(X))

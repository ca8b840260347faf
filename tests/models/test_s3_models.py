"""Models whose files live in S3 (moto in server mode): logged there, downloaded to load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import carnet
import carnet.pyfunc
import carnet.sklearn

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("CARNET_S3_ENDPOINT_URL", endpoint)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bucket")
    yield endpoint
    server.stop()


def test_a_model_logged_to_s3_loads_by_run_and_by_id(
    s3_endpoint: str, tmp_path: Path, iris: Any, classifier: Any
) -> None:
    X, _ = iris
    uri = f"sqlite:///{tmp_path / 'runs.db'}"
    ws = carnet.Workspace(uri, artifact_root="s3://bucket/prefix")
    with carnet.Experiment(ws, "s3").start_logging() as run:
        info = carnet.sklearn.log_model(classifier, "model", run=run, input_example=X.head(2))
    assert ws.store.get_logged_model(info.model_id).artifact_location.startswith("s3://bucket/prefix/")
    for model_uri in (info.model_uri, f"runs:/{run.id}/model"):
        loaded = carnet.pyfunc.load_model(
            model_uri, tracking_uri=uri, dst_path=tmp_path / "dl" / model_uri[:4]
        )
        np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
        assert loaded.path.is_relative_to(tmp_path / "dl")

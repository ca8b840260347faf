"""A carnet server on a loopback port, and the real ``mlflow`` client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from carnet.store.sql.store import SqlTrackingStore


@dataclass
class MlflowServer:
    url: str
    store: SqlTrackingStore
    artifact_root: Path


@pytest.fixture
def mlflow_server(tmp_path: Path, serve_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowServer]:
    from carnet.server import create_app

    for name, value in {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",  # generous: CI runs 32-process tests beside these
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)  # anything the client writes locally stays in the test's folder
    root = tmp_path / "artifacts"
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'carnet.db'}", str(root))
    with serve_app(create_app(store, artifact_root=root)) as url:
        import mlflow

        mlflow.set_tracking_uri(url)
        try:
            yield MlflowServer(url, store, root.resolve())
        finally:
            while mlflow.active_run() is not None:
                mlflow.end_run()
            mlflow.set_tracking_uri(None)  # type: ignore[arg-type]

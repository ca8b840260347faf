"""``carnet server --workers 2`` as a real subprocess: every worker builds its app from the settings
the command hands down (store, artifact root, allowed hosts, upload cap), and logging through it
stores everything."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from carnet.entities import ViewType
from carnet.store.rest.store import RestTrackingStore
from carnet.store.sql.store import SqlTrackingStore

MLFLOW = "/api/2.0/mlflow"
ART = "/api/2.0/mlflow-artifacts/artifacts"
REQUESTS = 24  # each on a new connection, so that both workers take some


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: {log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/v1/experiments", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start in time: {log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group: uvicorn's supervisor and its workers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture
def workers_server(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    database = f"sqlite:///{tmp_path / 'workers.db'}"
    artifacts = tmp_path / "artifacts"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "carnet", "server", "--workers", "2", "--port", str(port)),
                *("--backend-store-uri", database, "--artifacts-destination", str(artifacts)),
                *("--allowed-hosts", "127.0.0.1,tracking.example.com", "--max-artifact-bytes", "1000"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "CARNET_SPOOL_DIR": str(tmp_path / "spool")},
            start_new_session=True,  # its own process group, so the workers stop with it
        )
    try:
        _wait_healthy(proc, url, log)
        yield url, database, artifacts
    finally:
        _stop(proc)


def test_two_workers_store_everything_and_apply_the_settings(workers_server: tuple[str, str, Path]) -> None:
    url, database, artifacts = workers_server
    rest = RestTrackingStore(url, str(artifacts))
    try:
        experiment_id = rest.create_experiment("workers", tags={"suite": "workers"})
    finally:
        rest.close()
    run_ids = []
    for index in range(REQUESTS):  # a fresh connection each time: the workers share them out
        run = httpx.post(
            f"{url}{MLFLOW}/runs/create",
            json={"experiment_id": experiment_id, "run_name": f"r{index}", "start_time": 1},
        ).json()["run"]
        run_id = run["info"]["run_id"]
        assert run["info"]["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"
        batch = {
            "run_id": run_id,
            "metrics": [{"key": "loss", "value": float(s), "timestamp": 1, "step": s} for s in range(50)],
            "params": [{"key": "index", "value": str(index)}],
        }
        assert httpx.post(f"{url}{MLFLOW}/runs/log-batch", json=batch).status_code == 200
        upload = httpx.put(f"{url}{ART}/{experiment_id}/{run_id}/artifacts/note.txt", content=b"hello")
        assert upload.status_code == 200
        run_ids.append(run_id)

    # the settings reached every worker
    for _ in range(REQUESTS // 2):
        refused = httpx.get(f"{url}/api/v1/experiments", headers={"host": "attacker.example"})
        assert refused.status_code == 403 and refused.json()["error_code"] == "PERMISSION_DENIED"
        named = httpx.get(f"{url}/api/v1/experiments", headers={"host": "tracking.example.com"})
        assert named.status_code == 200
        too_big = httpx.put(f"{url}{ART}/{experiment_id}/big.bin", content=b"x" * 2000)
        assert too_big.status_code == 413
        csrf = httpx.post(f"{url}{MLFLOW}/experiments/create", content=b'{"name": "x"}')
        assert csrf.status_code == 400

    store = SqlTrackingStore(database, str(artifacts))
    page = store.search_runs([experiment_id], view_type=ViewType.ALL, max_results=1000)
    assert sorted(r.info.run_id for r in page.runs) == sorted(run_ids)
    for run in page.runs:
        assert run.data.params["index"] == run.info.run_name.removeprefix("r")
        assert len(store.get_metric_history(run.info.run_id, "loss")) == 50
        assert (
            artifacts / experiment_id / run.info.run_id / "artifacts" / "note.txt"
        ).read_bytes() == b"hello"
    assert store.get_experiment(experiment_id).tags == {"suite": "workers"}
    assert not (artifacts / experiment_id / "big.bin").exists()

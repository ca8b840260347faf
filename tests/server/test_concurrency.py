"""Many client processes logging through one real server at once lose nothing and see no lock errors.

A real ``python -m carnet server`` subprocess (SQLite file or PostgreSQL schema) and 32 client
processes started together, each logging its own run in one shared experiment; the result is read
back through the SQL store opened on the same database.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from carnet.entities import RunStatus, ViewType
from carnet.sdk.spool import spool_files
from carnet.store.sql.store import SqlTrackingStore

CLIENTS = 32
POINTS = 2_000
EXPERIMENT = "concurrency"
WAIT = 120.0

CHILD_CODE = f"""
import sys
import carnet

url, index = sys.argv[1], int(sys.argv[2])
run = carnet.Experiment(carnet.Workspace(url), {EXPERIMENT!r}).start_logging(display_name=f"client-{{index}}")
run.log_param("index", index)
run.log_param("lr", 0.01 * (index + 1))
run.tag("client", str(index))
run.tag("suite", "concurrency")
for step in range({POINTS}):
    run.log("loss", float(step), step=step)
run.complete()
print("run", run.id, flush=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError("the server did not start in time")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # a stuck process: nothing more to do
        proc.wait(10)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_uri"))


def test_concurrent_clients_lose_nothing(database_url: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = SqlTrackingStore(database_url, str(artifacts))
    experiment_id = store.create_experiment(EXPERIMENT)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CARNET_SPOOL_DIR": str(tmp_path / "spool")}
    server_log = tmp_path / "server.log"
    children: list[subprocess.Popen[bytes]] = []
    outputs: list[tuple[Path, Path]] = []
    with open(server_log, "wb") as server_err:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "carnet", "server", "--port", str(port)),
                *("--backend-store-uri", database_url, "--artifacts-destination", str(artifacts)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=server_err,
            env=env,
        )
    try:
        _wait_healthy(server, url, server_log)
        started = time.monotonic()
        for index in range(CLIENTS):
            out, err = tmp_path / f"child{index}.out", tmp_path / f"child{index}.err"
            with open(out, "wb") as out_file, open(err, "wb") as err_file:
                children.append(
                    subprocess.Popen(
                        [sys.executable, "-c", CHILD_CODE, url, str(index)],
                        stdout=out_file,
                        stderr=err_file,
                        env=env,
                    )
                )
            outputs.append((out, err))
        deadline = started + WAIT
        for child in children:
            child.wait(max(1.0, deadline - time.monotonic()))
        elapsed = time.monotonic() - started
        print(f"{CLIENTS} clients x {POINTS} points in {elapsed:.1f} s")

        run_ids = []
        for index, (child, (out, err)) in enumerate(zip(children, outputs, strict=True)):
            stderr = err.read_text()
            stdout = out.read_text()
            assert "database is locked" not in stderr + stdout, f"client {index}: {stderr}"
            assert child.returncode == 0, f"client {index} exited {child.returncode}: {stderr}"
            assert stderr == "", f"client {index} wrote to stderr: {stderr}"
            run_ids.append(stdout.split()[1])
        assert "database is locked" not in server_log.read_text()
    finally:
        for child in children:
            _kill(child)
        _kill(server)

    assert len(set(run_ids)) == CLIENTS
    assert spool_files(tmp_path / "spool") == []  # nothing was set aside for a later sync
    page = store.search_runs([experiment_id], view_type=ViewType.ALL, max_results=1000)
    assert page.next_page_token is None
    assert sorted(run.info.run_id for run in page.runs) == sorted(run_ids)
    for run in page.runs:
        assert run.info.status == RunStatus.COMPLETED, run.info
        index = int(run.data.params["index"])
        assert run.data.params["lr"] == str(0.01 * (index + 1))
        assert run.data.tags["client"] == str(index)
        assert run.data.tags["suite"] == "concurrency"
        history = store.get_metric_history(run.info.run_id, "loss")
        assert len(history) == POINTS
        assert sorted(m.step for m in history) == list(range(POINTS))
        assert all(m.value == float(m.step) for m in history)

"""Durable client logging: a server killed mid-run loses nothing, and the spool is drained once.

A real ``python -m carnet server`` subprocess on a SQLite file; the result is read back through
the SQL store opened on that file directly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import carnet
from carnet.entities import RunStatus
from carnet.store.sql.store import SqlTrackingStore

POINTS = 100_000

CHILD = """
import sys, time
import carnet

url = sys.argv[1]
run = carnet.Experiment(carnet.Workspace(url), "durable").start_logging()
print("run", run.id, flush=True)
for step in range({points}):
    run.log("x", float(step), step=step)
    if step % 1000 == 999:
        print("progress", step + 1, flush=True)
        time.sleep(0.04)
run.complete()
print("done", flush=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``python -m carnet server`` on a fixed port and SQLite file; restartable."""

    def __init__(self, db: Path, port: int) -> None:
        self.db = db
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "carnet", "server", "--port", str(self.port)),
                *("--backend-store-uri", f"sqlite:///{self.db}"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server did not start in time")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("CARNET_SPOOL_DIR", str(tmp_path / "spool"))
    db = tmp_path / "server" / "carnet.db"
    db.parent.mkdir(parents=True)
    running = Server(db, _free_port())
    try:
        yield running
    finally:
        running.kill()
        from carnet.sdk.workspace import _stores, _stores_lock

        with _stores_lock:  # drop the SDK's cached clients of this server
            for key in [k for k in _stores if k[0] == running.url]:
                closing = getattr(_stores.pop(key), "close", None)
                if closing is not None:
                    closing()


def _assert_stored_once(db: Path, run_id: str, points: int) -> None:
    store = SqlTrackingStore(f"sqlite:///{db}", str(db.parent / "artifacts"))
    history = store.get_metric_history(run_id, "x")
    steps = sorted(m.step for m in history)
    assert len(history) == points
    assert steps == list(range(points))
    assert all(m.value == float(m.step) for m in history)
    assert store.get_run(run_id).info.status == RunStatus.COMPLETED


def test_server_killed_mid_run_loses_nothing(server: Server, tmp_path: Path) -> None:
    server.start()
    env = {**os.environ, "CARNET_SPOOL_DIR": str(tmp_path / "spool")}
    stderr_path = tmp_path / "child.err"
    with open(stderr_path, "w") as stderr_file:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(points=POINTS), server.url],
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            text=True,
            env=env,
        )
    lines: list[str] = []
    killed = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith("progress") and int(line.split()[1]) >= POINTS * 3 // 10:
                killed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert killed.wait(60), f"the child made no progress: {lines[-3:]}"
        server.kill()
        time.sleep(1.5)
        server.start()
        child.wait(90)
        reader.join(10)
        assert child.returncode == 0, stderr_path.read_text()
        assert lines[-1] == "done"
        run_id = next(line.split()[1] for line in lines if line.startswith("run "))
        assert int(lines[-2].split()[1]) == POINTS
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    # On a loaded machine the restart can outlast the client's retries: what it could not send
    # waits in the spool, and `carnet sync` delivers it. Either way every point lands once.
    from typer.testing import CliRunner

    from carnet.cli import app

    synced = CliRunner().invoke(app, ["sync"], env={"CARNET_SPOOL_DIR": str(tmp_path / "spool")})
    assert synced.exit_code == 0, synced.output
    server.kill()
    _assert_stored_once(server.db, run_id, POINTS)


def test_spooled_while_down_then_synced_once(server: Server, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from carnet.cli import app
    from carnet.sdk.spool import spool_files

    server.start()
    ws = carnet.Workspace(server.url)
    ws.store._client.max_retries = 1  # type: ignore[attr-defined]  # give up fast while it is down
    run = carnet.Experiment(ws, "offline-ish").start_logging()
    run.flush()
    server.kill()

    points = 5_000
    for step in range(points):
        run.log("x", float(step), step=step)
    run.flush()  # the server is down: spooled, not raised
    run.log("nan", float("nan"))
    run.complete()  # the final status is spooled after the batches
    assert run._info.status == RunStatus.COMPLETED  # as it will be once synced
    assert len(spool_files(tmp_path / "spool")) == 1

    env = {"CARNET_SPOOL_DIR": str(tmp_path / "spool")}
    runner = CliRunner()
    down = runner.invoke(app, ["sync", "--retries", "0"], env=env)
    assert down.exit_code == 1, down.output

    server.start()
    synced = runner.invoke(app, ["sync"], env=env)
    assert synced.exit_code == 0, synced.output
    assert "Synced" in synced.output
    assert spool_files(tmp_path / "spool") == []
    again = runner.invoke(app, ["sync"], env=env)
    assert again.exit_code == 0 and "Nothing to sync" in again.output
    server.kill()
    _assert_stored_once(server.db, run.id, points)
    nan = SqlTrackingStore(f"sqlite:///{server.db}", str(tmp_path)).get_metric_history(run.id, "nan")
    assert len(nan) == 1 and nan[0].value != nan[0].value


def test_a_flush_after_the_server_returns_drains_the_spool_first(server: Server, tmp_path: Path) -> None:
    server.start()
    ws = carnet.Workspace(server.url)
    ws.store._client.max_retries = 1  # type: ignore[attr-defined]
    run = carnet.Experiment(ws, "drain").start_logging()
    run.flush()
    server.kill()
    for step in range(1000):
        run.log("x", float(step), step=step)
    run.flush()
    from carnet.sdk.spool import Spool

    assert len(Spool(server.url).records(run.id)) == 1
    server.start()
    for step in range(1000, 2000):
        run.log("x", float(step), step=step)
    run.complete()
    assert Spool(server.url).records() == []
    server.kill()
    _assert_stored_once(server.db, run.id, 2000)

"""A scoring process never outlives the server that started it, even one killed with SIGKILL
(which runs no exit handlers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.deploy.test_endpoint_lifecycle import _register_constants

SUPERVISING = """
import sys, time
from carnet.config import resolve_location
from carnet.deploy import Supervisor, hash_key
from carnet.entities import DeploymentStatus
from carnet.store import tracking_store
from carnet.store.endpoints import NewDeployment
from carnet.store.sql.endpoints import SqlEndpointStore

uri, logs = sys.argv[1], sys.argv[2]
store = tracking_store(resolve_location(uri))
endpoints = SqlEndpointStore(uri)
endpoints.create_endpoint("e", [NewDeployment("default", "models:/const/1", 100)], hash_key("k"))
Supervisor(endpoints, store, logs, {"CARNET_TRACKING_URI": uri}).start()
while True:
    d = endpoints.get_endpoint("e").deployments[0]
    if d.status is DeploymentStatus.READY:
        print(d.pid, flush=True)
        break
    time.sleep(0.2)
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_scoring_process_ends_when_its_server_is_killed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'server' / 'carnet.db'}"
    _register_constants(uri)
    server = subprocess.Popen(
        [sys.executable, "-c", SUPERVISING, uri, str(tmp_path / "endpoints")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        child = int(server.stdout.readline())
        assert not _gone(child)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        deadline = time.monotonic() + 60
        while not _gone(child):
            assert time.monotonic() < deadline, "the scoring process outlived its server"
            time.sleep(0.2)
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate(timeout=10)

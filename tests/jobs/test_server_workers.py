"""``carnet server`` and ``carnet ui`` start job workers beside themselves, and the workers stop
when the process that started them is gone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from carnet import Experiment, ScriptRunConfig, Workspace


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


@pytest.mark.parametrize("command", [["server", "--job-workers", "1"], ["ui", "--no-browser"]])
def test_server_runs_jobs_with_its_workers(command: list[str], tmp_path: Path, make_folder) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "carnet", *command, "--port", str(port),
         "--backend-store-uri", f"sqlite:///{tmp_path / 'served' / 'carnet.db'}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                if httpx.get(f"{url}/health", timeout=2).text == "OK":
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.1)
        workers = _children(process.pid)
        assert len(workers) == 1
        folder = make_folder("served", {"train.py": "print('ran by the server worker')\n"})
        ws = Workspace(url)
        run = Experiment(ws, "served").submit(ScriptRunConfig(str(folder), "train.py"))
        assert run.wait_for_completion()["status"] == "Completed"
        ws.store.close()  # type: ignore[attr-defined]  # an open keep-alive connection delays shutdown
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
    if command[0] == "server":
        assert "1 job worker(s)" in output
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers):  # they notice their server is gone and stop
        assert time.monotonic() < deadline, "a job worker outlived its server"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

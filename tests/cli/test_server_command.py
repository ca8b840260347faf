"""``carnet server`` as a real process: start it, wait for /health, create and read a run over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_command_serves_the_api(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "served" / "carnet.db"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carnet",
            "server",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{db}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
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
        with httpx.Client(base_url=url, timeout=30) as http:
            created = http.post("/api/v1/runs", json={"experiment_id": "0", "run_name": "via-cli"})
            assert created.status_code == 201
            run_id = created.json()["run"]["info"]["run_id"]
            got = http.get(f"/api/v1/runs/{run_id}").json()["run"]["info"]
            assert (got["run_name"], got["status"]) == ("via-cli", "Running")
            assert got["artifact_uri"].startswith(str(tmp_path / "served" / "artifacts"))
            # the default Host allowlist: localhost names only
            assert http.get("/api/v1/experiments", headers={"host": "attacker.example"}).status_code == 403
            assert http.get("/api/v1/experiments", headers={"host": f"localhost:{port}"}).status_code == 200
        assert db.is_file()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in output
    assert "answering Host localhost, 127.0.0.1, ::1" in output


def test_server_help_lists_the_security_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "carnet", "server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0
    for option in ("--allowed-hosts", "--cors-allowed-origins", "--max-artifact-bytes"):
        assert option in result.stdout


def test_server_refuses_a_server_url_as_its_store(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "carnet", "server", "--backend-store-uri", "http://127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot use another carnet server" in result.stderr

"""``carnet ui`` as a real process: it serves the studio and the API on the embedded workspace,
and a busy port is a one-line error naming ``--port``."""

from __future__ import annotations

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


def test_ui_serves_the_studio_on_the_default_workspace(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "carnet", "ui", "--no-browser", "--port", str(port)],
        cwd=tmp_path,
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
            assert time.monotonic() < deadline, "carnet ui did not become ready"
            time.sleep(0.1)
        page = httpx.get(f"{url}/", headers={"accept": "text/html"})
        assert page.status_code == 200 and "<title>Experiments · carnet</title>" in page.text
        summaries = httpx.get(f"{url}/api/v1/experiment-summaries").json()["experiments"]
        assert [e["name"] for e in summaries] == ["Default"]
        assert (tmp_path / ".carnet" / "carnet.db").exists()  # the embedded default workspace
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"the studio is at {url}/" in output


def test_ui_on_a_busy_port_says_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "carnet", "ui", "--no-browser", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert "--port" in done.stderr and "Traceback" not in done.stderr


def test_ui_help() -> None:
    done = subprocess.run([sys.executable, "-m", "carnet", "ui", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--no-browser" in done.stdout

"""``carnet serve`` as a real process: it loads a registered model by alias, says where it listens,
and answers; a model that cannot load ends the command with the reason."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest


def _carnet(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "carnet", *args], cwd=cwd, stderr=subprocess.PIPE, text=True
    )


def test_serve_a_registered_model_by_alias(tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]) -> None:
    from sklearn.linear_model import LogisticRegression

    import carnet
    import carnet.sklearn

    X, y = iris
    uri = f"sqlite:///{tmp_path / 'ws' / 'carnet.db'}"
    carnet.set_tracking_uri(uri)
    with carnet.start_run():
        info = carnet.sklearn.log_model(
            LogisticRegression(max_iter=300).fit(X, y),
            "model",
            registered_model_name="iris",
            input_example=X.head(2),
        )
    carnet.Workspace(uri).store.set_registered_model_alias("iris", "live", str(info.registered_model_version))
    process = _carnet("-u", uri, "serve", "models:/iris@live", "--port", "0", cwd=tmp_path)
    try:
        assert process.stderr is not None
        seen, match = [], None
        for line in iter(process.stderr.readline, ""):  # a library's warning may come first
            seen.append(line)
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if match:
                break
        assert match, "".join(seen)
        url = f"http://127.0.0.1:{match.group(1)}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/ping").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        response = httpx.post(
            f"{url}/invocations", json={"dataframe_records": X.head(3).to_dict(orient="records")}
        )
        assert response.status_code == 200
        assert len(response.json()["predictions"]) == 3
    finally:
        process.terminate()
        process.communicate(timeout=20)  # reaps it and closes the pipe


def test_a_model_that_cannot_load_ends_the_command_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "MLmodel").write_text("flavors: {python_function: {loader_module: os}}\n")
    process = _carnet("serve", str(tmp_path / "broken"), "--port", "0", cwd=tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "loader_module 'os'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["serve", "--help"]])
def test_help(tmp_path: Path, command: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "carnet", *command], capture_output=True, text=True, check=True
    )
    assert "/invocations" in out.stdout


def test_several_workers_each_load_the_model(tmp_path: Path, iris_model: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = _carnet("serve", str(iris_model), "--port", str(port), "--workers", "2", cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/ping").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "carnet serve --workers 2 exited"
            assert time.monotonic() < deadline, "carnet serve --workers 2 never answered /ping"
            time.sleep(0.2)
        rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
        for _ in range(4):  # over new connections, so both workers may answer
            response = httpx.post(
                f"{url}/invocations", json={"inputs": rows}, headers={"connection": "close"}
            )
            assert response.json() == {"predictions": [0, 2]}
    finally:
        process.terminate()
        process.communicate(timeout=30)

"""The ``ray`` compute target against a local Ray cluster the test starts (skipped only when
ray is not installed: ``pip install carnet[ray]``)."""

from __future__ import annotations

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

from carnet import Experiment, ScriptRunConfig, Workspace
from carnet.entities import ComputeTarget
from carnet.store.jobs import job_store

from .conftest import running_worker

pytest.importorskip("ray.job_submission", reason="needs ray (pip install carnet[ray])")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def ray_cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A one-CPU Ray head node with its dashboard (the job submission API), stopped afterwards."""
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")  # "python" is this one
    dashboard = _free_port()
    temp = Path("/tmp") / f"carnet-ray-{os.getpid()}-{dashboard}"  # Ray's socket paths must stay short
    head = subprocess.Popen(
        [str(Path(bin_dir) / "ray"), "start", "--head", "--block", "--num-cpus", "1",
         "--port", str(_free_port()), "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dashboard),
         "--include-dashboard", "true", "--temp-dir", str(temp),
         # Ray's agents default to fixed ports (52365, ...): a Ray started beside this test (the
         # batch-scoring tests run one) would hold them, and this head would have no job agent.
         "--dashboard-agent-listen-port", str(_free_port()),
         "--dashboard-agent-grpc-port", str(_free_port()),
         "--runtime-env-agent-port", str(_free_port()),
         "--metrics-export-port", str(_free_port())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    address = f"http://127.0.0.1:{dashboard}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert head.poll() is None, "the Ray head node did not start"
            try:
                if httpx.get(f"{address}/api/version", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the Ray dashboard did not come up"
            time.sleep(0.5)
        yield address
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops the node's processes
        try:
            head.wait(60)
        except subprocess.TimeoutExpired:
            head.kill()


def test_a_job_on_a_ray_cluster(ray_cluster: str, tmp_path: Path, make_folder) -> None:
    ws = Workspace(str(tmp_path / "ws"))
    jobs = job_store(ws.store)
    jobs.create_compute_target(ComputeTarget("ray-local", "ray", address=ray_cluster))
    folder = make_folder(
        "on-ray",
        {
            "train.py": """
                import os, sys
                from carnet import Run
                from helper import square
                run = Run.get_context()
                run.log("square", square(int(sys.argv[1])))
                os.makedirs("outputs", exist_ok=True)
                open("outputs/model.txt", "w").write("from ray")
                print("ran on ray", flush=True)
            """,
            "helper.py": "def square(x):\n    return x * x\n",
        },
    )
    run = Experiment(ws, "ray").submit(
        ScriptRunConfig(str(folder), "train.py", ["7"], compute_target="ray-local")
    )
    with running_worker(ws, computes=["ray-local"], work_root=tmp_path / "work"):
        details = run.wait_for_completion(raise_on_error=False)
    log = jobs.read_job_log(run.id).text
    assert details["status"] == "Completed", (details["error"], log)
    assert "ran on ray" in log and "ray: submitted as carnet-" in log
    assert run.get_metrics() == {"square": 49.0}
    assert "outputs/model.txt" in run.get_file_names()

"""The jobs API over HTTP: a worker and a submitter that only know the server's URL, and the
answers bad requests get (4xx naming the field, never a 500)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from carnet import Experiment, ScriptRunConfig, Workspace
from carnet.store.jobs import job_store

from .conftest import running_worker


def test_a_job_through_the_server_end_to_end(rest_uri: str, make_folder, tmp_path: Path) -> None:
    ws = Workspace(rest_uri)
    folder = make_folder(
        "remote",
        {
            "train.py": """
                import os
                from carnet import Run
                os.makedirs("outputs", exist_ok=True)
                open("outputs/result.txt", "w").write("done")
                Run.get_context().log("score", 0.9)
                print("tracking", os.environ["CARNET_TRACKING_URI"])
            """
        },
    )
    run = Experiment(ws, "remote").submit(ScriptRunConfig(str(folder), "train.py"))
    with running_worker(ws, work_root=tmp_path / "work"):
        details = run.wait_for_completion()
    assert details["status"] == "Completed"
    assert run.get_metrics() == {"score": 0.9}
    assert "outputs/result.txt" in run.get_file_names()
    assert f"tracking {rest_uri}" in job_store(ws.store).read_job_log(run.id).text


@pytest.fixture
def api(rest_uri: str) -> httpx.Client:
    with httpx.Client(base_url=f"{rest_uri}/api/v1") as client:
        yield client


def _run_id(api: httpx.Client) -> str:
    answer = api.post("/runs", json={"experiment_id": "0"})
    assert answer.status_code in (200, 201), answer.text
    return str(answer.json()["run"]["info"]["run_id"])


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"script": "train.py", "compute": "nowhere"}, 404, "compute_target"),
        ({"script": "../x.py"}, 400, "script"),
        ({"script": "train.py", "environment_kind": "conda"}, 400, "environment"),
        ({"script": "train.py", "environment_kind": "docker"}, 400, None),
    ],
)
def test_bad_submissions_are_4xx(
    api: httpx.Client, body: dict[str, str], status: int, field: str | None
) -> None:
    answer = api.post("/jobs", json={"run_id": _run_id(api), **body})
    assert answer.status_code == status, answer.text
    if field:
        assert answer.json()["field"] == field


def test_job_answers(api: httpx.Client) -> None:
    assert api.get(f"/jobs/{'0' * 32}").status_code == 404
    assert api.post("/jobs", json={"run_id": "0" * 32, "script": "t.py"}).status_code == 404
    run_id = _run_id(api)
    assert api.post("/jobs", json={"run_id": run_id, "script": "t.py"}).status_code == 201
    assert api.get("/jobs", params={"status": "Bogus"}).status_code == 400
    assert [j["job_id"] for j in api.get("/jobs", params={"status": "Queued"}).json()["jobs"]] == [run_id]
    assert api.post(f"/jobs/{run_id}/cancel", json={}).json()["job"]["status"] == "Canceled"
    again = api.post(f"/jobs/{run_id}/cancel", json={})
    assert again.status_code == 400 and "nothing to cancel" in again.json()["message"]
    assert api.post("/jobs/claim", json={"worker_id": ""}).status_code == 400
    assert api.post("/jobs/reap", json={"stale_after_ms": 5}).status_code == 400


def test_compute_answers(api: httpx.Client) -> None:
    assert [t["name"] for t in api.get("/compute").json()["compute_targets"]] == ["local"]
    bad = api.post("/compute", json={"name": "k8s", "kind": "kubernetes"})
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    assert api.get("/compute/nowhere").status_code == 404
    assert api.delete("/compute/local").status_code == 400
    mismatch = api.put("/compute/local", json={"name": "other"})
    assert mismatch.status_code == 400 and mismatch.json()["field"] == "name"

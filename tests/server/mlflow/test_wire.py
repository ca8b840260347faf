"""The MLflow wire API with raw HTTP: content types, limits, error codes, and path tricks on the
artifact proxy (nothing outside the artifact root is ever read, written or deleted)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

API = "/api/2.0/mlflow"
ART = "/api/2.0/mlflow-artifacts/artifacts"


def _run(http: httpx.Client) -> tuple[str, str]:
    exp = http.post(f"{API}/experiments/create", json={"name": "wire"}).json()["experiment_id"]
    run = http.post(f"{API}/runs/create", json={"experiment_id": exp, "start_time": 1}).json()["run"]
    return exp, run["info"]["run_id"]


def test_transport_rules_and_error_codes(mlflow_server) -> None:
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        exp, run_id = _run(http)
        bad = http.post(
            f"{API}/experiments/create", content=b'{"name": "x"}', headers={"content-type": "text/plain"}
        )
        assert bad.status_code == 400 and bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert http.get(f"{API}/experiments/get", params={"experiment_id": "abc"}).status_code == 400
        missing = http.get(f"{API}/experiments/get", params={"experiment_id": "999"})
        assert (missing.status_code, missing.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
        no_value = http.post(f"{API}/runs/log-metric", json={"run_id": run_id, "key": "m", "timestamp": 1})
        assert no_value.status_code == 400 and "value" in no_value.json()["message"]
        params = [{"key": f"p{i}", "value": "v"} for i in range(101)]
        assert (
            http.post(f"{API}/runs/log-batch", json={"run_id": run_id, "params": params}).status_code == 400
        )
        metrics = [{"key": "m", "value": 1, "timestamp": 1, "step": i} for i in range(1001)]
        assert (
            http.post(f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": metrics}).status_code == 400
        )
        dup = [{"key": "p", "value": "1"}, {"key": "p", "value": "2"}]
        assert http.post(f"{API}/runs/log-batch", json={"run_id": run_id, "params": dup}).status_code == 400
        assert (
            http.post(
                f"{API}/runs/log-metric", json={"run_id": run_id, "key": "../x", "value": 1, "timestamp": 1}
            ).status_code
            == 400
        )
        search = http.post(f"{API}/runs/search", json={"experiment_ids": [exp], "max_results": 50001})
        assert search.status_code == 400
        # run_uuid alone is accepted; NaN goes out as "NaN"
        ok = http.post(
            f"{API}/runs/log-metric", json={"run_uuid": run_id, "key": "n", "value": "NaN", "timestamp": 1}
        )
        assert ok.status_code == 200, ok.text
        metrics = http.get(f"{API}/runs/get", params={"run_uuid": run_id}).json()["run"]["data"]["metrics"]
        assert metrics == [{"key": "n", "value": "NaN", "timestamp": 1, "step": 0}]
        assert http.get("/api/3.0/mlflow/server-info").json()["multipart_uploads_enabled"] is False
        assert (
            http.get("/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": exp}).status_code == 200
        )


def test_history_bulk_interval(mlflow_server) -> None:
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        _, run_id = _run(http)
        points = [{"key": "m", "value": float(i), "timestamp": i, "step": i} for i in range(100)]
        assert (
            http.post(f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": points}).status_code == 200
        )
        got = http.get(
            f"{API}/metrics/get-history-bulk-interval",
            params={
                "run_ids": [run_id],
                "metric_key": "m",
                "max_results": 10,
                "start_step": 10,
                "end_step": 50,
            },
        ).json()["metrics"]
        steps = [m["step"] for m in got]
        assert len(steps) == 10 and steps[0] == 10 and steps[-1] == 50
        assert {m["run_id"] for m in got} == {run_id}
        only_start = http.get(
            f"{API}/metrics/get-history-bulk-interval",
            params={"run_ids": run_id, "metric_key": "m", "start_step": 1},
        )
        assert only_start.status_code == 400
        page = http.get(
            f"{API}/metrics/get-history", params={"run_id": run_id, "metric_key": "m", "max_results": 60}
        )
        assert len(page.json()["metrics"]) == 60 and page.json()["next_page_token"]


TRICKS = [
    "../outside.txt",
    "a/../../outside.txt",
    "%2e%2e/outside.txt",
    "%2E%2E%2Foutside.txt",
    "%252e%252e/outside.txt",
    "%25252e%25252e%25252foutside.txt",
    "..%5coutside.txt",
    "%2fetc%2fpasswd",
    "%5c..%5coutside.txt",
]


@pytest.mark.parametrize("trick", TRICKS)
def test_artifact_path_tricks_stay_inside_the_root(mlflow_server, trick: str) -> None:
    outside = mlflow_server.artifact_root.parent / "outside.txt"
    outside.write_text("secret")
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        for method in ("GET", "PUT", "DELETE"):
            # a raw URL: httpx must not normalise the dots away
            url = httpx.URL(mlflow_server.url).copy_with(raw_path=f"{ART}/{trick}".encode())
            reply = http.request(method, url, content=b"pwned" if method == "PUT" else None)
            assert reply.status_code in (400, 404), (method, trick, reply.status_code)
            assert b"secret" not in reply.content
        listing = http.get(ART, params={"path": trick})
        assert listing.status_code in (400, 404)
    assert outside.read_text() == "secret"


def test_symlink_out_of_the_root_is_refused(mlflow_server, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("secret")
    root = mlflow_server.artifact_root
    root.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, root / "link")
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        assert http.get(f"{ART}/link/key.txt").status_code == 400
        assert http.put(f"{ART}/link/new.txt", content=b"x").status_code == 400
        assert http.delete(f"{ART}/link/key.txt").status_code == 400
        assert http.get(ART, params={"path": "link"}).status_code == 400
    assert sorted(p.name for p in secret.iterdir()) == ["key.txt"]


def test_artifact_round_trip_with_raw_http(mlflow_server) -> None:
    body = os.urandom(3 * 1024 * 1024)
    with httpx.Client(base_url=mlflow_server.url, timeout=60) as http:
        assert (
            http.put(f"{ART}/1/r/artifacts/big.bin", content=iter([body[:1000], body[1000:]])).status_code
            == 200
        )
        got = http.get(f"{ART}/1/r/artifacts/big.bin")
        assert got.content == body and got.headers["x-content-type-options"] == "nosniff"
        assert http.get(ART, params={"path": "1/r/artifacts"}).json() == {
            "files": [{"path": "big.bin", "is_dir": False, "file_size": len(body)}]
        }
        assert http.get(ART, params={"path": "1/r/artifacts/big.bin"}).json() == {}
        assert http.get(f"{ART}/1/r/artifacts/missing").status_code == 404
        assert http.delete(f"{ART}/1/r/artifacts/big.bin").status_code == 200
        assert not (mlflow_server.artifact_root / "1" / "r" / "artifacts" / "big.bin").exists()

"""MLflow's model-registry advisories replayed against a carnet server: a model version's
``source`` must not let anyone register (and then download) files outside its run or logged model.

CVE-2023-1177, CVE-2023-1176, CVE-2023-2356, CVE-2023-2780 (LFI through ``source``), CVE-2023-6909
(URL-encoded traversal), CVE-2024-1483 (a fragment), CVE-2024-3573 (schemes misread as local),
CVE-2025-11201 (traversal in the version creation handler). Every attempt gets a 400
``INVALID_PARAMETER_VALUE`` and creates no version, through the MLflow API and the native one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from carnet.server import create_app
from carnet.store import NewLoggedModel, NewRun
from carnet.store.sql.store import SqlTrackingStore

MLFLOW = "/api/2.0/mlflow"
AJAX = "/ajax-api/2.0/mlflow"
NATIVE = "/api/v1"


@dataclass
class Server:
    http: httpx.Client
    store: SqlTrackingStore
    run_id: str
    run_path: str  # the run's artifact folder as the proxy names it: <exp>/<run>/artifacts
    run_folder: Path
    model_id: str
    secret: Path


@pytest.fixture
def server(
    tmp_path: Path, serve_app: Callable[..., contextlib.AbstractContextManager[str]]
) -> Iterator[Server]:
    root = tmp_path / "artifacts"
    root.mkdir()
    secret = tmp_path / "etc" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0")
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'carnet.db'}", str(root))
    experiment_id = store.create_experiment("exp")
    run = store.create_run(NewRun(experiment_id=experiment_id))
    model = store.create_logged_model(NewLoggedModel(experiment_id=experiment_id, name="m"))
    store.create_registered_model("victim")
    run_folder = Path(run.info.artifact_uri)
    with (
        serve_app(create_app(store, artifact_root=root)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield Server(
            http,
            store,
            run.info.run_id,
            run_folder.relative_to(root.resolve()).as_posix(),
            run_folder,
            model.model_id,
            secret,
        )


def _attacks(s: Server) -> dict[str, str]:
    proxied = f"mlflow-artifacts:/{s.run_path}"
    etc = str(s.secret.parent)
    return {
        "CVE-2023-1177 file URI": "file:///etc/",
        "CVE-2023-1177 file URI to a test folder": f"file://{etc}",
        "CVE-2023-1176 absolute path": etc,
        "CVE-2023-2356 relative escape": f"{proxied}/../../../../etc",
        "CVE-2023-2356 escape from the run folder": f"{s.run_folder}/../../../etc",
        "CVE-2023-2780 backslashes": f"{proxied}\\..\\..\\..\\..\\etc",
        "CVE-2023-6909 encoded dots": f"{proxied}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc",
        "CVE-2023-6909 encoded twice": f"{proxied}/%252e%252e/%252e%252e/%252e%252e/etc",
        "CVE-2023-6909 encoded slashes": f"{proxied}/..%2F..%2F..%2Fetc",
        "CVE-2024-1483 fragment": f"{proxied}/model#/../../../../etc",
        "PR-10653 query": f"{proxied}/model?/../../../etc",
        "CVE-2024-1593 semicolon": f"{proxied}/..;/..;/etc",
        "CVE-2024-3573 file: without slashes": "file:/etc",
        "CVE-2024-3573 empty scheme with a host": "//evil-host/share",
        "CVE-2024-3573 bare relative path": "etc/passwd",
        "another run's folder": "mlflow-artifacts:/0",
        "a remote location": "s3://attacker/model",
        "http location with dots": "http://host/a/../../etc",
    }


@pytest.mark.parametrize("prefix", [MLFLOW, AJAX])
def test_mlflow_create_refuses_sources_outside_the_run(server: Server, prefix: str) -> None:
    for label, source in _attacks(server).items():
        answer = server.http.post(
            f"{prefix}/model-versions/create",
            json={"name": "victim", "source": source, "run_id": server.run_id},
        )
        assert answer.status_code == 400, (label, answer.text)
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE", label
    assert server.store.search_model_versions().versions == []


def test_native_create_refuses_sources_outside_the_run(server: Server) -> None:
    for label, source in _attacks(server).items():
        if source.startswith("mlflow-artifacts:"):
            source = str(server.run_folder) + source.removeprefix(f"mlflow-artifacts:/{server.run_path}")
        answer = server.http.post(
            f"{NATIVE}/registered-models/victim/versions", json={"source": source, "run_id": server.run_id}
        )
        assert answer.status_code == 400, (label, answer.text)
    assert server.store.search_model_versions().versions == []


def test_a_source_without_a_run_or_model_is_refused(server: Server) -> None:
    """MLflow before 2.2.1 accepted any source when no run_id was given: the root of CVE-2023-1177."""
    folder = f"mlflow-artifacts:/{server.run_path}/model"
    answer = server.http.post(f"{MLFLOW}/model-versions/create", json={"name": "victim", "source": folder})
    assert answer.status_code == 400
    assert "run" in answer.json()["message"]


def test_models_uri_needs_the_matching_model_id(server: Server) -> None:
    other = "m-" + "f" * 32
    answer = server.http.post(
        f"{MLFLOW}/model-versions/create",
        json={"name": "victim", "source": f"models:/{server.model_id}", "model_id": other},
    )
    assert answer.status_code == 400
    answer = server.http.post(
        f"{MLFLOW}/model-versions/create",
        json={
            "name": "victim",
            "source": f"models:/{server.model_id}/../../../etc",
            "model_id": server.model_id,
        },
    )
    assert answer.status_code == 400


def test_a_symlink_out_of_the_run_is_refused(server: Server) -> None:
    server.run_folder.mkdir(parents=True, exist_ok=True)
    (server.run_folder / "model").symlink_to(server.secret.parent)
    answer = server.http.post(
        f"{MLFLOW}/model-versions/create",
        json={
            "name": "victim",
            "source": f"mlflow-artifacts:/{server.run_path}/model",
            "run_id": server.run_id,
        },
    )
    assert answer.status_code == 400


def test_an_accepted_source_downloads_through_the_proxy_only(server: Server) -> None:
    source = f"mlflow-artifacts:/{server.run_path}/model"
    answer = server.http.post(
        f"{MLFLOW}/model-versions/create", json={"name": "victim", "source": source, "run_id": server.run_id}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["model_version"]["source"] == source
    uri = server.http.get(
        f"{MLFLOW}/model-versions/get-download-uri", params={"name": "victim", "version": "1"}
    )
    assert uri.json() == {"artifact_uri": source}
    # MLflow's UI route that read files straight from the source does not exist here.
    leak = server.http.get(
        "/model-versions/get-artifact", params={"name": "victim", "version": "1", "path": "passwd"}
    )
    assert leak.status_code == 404
    assert "root:x" not in leak.text

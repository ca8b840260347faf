"""The native registry API (``/api/v1/registered-models``) with raw HTTP: resources, lineage in the
version view, and clear 4xx answers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from carnet.entities import Dataset, DatasetInput
from carnet.server import create_app
from carnet.store import NewLoggedModel, NewRun
from carnet.store.sql.store import SqlTrackingStore

API = "/api/v1"


@pytest.fixture
def store(tmp_path: Path) -> SqlTrackingStore:
    return SqlTrackingStore(f"sqlite:///{tmp_path / 'api.db'}", str(tmp_path / "artifacts"))


@pytest.fixture
def http(
    store: SqlTrackingStore, serve_app: Callable[..., contextlib.AbstractContextManager[str]]
) -> Iterator[httpx.Client]:
    with serve_app(create_app(store)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_version_view_carries_the_runs_experiment(http: httpx.Client, store: SqlTrackingStore) -> None:
    experiment_id = store.create_experiment("lineage")
    run = store.create_run(NewRun(experiment_id=experiment_id))
    assert http.post(f"{API}/registered-models", json={"name": "iris model"}).status_code == 201
    created = http.post(
        f"{API}/registered-models/iris%20model/versions",
        json={"source": f"{run.info.artifact_uri}/model", "run_id": run.info.run_id, "user_id": "ada"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["experiment_id"] == experiment_id
    assert body["model_version"]["version"] == 1 and body["model_version"]["run_id"] == run.info.run_id
    staged = http.post(f"{API}/registered-models/iris%20model/versions/1/stage", json={"stage": "staging"})
    assert staged.json()["model_version"]["current_stage"] == "Staging"
    assert (
        http.put(f"{API}/registered-models/iris%20model/aliases/champion", json={"version": 1}).status_code
        == 200
    )
    by_alias = http.get(f"{API}/registered-models/iris%20model/aliases/champion").json()
    assert by_alias["experiment_id"] == experiment_id
    history = http.get(f"{API}/registered-models/iris%20model/history", params={"version": 1}).json()[
        "events"
    ]
    assert [(e["kind"], e["to_value"]) for e in history][1:] == [
        ("stage", "Staging"),
        ("alias_set", "champion"),
    ]
    latest = http.get(f"{API}/registered-models/iris%20model/latest-versions", params={"stages": "Staging"})
    assert [v["version"] for v in latest.json()["model_versions"]] == [1]


def test_version_view_carries_the_runs_datasets(http: httpx.Client, store: SqlTrackingStore) -> None:
    run = store.create_run(NewRun(experiment_id="0"))
    iris = DatasetInput(Dataset("iris", "1a2b3c4d", "local", "iris.csv"), {"mlflow.data.context": "training"})
    store.log_inputs(run.info.run_id, [iris])
    assert http.post(f"{API}/registered-models", json={"name": "clf"}).status_code == 201
    created = http.post(
        f"{API}/registered-models/clf/versions",
        json={"source": f"{run.info.artifact_uri}/model", "run_id": run.info.run_id},
    )
    expected = [
        {
            "dataset": {
                "name": "iris",
                "digest": "1a2b3c4d",
                "source_type": "local",
                "source": "iris.csv",
                "schema": "",
                "profile": "",
            },
            "tags": {"mlflow.data.context": "training"},
        }
    ]
    assert created.json()["datasets"] == expected
    assert http.get(f"{API}/registered-models/clf/versions/1").json()["datasets"] == expected
    # A version of a logged model shows the datasets of the model's source run.
    logged = store.create_logged_model(NewLoggedModel(experiment_id="0", source_run_id=run.info.run_id))
    of_model = http.post(
        f"{API}/registered-models/clf/versions",
        json={"source": f"models:/{logged.model_id}", "model_id": logged.model_id},
    )
    assert of_model.status_code == 201, of_model.text
    assert of_model.json()["datasets"] == expected
    # The run's inputs through the native API.
    inputs = http.get(f"{API}/runs/{run.info.run_id}/inputs").json()
    assert inputs == {"datasets": expected}


def test_errors_are_clear(http: httpx.Client) -> None:
    missing = http.get(f"{API}/registered-models/nope")
    assert missing.status_code == 404 and missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    http.post(f"{API}/registered-models", json={"name": "m"})
    taken = http.post(f"{API}/registered-models", json={"name": "m"})
    assert taken.status_code == 400 and taken.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    bad_stage = http.post(f"{API}/registered-models/m/versions/1/stage", json={"stage": "Foo"})
    assert bad_stage.status_code == 400 and "stage" in bad_stage.json()["message"]
    bad_version = http.get(f"{API}/registered-models/m/versions/abc")
    assert bad_version.status_code == 400
    reserved = http.put(f"{API}/registered-models/m/aliases/latest", json={"version": 1})
    assert reserved.status_code == 400 and reserved.json()["error_class"] == "InvalidValue"
    unknown_field = http.post(f"{API}/registered-models", json={"name": "x", "colour": "red"})
    assert unknown_field.status_code == 400

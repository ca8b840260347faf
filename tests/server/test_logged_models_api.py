"""The native logged-model API (``/api/v1/logged-models``) with raw HTTP: bad input is a clear 4xx."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from carnet.server import create_app
from carnet.store.sql.store import SqlTrackingStore

API = "/api/v1"


@pytest.fixture
def http(
    tmp_path: Path, serve_app: Callable[..., contextlib.AbstractContextManager[str]]
) -> Iterator[httpx.Client]:
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'api.db'}", str(tmp_path / "artifacts"))
    with serve_app(create_app(store)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _error(response: httpx.Response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["error_code"], body.get("error_class")


def test_lifecycle_and_errors(http: httpx.Client) -> None:
    created = http.post(
        f"{API}/logged-models", json={"experiment_id": "0", "name": "m", "params": {"a": "1"}}
    )
    assert created.status_code == 201, created.text
    model = created.json()["model"]
    assert model["status"] == "PENDING" and model["params"] == {"a": "1"}
    model_id = model["model_id"]
    ready = http.patch(f"{API}/logged-models/{model_id}", json={"status": "READY"})
    assert ready.json()["model"]["status"] == "READY"

    assert _error(http.patch(f"{API}/logged-models/{model_id}", json={"status": "DONE"})) == (
        400,
        "INVALID_PARAMETER_VALUE",
        "InvalidValue",
    )
    assert _error(http.patch(f"{API}/logged-models/{model_id}", json={"status": 2}))[0] == 400
    assert _error(http.patch(f"{API}/logged-models/{model_id}", json={}))[0] == 400
    assert _error(http.get(f"{API}/logged-models/m-nope"))[:2] == (404, "RESOURCE_DOES_NOT_EXIST")
    assert _error(http.post(f"{API}/logged-models", json={"experiment_id": "12"}))[:2] == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    assert _error(http.post(f"{API}/logged-models", json={"experiment_id": "x"}))[0] == 400
    assert _error(http.post(f"{API}/logged-models", json={"experiment_id": "0", "oops": 1}))[0] == 400
    bad_tag = {"experiment_id": "0", "tags": {"../x": "v"}}
    assert _error(http.post(f"{API}/logged-models", json=bad_tag))[0] == 400
    bad_param = {"params": {"a": "x" * 6001}}
    assert _error(http.post(f"{API}/logged-models/{model_id}/params", json=bad_param))[0] == 400
    conflict = http.post(f"{API}/logged-models/{model_id}/params", json={"params": {"a": "2"}})
    assert _error(conflict) == (400, "INVALID_PARAMETER_VALUE", "ParamConflict")
    search = http.post(f"{API}/logged-models/search", json={"experiment_ids": ["0"], "filter": "name = 'm'"})
    assert [m["model_id"] for m in search.json()["models"]] == [model_id]
    bad_filter = {"experiment_ids": ["0"], "filter": "name = m"}
    assert _error(http.post(f"{API}/logged-models/search", json=bad_filter))[2] == "InvalidFilter"
    assert _error(http.post(f"{API}/logged-models/search", json={"experiment_ids": "0"}))[0] == 400

    run_id = http.post(f"{API}/runs", json={"experiment_id": "0"}).json()["run"]["info"]["run_id"]
    outputs = {"models": [{"model_id": model_id, "step": 3}]}
    assert http.post(f"{API}/runs/{run_id}/outputs", json=outputs).status_code == 200
    assert http.get(f"{API}/runs/{run_id}/outputs").json() == outputs
    missing = {"models": [{"model_id": "m-" + "1" * 32}]}
    assert _error(http.post(f"{API}/runs/{run_id}/outputs", json=missing))[:2] == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    assert _error(http.post(f"{API}/runs/{run_id}/outputs", json={"models": [{"step": 1}]}))[0] == 400

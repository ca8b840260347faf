"""Managed endpoints against a real server on a loopback port with real scoring processes:
create, kill the process (restarted), move the alias (redeployed), split traffic, keys, failures,
delete."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from carnet.deploy.client import EndpointsClient
from carnet.entities import DeploymentStatus, Endpoint
from carnet.exceptions import AlreadyExists, InvalidName, InvalidValue, NotFound
from carnet.store.endpoints import NewDeployment

Served = Callable[..., contextlib.AbstractContextManager[str]]
ROW = json.dumps({"inputs": [[0.5, 1.5]]}).encode()


def _register_constants(uri: str) -> None:
    """Registered model ``const``: version 1 predicts 1.0, version 2 predicts 2.0."""
    import numpy as np
    from sklearn.dummy import DummyRegressor

    import carnet
    import carnet.sklearn

    X, y = np.zeros((4, 2)), np.zeros(4)
    carnet.set_tracking_uri(uri)
    for value in (1.0, 2.0):
        with carnet.start_run():
            model = DummyRegressor(strategy="constant", constant=value).fit(X, y)
            carnet.sklearn.log_model(model, "model", registered_model_name="const")


@pytest.fixture
def server(tmp_path: Path, serve_app: Served) -> Iterator[tuple[EndpointsClient, Any]]:
    from carnet.config import resolve_location
    from carnet.server import create_app
    from carnet.store import tracking_store

    uri = f"sqlite:///{tmp_path / 'server' / 'carnet.db'}"
    _register_constants(uri)
    store = tracking_store(resolve_location(uri))
    store.set_registered_model_alias("const", "live", 1)
    app = create_app(store, endpoints_dir=tmp_path / "endpoints")
    try:
        with serve_app(app) as url:
            client = EndpointsClient(url)
            yield client, store
            client.close()
    finally:
        app.state.supervisor.stop()


def _until(
    client: EndpointsClient, name: str, check: Callable[[Endpoint], bool], timeout: float = 90
) -> Endpoint:
    deadline = time.monotonic() + timeout
    while True:
        endpoint = client.get(name)
        if check(endpoint):
            return endpoint
        if time.monotonic() > deadline:
            raise AssertionError(f"endpoint never got there: {endpoint}")
        time.sleep(0.2)


def _ready(endpoint: Endpoint) -> bool:
    return all(d.status is DeploymentStatus.READY for d in endpoint.deployments)


def _score(client: EndpointsClient, name: str, key: str) -> float:
    response = client.invoke(name, key, ROW)
    assert response.status_code == 200, response.text
    return float(response.json()["predictions"][0])


def test_create_kill_restart_follow_the_alias_and_delete(server: tuple[EndpointsClient, Any]) -> None:
    client, store = server
    endpoint, key = client.create("const-live", "models:/const@live")
    assert endpoint.deployments[0].status is DeploymentStatus.PENDING
    ready = _until(client, "const-live", _ready)
    first = ready.deployments[0]
    assert first.resolved_uri == "models:/const/1"
    assert _score(client, "const-live", key) == 1.0

    os.kill(int(first.pid or 0), signal.SIGKILL)  # the scoring process dies: it is started again
    again = _until(client, "const-live", lambda e: _ready(e) and e.deployments[0].pid != first.pid)
    assert again.deployments[0].restarts == 1
    assert _score(client, "const-live", key) == 1.0

    store.set_registered_model_alias("const", "live", 2)  # the alias moves: redeployed
    moved = _until(
        client, "const-live", lambda e: _ready(e) and e.deployments[0].resolved_uri == "models:/const/2"
    )
    assert _score(client, "const-live", key) == 2.0
    pid = int(moved.deployments[0].pid or 0)
    logs = client.logs("const-live")
    assert "starting models:/const/2" in logs["default"]

    client.delete("const-live")
    with pytest.raises(NotFound):
        client.get("const-live")
    deadline = time.monotonic() + 30
    while _alive(pid):
        assert time.monotonic() < deadline, "the deleted endpoint's process still runs"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours counts as gone
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def test_traffic_is_split_by_percentage_and_keys_are_checked(server: tuple[EndpointsClient, Any]) -> None:
    client, _ = server
    blue_green = [NewDeployment("blue", "models:/const/1", 70), NewDeployment("green", "models:/const/2", 30)]
    _, key = client.create("split", deployments=blue_green)
    _until(client, "split", _ready)
    answers = [_score(client, "split", key) for _ in range(100)]
    assert 60 <= answers.count(1.0) <= 80
    assert answers.count(1.0) + answers.count(2.0) == 100

    assert client.invoke("split", "ck_wrong", ROW).status_code == 401
    no_key = client.invoke("split", "", ROW)
    assert no_key.status_code == 401
    assert no_key.headers["www-authenticate"] == "Bearer"

    bad_row = client.invoke("split", key, b'{"inputs": "not rows"}')  # the scoring app's own 4xx
    assert bad_row.status_code == 400

    everything_green = client.update("split", deployments=[NewDeployment("green", "models:/const/2", 100)])
    assert [d.name for d in everything_green.deployments] == ["green"]
    time.sleep(0.6)  # past the router's cache of the deployments' state
    assert {_score(client, "split", key) for _ in range(10)} == {2.0}


def test_models_that_cannot_load_show_failed_with_the_reason(
    server: tuple[EndpointsClient, Any], tmp_path: Path
) -> None:
    import carnet

    client, _ = server
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "MLmodel").write_text("flavors: {python_function: {loader_module: os}}\n")
    with carnet.start_run() as run:  # a model folder that names a loader carnet refuses
        carnet.log_artifacts(str(broken), "broken")
    client.create("broken", f"runs:/{run.info.run_id}/broken")
    failed = _until(client, "broken", lambda e: e.deployments[0].status is DeploymentStatus.FAILED)
    assert "loader_module 'os'" in failed.deployments[0].message
    client.create("unknown", "models:/nope@live")
    missing = _until(client, "unknown", lambda e: e.deployments[0].status is DeploymentStatus.FAILED)
    assert "nope" in missing.deployments[0].message
    listed = {e.name: e.status for e in client.list()}
    assert listed == {"broken": DeploymentStatus.FAILED, "unknown": DeploymentStatus.FAILED}


def test_bad_requests_name_the_field(server: tuple[EndpointsClient, Any]) -> None:
    client, _ = server
    with pytest.raises(InvalidName) as bad_name:
        client.create("../etc", "models:/const/1")
    assert bad_name.value.field == "name"
    with pytest.raises(InvalidValue) as bad_split:
        client.create(
            "e", deployments=[NewDeployment("a", "models:/const/1", 60), NewDeployment("b", "runs:/1/m", 30)]
        )
    assert bad_split.value.field == "deployments.traffic"
    with pytest.raises(InvalidValue) as twice:
        client.create(
            "e", deployments=[NewDeployment("a", "runs:/1/m", 50), NewDeployment("a", "runs:/1/m", 50)]
        )
    assert twice.value.field == "deployments.name"
    for path in ("/etc", "file:///etc", "models:/../x/1", ""):
        with pytest.raises(InvalidValue) as not_a_model:
            client.create("e", path)
        assert not_a_model.value.field == "model_uri"
    client.create("e", "models:/const/1")
    with pytest.raises(AlreadyExists):
        client.create("e", "models:/const/1")
    with pytest.raises(NotFound):
        client.logs("e", deployment="nope")
    assert client.invoke("nope", "k", ROW).status_code == 404

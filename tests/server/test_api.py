"""The native API (``/api/v1``) spoken directly with httpx against a real server on a loopback port."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from carnet.exceptions import ParamConflict, error_from_dict
from carnet.server import create_app
from carnet.store.sql.store import SqlTrackingStore

API = "/api/v1"


@pytest.fixture
def http(
    tmp_path: Path, serve_app: Callable[..., contextlib.AbstractContextManager[str]]
) -> Iterator[httpx.Client]:
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'api.db'}", str(tmp_path / "artifacts"))
    with (
        serve_app(create_app(store, version="9.9.9", max_body_bytes=1_000_000)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def run_id(http: httpx.Client) -> str:
    response = http.post(f"{API}/runs", json={"experiment_id": "0", "run_name": "api"})
    assert response.status_code == 201
    return str(response.json()["run"]["info"]["run_id"])


def _error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    assert body["message"]
    return dict(body)


def test_health_and_version(http: httpx.Client) -> None:
    health = http.get("/health")
    assert (health.status_code, health.text) == (200, "OK")
    assert health.headers["content-type"].startswith("text/plain")
    assert http.get("/version").text == "9.9.9"


def test_openapi_schema_and_docs_are_served(http: httpx.Client) -> None:
    schema = http.get(f"{API}/openapi.json").json()
    assert schema["info"]["version"] == "9.9.9"
    for path in (
        f"{API}/experiments",
        f"{API}/experiments/{{experiment_id}}",
        f"{API}/runs",
        f"{API}/runs/search",
        f"{API}/runs/{{run_id}}/batches",
        f"{API}/runs/{{run_id}}/metrics",
    ):
        assert path in schema["paths"], path
    assert "LogBatchRequest" in schema["components"]["schemas"]
    assert http.get(f"{API}/docs").status_code == 200


def test_experiment_routes(http: httpx.Client) -> None:
    created = http.post(f"{API}/experiments", json={"name": "api-exp", "tags": {"team": "a"}})
    assert created.status_code == 201
    experiment_id = created.json()["experiment_id"]
    got = http.get(f"{API}/experiments/{experiment_id}").json()["experiment"]
    assert (got["name"], got["tags"], got["lifecycle_stage"]) == ("api-exp", {"team": "a"}, "active")
    by_name = http.get(f"{API}/experiments/by-name/api-exp").json()["experiment"]
    assert by_name["experiment_id"] == experiment_id
    _error(http.get(f"{API}/experiments/by-name/absent"), 404, "RESOURCE_DOES_NOT_EXIST")
    assert http.patch(f"{API}/experiments/{experiment_id}", json={"name": "renamed"}).status_code == 200
    assert http.put(f"{API}/experiments/{experiment_id}/tags/team", json={"value": "b"}).status_code == 200
    assert http.delete(f"{API}/experiments/{experiment_id}").status_code == 200
    names = [e["name"] for e in http.get(f"{API}/experiments").json()["experiments"]]
    assert names == ["Default"]
    deleted = http.get(f"{API}/experiments", params={"view": "deleted_only"}).json()["experiments"]
    assert [(e["name"], e["tags"]) for e in deleted] == [("renamed", {"team": "b"})]
    assert http.post(f"{API}/experiments/{experiment_id}/restore", json={}).status_code == 200
    listed = http.get(f"{API}/experiments", params={"view": "all", "name_like": "ren%"}).json()
    assert [e["experiment_id"] for e in listed["experiments"]] == [experiment_id]
    _error(http.post(f"{API}/experiments", json={"name": "renamed"}), 400, "RESOURCE_ALREADY_EXISTS")


def test_run_routes_and_search(http: httpx.Client, run_id: str) -> None:
    batch = {
        "batch_id": "b1",
        "metrics": [{"key": "val/loss", "value": 0.5, "timestamp": 1, "step": 0}],
        "params": [{"key": "lr", "value": "0.1"}],
        "tags": [{"key": "t", "value": "x"}],
    }
    assert http.post(f"{API}/runs/{run_id}/batches", json=batch).json() == {}
    assert http.post(f"{API}/runs/{run_id}/batches", json=batch).status_code == 200  # same id: stored once
    run = http.get(f"{API}/runs/{run_id}").json()["run"]
    assert run["data"] == {"metrics": {"val/loss": 0.5}, "params": {"lr": "0.1"}, "tags": {"t": "x"}}
    history = http.get(f"{API}/runs/{run_id}/metrics/val/loss/history").json()["metrics"]
    assert history == [{"key": "val/loss", "value": 0.5, "timestamp": 1, "step": 0}]
    infos = http.get(f"{API}/runs/{run_id}/metrics").json()["metrics"]
    assert [(i["name"], i["kind"], i["count"]) for i in infos] == [("val/loss", "series", 1)]
    found = http.post(
        f"{API}/runs/search",
        json={"experiment_ids": ["0"], "filter": "metrics.`val/loss` < 1", "max_results": 5},
    ).json()
    assert [r["info"]["run_id"] for r in found["runs"]] == [run_id]
    assert found["next_page_token"] is None
    ended = http.patch(f"{API}/runs/{run_id}", json={"status": "FINISHED", "end_time": 99}).json()["info"]
    assert (ended["status"], ended["end_time"]) == ("Completed", 99)
    _error(http.post(f"{API}/runs/{run_id}/batches", json=batch | {"batch_id": "b2"}), 400, "INVALID_STATE")
    assert http.delete(f"{API}/runs/{run_id}").status_code == 200
    assert http.get(f"{API}/runs/{run_id}").json()["run"]["info"]["lifecycle_stage"] == "deleted"
    assert http.post(f"{API}/runs/{run_id}/restore", json={}).status_code == 200


def test_records_route(http: httpx.Client, run_id: str) -> None:
    row = {"epoch": 1, "acc": {"$float": "NaN"}, "note": "NaN"}
    batch = {"records": [{"key": "row", "kind": "row", "payload": row, "timestamp": 5}]}
    assert http.post(f"{API}/runs/{run_id}/batches", json=batch).status_code == 200
    [record] = http.get(f"{API}/runs/{run_id}/metrics/row/records").json()["records"]
    assert record == {"name": "row", "kind": "row", "seq": 0, "payload": row, "timestamp": 5}


def test_unknown_run_is_404_naming_it(http: httpx.Client) -> None:
    missing = "f" * 32
    for response in (
        http.get(f"{API}/runs/{missing}"),
        http.get(f"{API}/runs/{missing}/metrics"),
        http.get(f"{API}/runs/{missing}/metrics/loss/history"),
        http.post(f"{API}/runs/{missing}/batches", json={}),
        http.patch(f"{API}/runs/{missing}", json={"status": "Completed"}),
    ):
        body = _error(response, 404, "RESOURCE_DOES_NOT_EXIST")
        assert missing in body["message"]


def test_bad_filter_is_400(http: httpx.Client) -> None:
    response = http.post(f"{API}/runs/search", json={"experiment_ids": ["0"], "filter": "metrics.acc >"})
    assert _error(response, 400, "INVALID_PARAMETER_VALUE")["error_class"] == "InvalidFilter"


def test_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post(
        f"{API}/experiments", content=b'{"name": "x",', headers={"content-type": "application/json"}
    )
    assert "JSON" in _error(response, 400, "INVALID_PARAMETER_VALUE")["message"]


def test_wrong_types_are_400_naming_the_field(http: httpx.Client, run_id: str) -> None:
    response = http.post(
        f"{API}/runs/{run_id}/batches",
        json={"metrics": [{"key": "m", "value": "high", "timestamp": 1}]},
    )
    body = _error(response, 400, "INVALID_PARAMETER_VALUE")
    assert body["field"] == "metrics.0.value"
    assert "metrics.0.value" in body["message"]
    missing = _error(http.post(f"{API}/experiments", json={}), 400, "INVALID_PARAMETER_VALUE")
    assert missing["field"] == "name"
    view = _error(http.get(f"{API}/experiments", params={"view": "sideways"}), 400, "INVALID_PARAMETER_VALUE")
    assert view["field"] == "view"
    extra = _error(
        http.post(f"{API}/experiments", json={"name": "x", "colour": 1}), 400, "INVALID_PARAMETER_VALUE"
    )
    assert extra["field"] == "colour"
    status = _error(
        http.patch(f"{API}/runs/{run_id}", json={"status": "DONE"}), 400, "INVALID_PARAMETER_VALUE"
    )
    assert status["field"] == "status"


def test_errors_rebuild_the_same_class(http: httpx.Client, run_id: str) -> None:
    batch = {"params": [{"key": "p", "value": "1"}]}
    http.post(f"{API}/runs/{run_id}/batches", json=batch)
    response = http.post(f"{API}/runs/{run_id}/batches", json={"params": [{"key": "p", "value": "2"}]})
    body = _error(response, 400, "INVALID_PARAMETER_VALUE")
    assert type(error_from_dict(body)) is ParamConflict


def test_batch_limits_are_400(http: httpx.Client, run_id: str) -> None:
    from carnet.validation import MAX_BATCH_PARAMS

    params = [{"key": f"p{i}", "value": "v"} for i in range(MAX_BATCH_PARAMS + 1)]
    body = _error(
        http.post(f"{API}/runs/{run_id}/batches", json={"params": params}), 400, "INVALID_PARAMETER_VALUE"
    )
    assert body["field"] == "params"


def test_oversized_body_is_413(http: httpx.Client, run_id: str) -> None:
    response = http.post(
        f"{API}/runs/{run_id}/batches",
        content=b"{" + b" " * 1_000_001 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"

    def chunks() -> Iterator[bytes]:  # no content-length: counted as it streams
        yield b"{"
        for _ in range(20):
            yield b" " * 100_000
        yield b"}"

    streamed = http.post(
        f"{API}/runs/{run_id}/batches", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_unknown_route_is_404(http: httpx.Client) -> None:
    body = _error(http.get(f"{API}/nothing/here"), 404, "ENDPOINT_NOT_FOUND")
    assert "/api/v1/nothing/here" in body["message"]
    assert http.put(f"{API}/runs/search", json={}).status_code == 405


def test_non_finite_values_round_trip(http: httpx.Client, run_id: str) -> None:
    metrics = [
        {"key": "m", "value": "NaN", "timestamp": 1, "step": 0},
        {"key": "m", "value": "Infinity", "timestamp": 2, "step": 1},
        {"key": "m", "value": "-Infinity", "timestamp": 3, "step": 2},
        {"key": "m", "value": 1.5, "timestamp": 4, "step": 3},
    ]
    assert http.post(f"{API}/runs/{run_id}/batches", json={"metrics": metrics}).status_code == 200
    response = http.get(f"{API}/runs/{run_id}/metrics/m/history")
    assert "NaN," not in response.text  # never a bare NaN token: the body is strict JSON
    values = [p["value"] for p in response.json()["metrics"]]
    assert values == ["NaN", "Infinity", "-Infinity", 1.5]
    from carnet.schemas import MetricHistoryResponse

    parsed = [p.value for p in MetricHistoryResponse.model_validate(response.json()).metrics]
    assert math.isnan(parsed[0])
    assert parsed[1:] == [math.inf, -math.inf, 1.5]
    http.post(
        f"{API}/runs/{run_id}/batches", json={"metrics": [{"key": "z", "value": "-Infinity", "timestamp": 9}]}
    )
    assert http.get(f"{API}/runs/{run_id}").json()["run"]["data"]["metrics"]["z"] == "-Infinity"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metrics": [{"key": "../x", "value": 1.0, "timestamp": 0, "step": 0}]}, "metrics"),
        ({"params": [{"key": "/abs", "value": "1"}]}, "params"),
        ({"params": [{"key": "p", "value": "v" * 7000}]}, "params.p"),
        ({"tags": [{"key": "", "value": "x"}]}, "tags"),
    ],
)
def test_names_and_values_are_checked_at_the_api_edge(
    http: httpx.Client, run_id: str, body: dict[str, object], field: str
) -> None:
    """A raw HTTP client meets the SDK's checks, and a refused batch writes nothing."""
    batch = {"metrics": [{"key": "ok", "value": 1.0, "timestamp": 0, "step": 0}], **body}
    error = _error(http.post(f"{API}/runs/{run_id}/batches", json=batch), 400, "INVALID_PARAMETER_VALUE")
    assert error["field"] == field
    assert http.get(f"{API}/runs/{run_id}/metrics").json()["metrics"] == []


def test_path_like_experiment_and_run_names_are_refused(http: httpx.Client) -> None:
    _error(http.post(f"{API}/experiments", json={"name": "../etc"}), 400, "INVALID_PARAMETER_VALUE")
    _error(
        http.post(f"{API}/runs", json={"experiment_id": "0", "run_name": "a/../../b"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )

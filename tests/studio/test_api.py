"""The JSON endpoints the studio reads, over a real server: experiment summaries, the runs table,
chart data, run tags, and the file listings of runs and model versions."""

from __future__ import annotations

import httpx
import numpy as np

import carnet
from studio.data import StudioData


def _post(studio: StudioData, path: str, body: object) -> httpx.Response:
    return httpx.post(f"{studio.url}/api/v1/{path}", json=body)


def test_experiment_summaries_count_runs(studio: StudioData) -> None:
    found = httpx.get(f"{studio.url}/api/v1/experiment-summaries").json()["experiments"]
    diabetes = next(e for e in found if e["name"] == "diabetes")
    assert diabetes["run_count"] == 5 and diabetes["last_activity"] > 0


def test_runs_table_nests_fills_columns_and_lists_keys(studio: StudioData) -> None:
    body = {"experiment_ids": [studio.experiment_id], "columns": ["metrics.rmse", "attributes.duration"]}
    page = _post(studio, "runs/table", body).json()
    parent = next(r for r in page["rows"] if r["run_id"] == studio.parent_id)
    assert parent["child_count"] == 3 and parent["depth"] == 0
    children = [r for r in page["rows"] if r["depth"] == 1]
    assert {r["run_id"] for r in children} == set(studio.child_ids)
    assert sorted(r["values"]["metrics.rmse"] for r in children) == [50.0, 52.5, 55.0]
    assert all(r["values"]["attributes.duration"] >= 0 for r in page["rows"])
    assert {"alpha", "model"} <= set(page["available"]["params"])
    auto = _post(
        studio, "runs/table", {"experiment_ids": [studio.experiment_id], "auto_columns": True}
    ).json()
    assert auto["columns"] and all(c.startswith(("metrics.", "params.")) for c in auto["columns"])


def test_runs_table_pages(studio: StudioData) -> None:
    body = {"experiment_ids": [studio.experiment_id], "max_results": 1, "nested": False}
    first = _post(studio, "runs/table", body).json()
    second = _post(studio, "runs/table", {**body, "page_token": first["next_page_token"]}).json()
    assert len(first["rows"]) == len(second["rows"]) == 1
    assert first["rows"][0]["run_id"] != second["rows"][0]["run_id"]


def test_runs_table_bad_input_names_the_field(studio: StudioData) -> None:
    for body, field in (
        ({"experiment_ids": [studio.experiment_id], "filter": "metrics.rmse <"}, None),
        ({"experiment_ids": [studio.experiment_id], "columns": ["rmse"]}, "columns"),
        ({"experiment_ids": [studio.experiment_id], "columns": ["attributes.nope"]}, "columns"),
        ({"experiment_ids": [studio.experiment_id], "max_results": 0}, "max_results"),
        ({"experiment_ids": []}, "experiment_ids"),
    ):
        answer = _post(studio, "runs/table", body)
        assert answer.status_code == 400, body
        if field:
            assert answer.json()["field"] == field


def test_chart_data_downsamples_a_long_series(studio: StudioData) -> None:
    ws = carnet.Workspace(studio.uri)
    with carnet.Experiment(ws, "long").start_logging() as run:
        values = np.sin(np.arange(50_000) / 100.0)
        values[31_415] = 9.0
        for value in values:
            run.log("signal", float(value))
    url = f"{studio.url}/api/v1/runs/{run.id}/metrics/signal/chart"
    whole = httpx.get(url, params={"buckets": 400}).json()
    assert whole["total"] == 50_000 and whole["downsampled"] and len(whole["y"]) <= 800
    assert 9.0 in whole["y"] and whole["x_range"] == [0.0, 49_999.0]
    zoom = httpx.get(url, params={"buckets": 400, "x_min": 31_000, "x_max": 31_799}).json()
    assert zoom["in_range"] == 800 and not zoom["downsampled"] and len(zoom["y"]) == 800
    relative = httpx.get(url, params={"x": "relative", "buckets": 10}).json()
    assert relative["x_range"][0] == 0.0 and min(relative["x"]) >= 0.0
    assert httpx.get(url, params={"x": "sideways"}).json()["field"] == "x"
    assert httpx.get(url, params={"x": "metric:nothing"}).status_code == 400
    assert httpx.get(url, params={"buckets": 0}).status_code == 400
    missing = httpx.get(f"{studio.url}/api/v1/runs/0123456789abcdef0123456789abcdef/metrics/x/chart")
    assert missing.status_code == 404


def test_chart_against_another_metric_matches_steps(studio: StudioData) -> None:
    url = f"{studio.url}/api/v1/runs/{studio.rich_id}/metrics/loss/chart"
    got = httpx.get(url, params={"x": "metric:accuracy"}).json()
    assert len(got["x"]) == 300 and got["x"][0] == 0.5 and got["y"][0] == 2.0


def test_run_tags_endpoint_checks_keys(studio: StudioData) -> None:
    url = f"{studio.url}/api/v1/runs/{studio.child_ids[0]}/tags"
    assert httpx.patch(url, json={"tags": {"note": "ok"}}).status_code == 200
    refused = httpx.patch(url, json={"tags": {"../x": "no"}})
    assert refused.status_code == 400
    assert httpx.patch(url, json={"tags": {}, "extra": 1}).status_code == 400


def test_model_version_files_are_listed(studio: StudioData) -> None:
    base = f"{studio.url}/api/v1/registered-models/{studio.model_name}/versions/1/files"
    files = httpx.get(base).json()["files"]
    assert {f["path"] for f in files} == {"MLmodel", "model.pkl"}
    assert httpx.get(f"{base}/preview", params={"path": "MLmodel"}).json()["kind"] == "mlmodel"
    assert httpx.get(f"{studio.url}/api/v1/registered-models/nope/versions/1/files").status_code == 404


def test_runs_table_nests_grandchildren_in_order(studio: StudioData) -> None:
    ws = carnet.Workspace(studio.uri)
    experiment = carnet.Experiment(ws, "nested")
    with (
        experiment.start_logging(display_name="top") as top,
        top.child_run("middle") as middle,
        middle.child_run("leaf"),
    ):
        pass
    page = _post(studio, "runs/table", {"experiment_ids": [experiment.id]}).json()
    assert [(r["run_name"], r["depth"], r["child_count"]) for r in page["rows"]] == [
        ("top", 0, 1),
        ("middle", 1, 1),
        ("leaf", 2, 0),
    ]

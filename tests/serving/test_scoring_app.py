"""The scoring protocol against a real server on a loopback port: every payload format, CSV,
predict_proba, signature checks, size and content-type refusals, micro-batching, /metrics and
the OpenAPI document."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from tests.serving.conftest import COLUMNS

from carnet.serving import load_app

Served = Callable[..., contextlib.AbstractContextManager[str]]


@pytest.fixture
def url(iris_model: Path, serve_app: Served) -> Iterator[str]:
    with serve_app(load_app(str(iris_model), max_body_bytes=200_000)) as served:
        yield served


def _post(url: str, body: Any, *, query: str = "", content_type: str = "application/json") -> httpx.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return httpx.post(
        f"{url}/invocations{query}", content=data, headers={"content-type": content_type}, timeout=30
    )


def test_every_json_format_and_csv_gives_the_models_predictions(
    url: str, iris: tuple[pd.DataFrame, pd.Series], iris_expected: Any
) -> None:
    X = iris[0].iloc[:20]
    want = iris_expected[:20].tolist()
    split = json.loads(X.to_json(orient="split", index=False))
    bodies = {
        "dataframe_split": {"dataframe_split": split},
        "dataframe_records": {"dataframe_records": X.to_dict(orient="records")},
        "instances (records)": {"instances": X.to_dict(orient="records")},
        "inputs (rows)": {"inputs": X.to_numpy().tolist()},
        "instances (rows)": {"instances": X.to_numpy().tolist()},
    }
    for label, body in bodies.items():
        response = _post(url, body)
        assert response.status_code == 200, (label, response.text)
        assert response.json() == {"predictions": want}, label
    csv = _post(url, X.to_csv(index=False), content_type="text/csv")
    assert csv.status_code == 200, csv.text
    assert csv.json() == {"predictions": want}


def test_predict_proba_on_request(url: str, iris: tuple[pd.DataFrame, pd.Series], iris_model: Path) -> None:
    import carnet.pyfunc

    X = iris[0].iloc[:5]
    want = carnet.pyfunc.load_model(iris_model).predict_proba(X)
    by_query = _post(url, {"dataframe_records": X.to_dict(orient="records")}, query="?method=predict_proba")
    assert by_query.status_code == 200, by_query.text
    np.testing.assert_allclose(by_query.json()["predictions"], want)
    by_params = _post(
        url, {"dataframe_records": X.to_dict(orient="records"), "params": {"predict_method": "predict_proba"}}
    )
    np.testing.assert_allclose(by_params.json()["predictions"], want)
    unknown = _post(url, {"dataframe_records": X.to_dict(orient="records")}, query="?method=transform")
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "method"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        ({"dataframe_records": [{"sepal_length": 1.0}]}, "application/json", 400, "sepal_width"),
        (
            {"dataframe_records": [dict.fromkeys([*COLUMNS, "colour"], 1.0)]},
            "application/json",
            400,
            "colour",
        ),
        (
            {"dataframe_split": {"columns": COLUMNS, "data": [["wide", 1.0, 1.0, 1.0]]}},
            "application/json",
            400,
            "sepal_length",
        ),
        ({"dataframe_split": {"columns": COLUMNS, "data": [[1.0, 2.0]]}}, "application/json", 400, None),
        ({"inputs": [[1.0, 2.0]]}, "application/json", 400, "model_input"),
        (b"", "application/json", 400, "body"),
        (b"{not json", "application/json", 400, "body"),
        ({"dataframe_records": [], "inputs": []}, "application/json", 400, "body"),
        ({"rows": [[1, 2, 3, 4]]}, "application/json", 400, "rows"),
        ({"inputs": [[1, 2, 3, 4]], "params": [1]}, "application/json", 400, "params"),
        (b"a,b\n1,2\n", "text/plain", 415, "content-type"),
        (b"", "text/csv", 400, "body"),
        (b"x" * 300_000, "application/json", 413, "body"),
    ],
)
def test_bad_requests_are_4xx_naming_the_field_and_the_server_stays_up(
    url: str,
    body: Any,
    content_type: str,
    status: int,
    field: str | None,
    iris: tuple[pd.DataFrame, pd.Series],
) -> None:
    response = _post(url, body, content_type=content_type)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["message"]
    if field is not None:
        assert error["field"] == field, error
    ok = _post(url, {"inputs": iris[0].iloc[:1].to_numpy().tolist()})
    assert ok.status_code == 200


def test_concurrent_requests_each_get_their_own_answer_even_beside_a_bad_one(
    url: str, iris: tuple[pd.DataFrame, pd.Series], iris_expected: Any
) -> None:
    X = iris[0]

    def one(i: int) -> tuple[int, int, Any]:
        if i == 7:  # a type error inside what may become a merged batch
            row = dict(X.iloc[i])
            row["petal_width"] = "thin"
            response = _post(url, {"dataframe_records": [row]})
        else:
            response = _post(url, {"dataframe_records": [dict(X.iloc[i])]})
        return i, response.status_code, response.json()

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(0, 150, 3)))
    for i, status, body in results:
        if i == 7:
            assert status == 400
            assert body["field"] == "petal_width"
        else:
            assert status == 200, body
            assert body == {"predictions": [int(iris_expected[i])]}


def test_ping_health_version_metrics_and_openapi(url: str, iris: tuple[pd.DataFrame, pd.Series]) -> None:
    assert httpx.get(f"{url}/ping").status_code == 200
    assert httpx.get(f"{url}/health").status_code == 200
    assert httpx.get(f"{url}/version").text
    _post(url, {"inputs": iris[0].iloc[:3].to_numpy().tolist()})
    _post(url, b"", content_type="text/plain")
    metrics = httpx.get(f"{url}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'carnet_scoring_requests_total{status="200"} 1' in text
    assert 'carnet_scoring_requests_total{status="415"} 1' in text
    assert 'carnet_scoring_request_seconds_bucket{le="+Inf"} 2' in text
    assert "carnet_scoring_rows_total 3" in text
    document = httpx.get(f"{url}/openapi.json").json()
    body = document["paths"]["/invocations"]["post"]["requestBody"]["content"]["application/json"]
    record = body["schema"]["properties"]["dataframe_records"]["items"]
    assert record["required"] == COLUMNS
    assert record["properties"]["sepal_length"] == {"type": "number"}
    assert body["example"]["dataframe_split"]["columns"] == COLUMNS
    assert "predict_proba" in document["paths"]["/invocations"]["post"]["parameters"][0]["schema"]["enum"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")  # MLflow's own import-time notes
def test_mlflow_scoring_client_works_unchanged(
    url: str, iris: tuple[pd.DataFrame, pd.Series], iris_expected: Any
) -> None:
    from mlflow.pyfunc.scoring_server.client import ScoringServerClient

    host, port = url.removeprefix("http://").split(":")
    client = ScoringServerClient(host, int(port))
    client.wait_server_ready(timeout=10)
    assert client.get_version()
    response = client.invoke(iris[0].iloc[:10])
    assert response["predictions"] == iris_expected[:10].tolist()
    assert response.get_predictions().iloc[:, 0].tolist() == iris_expected[:10].tolist()
    as_array = client.invoke(iris[0].iloc[:4].to_numpy())
    assert as_array["predictions"] == iris_expected[:4].tolist()

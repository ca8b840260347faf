""" "Use this model": the notebook and snippets a model version's page offers, run for real."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from carnet.deploy.client import EndpointsClient
from carnet.entities import DeploymentStatus

Served = Callable[..., contextlib.AbstractContextManager[str]]


@pytest.fixture
def url(tmp_path: Path, serve_app: Served) -> Iterator[str]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import carnet
    import carnet.sklearn
    from carnet.config import resolve_location
    from carnet.server import create_app
    from carnet.store import tracking_store

    uri = f"sqlite:///{tmp_path / 'server' / 'carnet.db'}"
    carnet.set_tracking_uri(uri)
    X, y = load_iris(return_X_y=True, as_frame=True)
    with carnet.start_run():
        model = LogisticRegression(max_iter=300).fit(X, y)
        carnet.sklearn.log_model(model, "model", registered_model_name="iris", input_example=X.head(2))
    app = create_app(tracking_store(resolve_location(uri)), endpoints_dir=tmp_path / "endpoints")
    try:
        with serve_app(app) as address:
            yield address
    finally:
        app.state.supervisor.stop()


def test_snippets_and_notebook_for_a_version_and_its_endpoint(url: str, tmp_path: Path) -> None:
    plain = httpx.get(f"{url}/api/v1/model-versions/use", params={"name": "iris", "version": 1}).json()
    assert plain["endpoints"] == []
    assert "carnet -u" in plain["snippets"]["serve"]
    assert plain["input_example"]["dataframe_split"]["columns"][0] == "sepal length (cm)"

    client = EndpointsClient(url)
    _, key = client.create("iris", "models:/iris/1")
    deadline = time.monotonic() + 90
    while client.get("iris").status is not DeploymentStatus.READY:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    client.close()
    use: dict[str, Any] = httpx.get(
        f"{url}/api/v1/model-versions/use", params={"name": "iris", "version": 1}
    ).json()
    assert use["model_uri"] == "models:/iris/1"
    assert use["endpoints"] == ["iris"]
    assert f"{url}/endpoints/iris/invocations" in use["snippets"]["curl"]
    # The Python snippet, as a user would paste it, scores the input example through the endpoint.
    script = tmp_path / "snippet.py"
    script.write_text(use["snippets"]["python"])
    env = {**os.environ, "CARNET_ENDPOINT_KEY": key}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[0, 0]"

    book = use["notebook"]
    assert book["nbformat"] == 4
    assert [c["cell_type"] for c in book["cells"]][:3] == ["markdown", "code", "code"]
    assert "models:/iris/1" in "".join(c["source"] for c in book["cells"])
    download = httpx.get(
        f"{url}/api/v1/model-versions/use", params={"name": "iris", "version": 1, "format": "ipynb"}
    )
    assert download.headers["content-type"].startswith("application/x-ipynb+json")
    assert 'filename="iris-v1-batch-inference.ipynb"' in download.headers["content-disposition"]
    try:  # nbformat is not a dependency of carnet; where it is installed, it checks the file too
        import nbformat
    except ImportError:
        return
    nbformat.validate(nbformat.reads(download.text, as_version=4))


def test_unknown_versions_and_bad_formats_are_4xx(url: str) -> None:
    missing = httpx.get(f"{url}/api/v1/model-versions/use", params={"name": "iris", "version": 9})
    assert missing.status_code == 404
    bad = httpx.get(
        f"{url}/api/v1/model-versions/use", params={"name": "iris", "version": 1, "format": "pdf"}
    )
    assert bad.status_code == 400
    assert json.loads(bad.text)["field"] == "format"

"""The endpoint pages and "Use this model" in headless chromium, against a server that runs a
real scoring process."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from carnet.deploy.client import EndpointsClient
from carnet.entities import DeploymentStatus
from loopback import serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with model ``iris`` (version 1, with an input example) behind endpoint ``iris``."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import carnet
    import carnet.sklearn
    from carnet.config import resolve_location
    from carnet.server import create_app
    from carnet.store import tracking_store

    root = tmp_path_factory.mktemp("endpoints-studio")
    uri = f"sqlite:///{root / 'carnet.db'}"
    carnet.set_tracking_uri(uri)
    X, y = load_iris(return_X_y=True, as_frame=True)
    with carnet.start_run():
        model = LogisticRegression(max_iter=300).fit(X, y)
        carnet.sklearn.log_model(model, "model", registered_model_name="iris", input_example=X.head(2))
    carnet.set_tracking_uri(None)
    app = create_app(tracking_store(resolve_location(uri)), endpoints_dir=Path(root) / "endpoints")
    try:
        with serve(app) as url:
            client = EndpointsClient(url)
            client.create("iris", "models:/iris/1")
            deadline = time.monotonic() + 90
            while client.get("iris").status is not DeploymentStatus.READY:
                assert time.monotonic() < deadline, client.get("iris")
                time.sleep(0.2)
            client.close()
            yield url
    finally:
        app.state.supervisor.stop()


def test_endpoints_list_detail_try_it_and_logs(page: Any, served: str) -> None:
    page.goto(f"{served}/endpoints")
    row = page.locator("#endpoints tr[data-endpoint='iris']")
    expect(row.locator(".endpoint-status")).to_have_text("Ready")
    expect(row).to_contain_text("models:/iris/1")
    row.locator("a", has_text="iris").click()
    expect(page.locator("#endpoint-status")).to_have_text("Ready")
    expect(page.locator("#deployments")).to_contain_text("default")
    expect(page.locator("#try-input")).to_have_value(re.compile("dataframe_split"))
    page.click("#try-send")
    expect(page.locator("#try-output")).to_contain_text('"predictions"')
    expect(page.locator("#try-answer")).to_contain_text("HTTP 200 from deployment default")
    page.select_option("#try-method", "predict_proba")
    page.click("#try-send")
    expect(page.locator("#try-output")).to_contain_text("[")
    expect(page.locator("pre.log[data-deployment='default']")).to_contain_text("starting models:/iris/1")


def test_use_this_model_on_the_version_page(page: Any, served: str) -> None:
    page.goto(f"{served}/models/iris/versions/1")
    panel = page.locator("#use-model")
    expect(panel).to_contain_text("Served by")
    expect(panel.locator("a.badge[href='/endpoints/iris']")).to_have_text("iris")
    expect(panel.locator("pre[data-snippet='curl']")).to_contain_text(f"{served}/endpoints/iris/invocations")
    panel.locator("#use-tab-python").click()
    expect(panel.locator("pre[data-snippet='python']")).to_contain_text("CARNET_ENDPOINT_KEY")
    href = panel.locator("#use-notebook").get_attribute("href")
    assert href is not None and "format=ipynb" in href


def test_an_unknown_endpoint_is_a_404_page(page: Any, served: str) -> None:
    page.allowed_statuses.add(404)
    page.goto(f"{served}/endpoints/nope")
    expect(page.locator("main")).to_contain_text("There is no endpoint 'nope'.")


def test_create_an_endpoint_from_the_page(page: Any, served: str) -> None:
    page.goto(f"{served}/endpoints")
    page.allowed_statuses.add(400)
    page.fill("#new-endpoint-name", "../bad")
    page.fill("#new-endpoint-model", "models:/iris/1")
    page.click("#create-endpoint")
    expect(page.locator("#create-result .error-box")).to_contain_text("not a valid name")
    page.fill("#new-endpoint-name", "iris-two")
    page.click("#create-endpoint")
    expect(page.locator("#new-endpoint-key")).to_contain_text("ck_")
    expect(page.locator("#endpoints tr[data-endpoint='iris-two']")).to_contain_text("models:/iris/1")
    expect(page.locator("#endpoints tr[data-endpoint='iris-two'] .endpoint-status")).to_have_text("Ready")

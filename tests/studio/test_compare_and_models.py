"""The compare page, the model pages, the 404 page and the look (theme, keyboard), in headless
chromium."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from studio.data import StudioData


def test_compare_marks_differences_overlays_metrics_and_plots_columns(page: Any, studio: StudioData) -> None:
    ids = ",".join([*studio.child_ids, studio.rich_id])
    page.goto(f"{studio.url}/compare?runs={ids}")
    params = page.locator("#compare-params")
    expect(params.locator("tr.diff[data-key='alpha']")).to_be_visible()
    expect(params.locator("tr[data-key='model'] td").last).to_have_text("ridge")
    expect(params.locator("tr[data-key='model'] td").first).to_have_text("—")
    page.check("#only-diff")
    expect(page.locator("#compare-params tbody tr:not(.diff)")).to_have_count(0)
    assert "diff=1" in page.url
    loss = page.locator("#overlays .chart-card[data-metric='loss']")
    expect(loss.locator(".chart[data-drawn='true']")).to_be_visible()
    assert loss.locator(".chart").evaluate("div => div.data.length") == 4  # one line per run
    expect(page.locator("#scatter-chart[data-drawn='true']")).to_be_visible()
    page.select_option("#scatter-y", "metrics.rmse")
    assert "sy=metrics.rmse" in page.url
    expect(page.locator("#parallel-chart[data-drawn='true']")).to_be_visible()
    page.select_option("#parallel-metric", "metrics.r2")
    assert "pc=metrics.r2" in page.url


def test_compare_with_an_unknown_run_says_so(page: Any, studio: StudioData) -> None:
    page.allowed_statuses.add(404)
    page.goto(f"{studio.url}/compare?runs={studio.rich_id},0123456789abcdef0123456789abcdef")
    expect(page.locator(".error-box")).to_contain_text("does not exist")


def test_models_list_and_versions_with_stage_and_alias_badges(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/models")
    row = page.locator(f"#models tr[data-model='{studio.model_name}']")
    expect(row).to_contain_text("Production")
    expect(row).to_contain_text("@champion")
    row.locator("a", has_text=studio.model_name).click()
    versions = page.locator("#versions")
    expect(versions.locator("tr[data-version='1']")).to_contain_text("@champion")
    expect(versions.locator("tr[data-version='1']")).to_contain_text("Production")
    expect(page.locator("#history")).to_contain_text("alias set")


def test_stage_and_alias_changes_from_the_page(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/models/{studio.model_name}")
    page.select_option("#stage-2", "Staging")
    expect(page.locator("#versions tr[data-version='2']")).to_contain_text("Staging")
    expect(page.locator("#history")).to_contain_text("Staging")
    page.fill("#alias-2", "challenger")
    page.locator("#versions tr[data-version='2'] button", has_text="Set alias").click()
    expect(page.locator("#versions tr[data-version='2']")).to_contain_text("@challenger")
    answer = httpx.get(f"{studio.url}/api/v1/registered-models/{studio.model_name}/versions/2").json()
    assert answer["model_version"]["current_stage"] == "Staging"
    assert "challenger" in answer["model_version"]["aliases"]
    page.allowed_statuses.add(400)
    page.fill("#alias-2", "bad alias!")
    page.locator("#versions tr[data-version='2'] button", has_text="Set alias").click()
    expect(page.locator("#registry-error")).not_to_be_empty()


def test_version_page_shows_source_run_signature_and_files(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/models/{studio.model_name}/versions/1")
    expect(page.locator("#version-stage")).to_contain_text("Production")
    expect(page.locator("#source-run")).to_have_text(studio.rich_id)
    expect(page.locator("#signature-box")).to_contain_text("bmi")
    expect(page.locator("#signature-box")).to_contain_text("target")
    page.locator("#file-tree button[data-path='MLmodel']").click()
    expect(page.locator("#file-preview")).to_contain_text("python_function")
    page.select_option("#stage-1", "Archived")
    expect(page.locator("#version-stage")).to_contain_text("Archived")
    expect(page.locator("#history")).to_contain_text("Archived")


def test_unknown_addresses_get_a_helpful_404_page(page: Any, studio: StudioData) -> None:
    page.allowed_statuses.add(404)
    for path, text in (
        ("/runs/0123456789abcdef0123456789abcdef", "There is no run"),
        ("/experiments/987654", "There is no experiment"),
        ("/experiments/not-a-number", "There is no experiment"),
        ("/models/no-such-model", "There is no registered model"),
        (f"/models/{studio.model_name}/versions/99", "There is no version"),
        ("/no/such/page", "There is no page at /no/such/page"),
    ):
        answer = page.goto(studio.url + path)
        assert answer.status == 404, path
        expect(page.locator("#not-found")).to_contain_text(text)
        expect(page.locator("#not-found a", has_text="All experiments")).to_be_visible()
    # The API keeps its JSON errors.
    api = httpx.get(f"{studio.url}/api/v1/no/such", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"


def test_dark_theme_and_keyboard(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/experiments/{studio.experiment_id}")
    expect(page.locator("#runs")).to_be_visible()
    before = page.evaluate("document.documentElement.dataset.theme")
    page.keyboard.press("t")
    after = page.evaluate("document.documentElement.dataset.theme")
    assert {before, after} == {"light", "dark"}
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == after  # remembered
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "run-filter"
    page.keyboard.type("metrics.rmse > 54")
    page.keyboard.press("Enter")
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "apply-filter"


def test_static_files_are_cached_and_gzipped(studio: StudioData) -> None:
    plotly = httpx.get(f"{studio.url}/studio/static/plotly.min.js", headers={"accept-encoding": "gzip"})
    assert plotly.status_code == 200 and plotly.headers["content-encoding"] == "gzip"
    assert "max-age" in plotly.headers["cache-control"]
    assert int(plotly.headers["content-length"]) < len(plotly.content) / 2
    etag = plotly.headers["etag"]
    again = httpx.get(f"{studio.url}/studio/static/plotly.min.js", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert httpx.get(f"{studio.url}/studio/static/../carnet.db").status_code == 404
    page = httpx.get(f"{studio.url}/", headers={"accept": "text/html"})
    assert "script-src 'self'" in page.headers["content-security-policy"]

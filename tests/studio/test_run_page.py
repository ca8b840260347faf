"""A run's page in headless chromium: overview, metric charts of every kind, tags, files with
previews, and a running run that updates without a reload."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

import carnet
from studio.data import StudioData


def test_overview_shows_status_times_source_and_children(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/runs/{studio.parent_id}")
    facts = page.locator("#run-facts")
    expect(facts).to_contain_text("Completed")
    expect(facts).to_contain_text(studio.parent_id)
    expect(facts).to_contain_text("Duration")
    expect(page.locator("#children")).to_contain_text("Child runs (3)")
    page.locator("#children a", has_text="alpha=0.1").click()
    expect(page.locator("#parent-link")).to_have_text(studio.parent_id)


def test_metric_charts_of_every_kind(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=metrics")
    loss = page.locator(".chart-card[data-metric='loss']")
    expect(loss.locator(".chart[data-drawn='true']")).to_be_visible()
    expect(loss).to_have_attribute("data-points", "300")
    expect(loss.locator(".chart-note")).to_contain_text("300 points")
    expect(page.locator(".chart-card[data-metric='fold_auc'] .chart[data-drawn='true']")).to_be_visible()
    rows = page.locator(".chart-card[data-metric='coefficients']")
    expect(rows.locator("table")).to_contain_text("bmi")
    expect(rows.locator(".chart[data-drawn='true']")).to_be_visible()
    expect(rows.locator(".chart .xtick")).to_have_count(3)  # one bar per feature, by default
    table = page.locator(".chart-card[data-metric='confusion'] table")
    expect(table).to_contain_text("predicted_1")
    gallery = page.locator(".gallery[data-metric='residuals']")
    expect(gallery).to_contain_text("step 2 · 3 of 3")
    gallery.locator("input[type=range]").fill("0")
    expect(gallery).to_contain_text("step 0 · 1 of 3")
    assert gallery.locator("img").evaluate("img => img.complete && img.naturalWidth") == 16
    assert "img.residuals=0" in page.url


def test_chart_settings_live_in_the_address(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=metrics&log=1&smooth=0.6&x=relative")
    loss = page.locator(".chart-card[data-metric='loss']")
    expect(loss.locator(".chart[data-drawn='true']")).to_be_visible()
    expect(page.locator("#chart-log")).to_be_checked()
    expect(loss.locator(".chart")).to_contain_text("seconds since the first point")
    traces = loss.locator(".chart").evaluate("div => div.data.map(t => t.name)")
    assert any(name.endswith("(raw)") for name in traces)  # the smoothed line over a faint raw one
    assert loss.locator(".chart").evaluate("div => div.layout.yaxis.type") == "log"
    page.select_option("#chart-x", "metric:accuracy")
    expect(page).to_have_url(re.compile(r"x=metric%3Aaccuracy|x=metric:accuracy"))
    expect(page.locator(".chart-card[data-metric='loss'] .chart")).to_contain_text("accuracy")


def test_tags_are_editable_on_a_finished_run(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=tags")
    page.fill("#new-tag-key", "stage")
    page.fill("#new-tag-value", "candidate")
    page.click("#add-tag")
    row = page.locator(".tag-row[data-tag='stage']")
    expect(row).to_be_visible()
    row.locator("input").fill("final")
    row.locator("text=Save").click()
    expect(page.locator("#flash")).to_contain_text("Saved stage")
    run = httpx.get(f"{studio.url}/api/v1/runs/{studio.rich_id}").json()["run"]
    assert run["data"]["tags"]["stage"] == "final"
    page.locator(".tag-row[data-tag='stage']").locator("text=Remove").click()
    expect(page.locator(".tag-row[data-tag='stage']")).to_have_count(0)
    page.allowed_statuses.add(400)
    page.fill("#new-tag-key", "../etc")
    page.click("#add-tag")
    expect(page.locator("#tag-error")).not_to_be_empty()


def _open(page: Any, studio: StudioData, path: str) -> Any:
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=files&file={path}")
    preview = page.locator("#file-preview")
    expect(preview).to_contain_text(path)
    expect(preview.locator("#download-link")).to_have_attribute("href", re.compile(r"artifacts/file\?path="))
    return preview


def test_file_previews_of_every_kind(page: Any, studio: StudioData) -> None:
    expect(_open(page, studio, "predictions.csv").locator("#preview-table tbody tr")).to_have_count(2)
    expect(_open(page, studio, "config.json").locator("#preview-text")).to_contain_text('"features": [')
    expect(_open(page, studio, "params.yaml").locator("#preview-text")).to_contain_text("solver: auto")
    expect(_open(page, studio, "notes.txt").locator("#preview-text")).to_contain_text("442 rows")
    notebook = _open(page, studio, "analysis.ipynb").locator("#preview-notebook")
    expect(notebook).to_contain_text("Exploring the diabetes data")
    expect(notebook).to_contain_text("print(1 + 1)")
    mlmodel = _open(page, studio, "model/MLmodel")
    expect(mlmodel.locator("#signature")).to_contain_text("bmi")
    expect(mlmodel).to_contain_text("sklearn")
    image = _open(page, studio, "plots/residuals.png").locator("#preview-image")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 16
    expect(_open(page, studio, "weights.bin").locator("#preview-message")).to_contain_text("binary file")
    expect(_open(page, studio, "big.log").locator("#preview-message")).to_contain_text("download it")


def test_file_tree_opens_folders_and_unknown_files_say_so(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=files")
    page.locator("#file-tree button", has_text="plots").click()
    page.locator("#file-tree button[data-path='plots/residuals.png']").click()
    expect(page.locator("#preview-image")).to_be_visible()
    assert "file=plots%2Fresiduals.png" in page.url or "file=plots/residuals.png" in page.url
    page.allowed_statuses.update({400, 404})
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=files&file=nope.txt")
    expect(page.locator("#file-preview .error-box")).to_contain_text("nope.txt")
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=files&file=../../etc/passwd")
    expect(page.locator("#file-preview .error-box")).to_be_visible()


def test_downloads_are_attachments_and_paths_stay_inside(studio: StudioData) -> None:
    base = f"{studio.url}/api/v1/runs/{studio.rich_id}/artifacts"
    answer = httpx.get(f"{base}/file", params={"path": "notes.txt"})
    assert answer.status_code == 200 and answer.content == b"fitted on 442 rows\n"
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["content-disposition"].startswith("attachment")
    image = httpx.get(f"{base}/file", params={"path": "plots/residuals.png"})
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline")
    for bad in ("../carnet.db", "/etc/passwd", "a/../../x"):
        refused = httpx.get(f"{base}/file", params={"path": bad})
        assert refused.status_code == 400 and refused.json()["field"] == "path"


def test_logs_tab_shows_log_files(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/runs/{studio.rich_id}?tab=logs")
    expect(page.locator("#logs")).to_contain_text("log file(s)")
    expect(page.locator("#file-preview")).to_contain_text(".log")


def test_a_running_run_updates_without_a_reload(page: Any, studio: StudioData) -> None:
    ws = carnet.Workspace(studio.uri)
    run = carnet.Experiment(ws, "live").start_logging(display_name="training")
    for step in range(5):
        run.log("loss", 1.0 / (step + 1))
    run.flush()
    page.goto(f"{studio.url}/runs/{run.id}?tab=metrics")
    loss = page.locator(".chart-card[data-metric='loss']")
    expect(loss).to_have_attribute("data-points", "5")
    for step in range(5, 20):
        run.log("loss", 1.0 / (step + 1))
    run.flush()
    expect(loss).to_have_attribute("data-points", "20", timeout=15_000)
    page.click("#tab-overview")
    expect(page.locator("#run-status")).to_contain_text("Running")
    run.complete()
    expect(page.locator("#run-status")).to_contain_text("Completed", timeout=15_000)


def test_zooming_a_long_series_asks_the_server_for_that_range(page: Any, studio: StudioData) -> None:
    ws = carnet.Workspace(studio.uri)
    with carnet.Experiment(ws, "zoom").start_logging() as run:
        for step in range(20_000):
            run.log("signal", 100.0 if step == 12_345 else float(step % 100))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{studio.url}/runs/{run.id}?tab=metrics")
    card = page.locator(".chart-card[data-metric='signal']")
    expect(card.locator(".chart[data-drawn='true']")).to_be_visible()
    expect(card.locator(".chart-note")).to_contain_text("of 20,000 points drawn")
    whole = card.locator(".chart").evaluate("div => div.data[0].y")
    assert max(whole) == 100.0  # the one spike survives the downsampling
    card.locator(".chart").evaluate("div => Plotly.relayout(div, {'xaxis.range': [12000, 12499]})")
    expect(card).to_have_attribute("data-total", "500")  # the visible range, every point of it
    assert any("x_min=12000" in url and "x_max=12499" in url for url in requests)
    zoomed = card.locator(".chart").evaluate("div => div.data[0].x")
    assert len(zoomed) == 500 and min(zoomed) >= 12000 and max(zoomed) <= 12499


def test_name_and_description_are_editable(page: Any, studio: StudioData) -> None:
    ws = carnet.Workspace(studio.uri)
    with carnet.Experiment(ws, "edits").start_logging(display_name="before") as run:
        run.log("x", 1.0)
    page.goto(f"{studio.url}/runs/{run.id}")
    page.click("#run-editor summary")
    page.fill("#run-name", "after")
    page.fill("#run-description", "tried a smaller learning rate")
    page.click("#save-run")
    expect(page.locator("#page-title")).to_contain_text("after")
    info = httpx.get(f"{studio.url}/api/v1/runs/{run.id}").json()["run"]["info"]
    assert (info["run_name"], info["description"]) == ("after", "tried a smaller learning rate")
    page.allowed_statuses.add(400)
    page.fill("#run-name", "x" * 300)
    page.click("#save-run")
    expect(page.locator("#edit-error")).to_contain_text("run_name")

"""The job pages in the browser: the jobs list with its filters, a job's live output, snapshot and
outputs, the cancel button, the compute targets, and the AutoML form running AutoML as a job."""

from __future__ import annotations

import re
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from carnet import Experiment, ScriptRunConfig, Workspace
from carnet.jobs import Worker
from loopback import serve


@dataclass
class JobsStudio:
    url: str
    ws: Workspace
    folder: Path
    done: str
    failed: str


def _folder(root: Path, name: str, script: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "train.py").write_text(textwrap.dedent(script))
    return folder


@pytest.fixture(scope="module")
def jobs_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobsStudio]:
    from carnet.server import create_app
    from carnet.store.sql.store import SqlTrackingStore

    root = tmp_path_factory.mktemp("jobs-studio")
    ws = Workspace(f"sqlite:///{root / 'carnet.db'}", str(root / "artifacts"))
    experiment = Experiment(ws, "jobs")
    ok = _folder(root, "ok", """
        import os
        os.makedirs("outputs", exist_ok=True)
        open("outputs/model.txt", "w").write("weights")
        print("training done")
    """)  # fmt: skip
    bad = _folder(root, "bad", "raise SystemExit('no data here')\n")
    worker = Worker(ws.store, ws.location, poll_seconds=0.05, heartbeat_seconds=0.3, work_root=root / "work")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    done = experiment.submit(ScriptRunConfig(str(ok), "train.py"))
    failed = experiment.submit(ScriptRunConfig(str(bad), "train.py"))
    done.wait_for_completion()
    failed.wait_for_completion(raise_on_error=False)
    store = SqlTrackingStore(ws.location.database_url, ws.location.artifact_root)
    try:
        with serve(create_app(store)) as url:
            yield JobsStudio(url, ws, root, done.id, failed.id)
    finally:
        worker.stop()
        thread.join(60)


def test_jobs_page_lists_and_filters(page: Any, jobs_studio: JobsStudio) -> None:
    page.goto(f"{jobs_studio.url}/jobs")
    rows = page.locator("#jobs tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#jobs")).to_contain_text("Completed")
    page.select_option("#job-status", "Failed")
    expect(rows).to_have_count(1)
    expect(page.locator("#jobs")).to_contain_text(jobs_studio.failed[:8])
    assert "status=Failed" in page.url
    page.select_option("#job-status", "")
    page.select_option("#job-experiment", label="Default")
    expect(page.locator("#jobs-box")).to_contain_text("No job matches these filters")
    page.select_option("#job-experiment", label="jobs")
    expect(rows).to_have_count(2)
    page.select_option("#job-status", "Failed")
    page.click(f"a.job-link:has-text('{jobs_studio.failed[:8]}')")
    expect(page.locator("#job-error")).to_contain_text("no data here")


def test_job_page_shows_output_snapshot_and_outputs(page: Any, jobs_studio: JobsStudio) -> None:
    page.goto(f"{jobs_studio.url}/jobs/{jobs_studio.done}")
    expect(page.locator("#job-status")).to_have_text("Completed")
    expect(page.locator("#job-log")).to_contain_text("training done")
    expect(page.locator("#snapshot-files")).to_contain_text("train.py")
    expect(page.locator("#output-files")).to_contain_text("outputs/model.txt")
    expect(page.locator("#cancel-job")).to_have_count(0)
    with page.expect_download() as download:
        page.click("#snapshot-files a:has-text('train.py')")
    assert "outputs" in Path(download.value.path()).read_text()


def test_cancel_button_stops_a_running_job(page: Any, jobs_studio: JobsStudio) -> None:
    slow = _folder(
        jobs_studio.folder, "slow", "import time\nprint('sleeping', flush=True)\ntime.sleep(120)\n"
    )
    run = Experiment(jobs_studio.ws, "jobs").submit(ScriptRunConfig(str(slow), "train.py"))
    page.goto(f"{jobs_studio.url}/jobs/{run.id}")
    expect(page.locator("#job-log")).to_contain_text("sleeping")
    page.click("#cancel-job")
    expect(page.locator("#job-status")).to_have_text("Canceled", timeout=30_000)


def test_unknown_job_is_a_404_page(page: Any, jobs_studio: JobsStudio) -> None:
    page.allowed_statuses.add(404)
    response = page.goto(f"{jobs_studio.url}/jobs/{'0' * 32}")
    assert response is not None and response.status == 404
    expect(page.locator("main")).to_contain_text("There is no job")


def test_compute_page_adds_and_removes_a_target(page: Any, jobs_studio: JobsStudio) -> None:
    page.goto(f"{jobs_studio.url}/compute")
    expect(page.locator("#compute-targets")).to_contain_text("local")
    page.fill("#target-name", "small")
    page.fill("#target-limit", "2")
    page.click("#compute-form button[type=submit]")
    expect(page.locator("#compute-targets tbody tr")).to_have_count(2)
    expect(page.locator("#compute-targets")).to_contain_text("small")
    page.allowed_statuses.add(400)
    page.select_option("#target-kind", "ray")
    page.fill("#target-name", "cluster")
    page.click("#compute-form button[type=submit]")
    expect(page.locator("#compute-error")).to_contain_text("address")
    page.click("#compute-targets tr:has-text('small') button.delete-target")
    expect(page.locator("#compute-targets tbody tr")).to_have_count(1)


def test_automl_form_runs_automl_as_a_job(page: Any, jobs_studio: JobsStudio) -> None:
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True).frame.rename(columns=lambda c: re.sub(r"\W+", "_", c).strip("_"))
    data["target"] = (data["target"] == 1).astype(int)
    csv = jobs_studio.folder / "flowers.csv"
    data.to_csv(csv, index=False)

    page.goto(f"{jobs_studio.url}/automl/new")
    page.set_input_files("#automl-file", str(csv))
    page.select_option("#automl-task", "classification")
    page.fill("#automl-target", "target")
    page.fill("#automl-frameworks", "logistic_regression")
    page.fill("#automl-timeout", "20s")
    page.fill("#automl-experiment", "automl-from-studio")
    page.click("#automl-submit")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    expect(page.locator("#job-log")).to_contain_text("logistic_regression", timeout=60_000)
    expect(page.locator("#job-status")).to_have_text("Completed", timeout=120_000)
    expect(page.locator("#job-leaderboard .leaderboard")).to_be_visible()


def test_automl_form_shows_bad_input(page: Any, jobs_studio: JobsStudio) -> None:
    bad = jobs_studio.folder / "notes.txt"
    bad.write_text("not data")
    page.allowed_statuses.add(400)
    page.goto(f"{jobs_studio.url}/automl/new")
    page.set_input_files("#automl-file", str(bad))
    page.fill("#automl-target", "y")
    page.click("#automl-submit")
    expect(page.locator("#automl-error")).to_contain_text("is not a CSV, TSV or Parquet file")

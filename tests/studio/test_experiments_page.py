"""The experiments page and an experiment's runs table, in headless chromium over real runs."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

import carnet
from studio.data import StudioData


def test_experiments_list_counts_runs_and_searches(page: Any, studio: StudioData) -> None:
    page.goto(studio.url + "/")
    row = page.locator(f"#experiments tr[data-experiment-id='{studio.experiment_id}']")
    expect(row).to_contain_text("diabetes")
    expect(row.locator("td").nth(2)).to_have_text("5")  # the sweep, its 3 children and 'rich'
    page.keyboard.press("/")
    page.keyboard.type("diab")
    expect(page.locator("#experiments tbody tr")).to_have_count(1)
    assert "q=diab" in page.url
    page.fill("#experiment-search", "no-such-thing")
    expect(page.locator(".empty")).to_contain_text("No experiment matches")


def test_create_rename_delete_and_restore_an_experiment(page: Any, studio: StudioData) -> None:
    page.goto(studio.url + "/")
    page.fill("#new-experiment-name", "scratch")
    page.click("text=Create experiment")
    expect(page.locator("#page-title")).to_contain_text("scratch")
    page.goto(studio.url + "/")
    page.allowed_statuses.add(400)
    page.fill("#new-experiment-name", "diabetes")
    page.click("text=Create experiment")
    expect(page.locator("#create-error")).to_contain_text("exists already")

    row = page.locator("#experiments tr", has_text="scratch")
    page.once("dialog", lambda dialog: dialog.accept("scratch-2"))
    row.locator("text=Rename").click()
    row = page.locator("#experiments tr", has_text="scratch-2")
    expect(row).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("text=Delete").click()
    expect(page.locator("#experiments tr", has_text="scratch-2")).to_have_count(0)
    page.select_option("#experiment-view", "deleted_only")
    deleted = page.locator("#experiments tr", has_text="scratch-2")
    deleted.locator("text=Restore").click()
    expect(page.locator("#experiments tr", has_text="scratch-2")).to_have_count(0)
    page.select_option("#experiment-view", "active_only")
    expect(page.locator("#experiments tr", has_text="scratch-2")).to_have_count(1)


def _names(page: Any) -> list[str]:
    cells = page.locator("#runs tbody tr td:nth-child(2)").all_inner_texts()
    return [t.strip().lstrip("↳ ").split("\n")[0] for t in cells]


def test_runs_table_nests_children_and_sorts_on_the_server(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/experiments/{studio.experiment_id}")
    expect(page.locator("#runs tbody tr")).to_have_count(5)
    parent = page.locator(f"#runs tr[data-run-id='{studio.parent_id}']")
    expect(parent).to_contain_text("sweep")
    children = page.locator("#runs tr.child")
    expect(children).to_have_count(3)
    # Children come right after their parent.
    ids = page.locator("#runs tbody tr").evaluate_all("rows => rows.map(r => r.dataset.runId)")
    at = ids.index(studio.parent_id)
    assert set(ids[at + 1 : at + 4]) == set(studio.child_ids)

    query = "cols=metrics.rmse,params.alpha&filter=params.alpha%20IS%20NOT%20NULL"
    page.goto(f"{studio.url}/experiments/{studio.experiment_id}?{query}")
    expect(page.locator("#runs tbody tr")).to_have_count(4)  # a filter lists matches flat
    page.locator("#runs th button", has_text="metrics.rmse").click()
    expect(page).to_have_url(re.compile(r"order=metrics\.rmse\+ASC|order=metrics.rmse%20ASC"))
    expect(page.locator("#runs tbody tr").first).to_contain_text("alpha=0.1")
    page.locator("#runs th button", has_text="metrics.rmse").click()
    expect(page.locator("#runs tbody tr").first).to_contain_text("alpha=1.0")
    assert _names(page)[:3] == ["alpha=1.0", "alpha=0.3", "alpha=0.1"]


def test_filter_errors_show_under_the_box(page: Any, studio: StudioData) -> None:
    page.allowed_statuses.add(400)
    page.goto(f"{studio.url}/experiments/{studio.experiment_id}")
    page.fill("#run-filter", "metrics.rmse < 52")
    page.press("#run-filter", "Enter")
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    expect(page.locator("#runs tbody tr")).to_contain_text("alpha=0.1")
    assert "filter=metrics.rmse" in page.url
    page.fill("#run-filter", "metrics.rmse < 'low'")
    page.press("#run-filter", "Enter")
    expect(page.locator("#filter-error")).to_contain_text("numeric value")
    expect(page.locator("#run-filter")).to_have_attribute("aria-invalid", "true")
    page.fill("#run-filter", "params.alpha = '0.3'")
    page.click("#apply-filter")
    expect(page.locator("#filter-error")).to_have_text("")
    expect(page.locator("#runs tbody tr")).to_have_count(1)


def test_choose_columns_and_share_them_by_address(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/experiments/{studio.experiment_id}")
    page.click("#choose-columns")
    page.locator("#column-picker input[data-column='params.model']").uncheck()
    expect(page.locator("#runs thead")).not_to_contain_text("params.model")
    page.locator("#column-picker input[data-column='attributes.user_id']").check()
    expect(page.locator("#runs thead")).to_contain_text("user_id")
    address = page.url
    assert "attributes.user_id" in address and "params.model" not in address
    page.goto(address)
    expect(page.locator("#runs thead")).to_contain_text("user_id")


def test_select_runs_then_compare_tag_and_delete(page: Any, studio: StudioData) -> None:
    page.goto(f"{studio.url}/experiments/{studio.experiment_id}?filter=params.alpha%20IS%20NOT%20NULL")
    for run_id in studio.child_ids[:2]:
        page.locator(f"#runs tr[data-run-id='{run_id}'] input[type=checkbox]").check()
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    page.once("dialog", lambda dialog: dialog.accept("reviewed=yes"))
    page.click("#tag-selected")
    expect(page.locator("#flash")).to_contain_text("Tagged reviewed=yes")
    for run_id in studio.child_ids[:2]:  # finished runs take tags too
        run = httpx.get(f"{studio.url}/api/v1/runs/{run_id}").json()["run"]
        assert run["data"]["tags"]["reviewed"] == "yes" and run["info"]["status"] == "Completed"

    page.click("#compare-selected")
    expect(page).to_have_url(re.compile(r"/compare\?runs="))
    expect(page.locator("#compare-params tr.diff")).to_have_count(1)


def test_bulk_delete_and_restore(page: Any, studio: StudioData) -> None:
    ws = carnet.Workspace(studio.uri)
    with carnet.Experiment(ws, "disposable").start_logging(display_name="gone-soon") as run:
        run.log("x", 1.0)
    experiment_id = carnet.Experiment(ws, "disposable").id
    page.goto(f"{studio.url}/experiments/{experiment_id}")
    page.locator(f"#runs tr[data-run-id='{run.id}'] input[type=checkbox]").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-selected")
    expect(page.locator("#no-runs")).to_be_visible()
    page.select_option("#run-view", "deleted_only")
    page.locator(f"#runs tr[data-run-id='{run.id}'] input[type=checkbox]").check()
    page.click("#restore-selected")
    page.select_option("#run-view", "active_only")
    expect(page.locator(f"#runs tr[data-run-id='{run.id}']")).to_be_visible()


def test_paging_moves_forward_and_back(page: Any, studio: StudioData) -> None:
    page.goto(
        f"{studio.url}/experiments/{studio.experiment_id}?size=25&filter=attributes.run_name%20LIKE%20'%25'"
    )
    expect(page.locator("#runs tbody tr")).to_have_count(5)
    expect(page.locator("#next-page")).to_be_disabled()
    page.goto(f"{studio.url}/experiments/{studio.experiment_id}")
    page.select_option("#page-size", "25")
    expect(page.locator("#prev-page")).to_be_disabled()


def test_automl_runs_get_a_leaderboard_above_the_table(page: Any, studio: StudioData) -> None:
    ws = carnet.Workspace(studio.uri)
    experiment = carnet.Experiment(ws, "automl")
    tags = {"carnet.automl": "1", "carnet.automl.metric": "rmse"}
    with experiment.start_logging(display_name="search") as parent:
        for key, value in tags.items():
            parent.tag(key, value)
        for name, rmse in (("lgbm", 51.0), ("ridge", 49.5), ("xgb", 53.2)):
            with parent.child_run(name, tags={"carnet.automl": "1"}) as child:
                child.log("rmse", rmse)
    page.goto(f"{studio.url}/experiments/{experiment.id}")
    board = page.locator(".leaderboard")
    expect(board).to_contain_text("lower is better")
    names = board.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["ridge", "lgbm", "xgb"]


def test_automl_leaderboard_of_a_metric_to_maximize_puts_the_highest_first(
    page: Any, studio: StudioData
) -> None:
    # The tags carnet.automl writes (carnet/automl/tracking.py): the metric and its direction.
    ws = carnet.Workspace(studio.uri)
    experiment = carnet.Experiment(ws, "automl-auc")
    tags = {
        "carnet.automl": "true",
        "carnet.automl.metric": "roc_auc",
        "carnet.automl.metric_direction": "maximize",
    }
    with experiment.start_logging(display_name="search") as parent:
        for key, value in tags.items():
            parent.tag(key, value)
        for name, auc in (("lgbm", 0.91), ("logistic", 0.95), ("tree", 0.82)):
            with parent.child_run(name, tags={"carnet.automl": "true"}) as child:
                child.log("roc_auc", auc)
    page.goto(f"{studio.url}/experiments/{experiment.id}")
    board = page.locator(".leaderboard")
    expect(board).to_contain_text("higher is better")
    names = board.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["logistic", "lgbm", "tree"]

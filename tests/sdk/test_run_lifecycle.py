"""A run's life (Azure ML style): start, context manager, Run.get_context, children, details,
statuses, and the experiment's run listing."""

from __future__ import annotations

import getpass
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

import carnet
from carnet import Run
from carnet.exceptions import RunNotActive


def _stored_status(run: carnet.Run) -> str:
    """The status as another client reads it from the store."""
    return carnet.Client(run.workspace.tracking_uri).get_run(run.id).info.status.value


# -- the context manager --------------------------------------------------------------------------


def test_start_logging_context_manager_completes(store_exp: carnet.Experiment) -> None:
    with store_exp.start_logging(display_name="ok") as run:
        run.log("a", 1.0)
        assert run.get_status() == "Running"
    assert run.get_status() == "Completed"
    assert _stored_status(run) == "Completed"
    assert run.get_details()["endTimeUtc"] is not None
    assert run.get_metrics() == {"a": 1.0}


def test_exception_inside_fails_the_run_with_the_traceback(store_exp: carnet.Experiment) -> None:
    def train(run: carnet.Run) -> None:
        run.log("a", 1.0)
        raise ValueError("boom in training")

    with pytest.raises(ValueError, match="boom in training"), store_exp.start_logging() as run:
        train(run)
    assert run.get_status() == "Failed"
    error = run.get_tags()["carnet.error"]
    assert error.startswith("Traceback (most recent call last):")
    assert "in train" in error
    assert error.rstrip().endswith("ValueError: boom in training")
    assert run.get_metrics() == {"a": 1.0}  # what was logged before the error is kept


def test_keyboard_interrupt_cancels_the_run(exp: carnet.Experiment) -> None:
    with pytest.raises(KeyboardInterrupt), exp.start_logging() as run:
        run.log("a", 1.0)
        raise KeyboardInterrupt
    assert run.get_status() == "Canceled"
    assert "carnet.error" not in run.get_tags()
    assert run.get_metrics() == {"a": 1.0}


def test_context_manager_keeps_a_status_set_inside(exp: carnet.Experiment) -> None:
    with exp.start_logging() as run:
        run.cancel()
    assert run.get_status() == "Canceled"


# -- ending ---------------------------------------------------------------------------------------


def test_complete(exp: carnet.Experiment) -> None:
    run = exp.start_logging()
    run.log("a", 1.0)
    run.complete()
    assert run.get_status() == "Completed" == _stored_status(run)
    assert run.get_metrics() == {"a": 1.0}  # complete() flushed first
    run.complete()  # completing again changes nothing
    assert run.get_status() == "Completed"


def test_fail_with_an_exception_text_or_nothing(exp: carnet.Experiment) -> None:
    try:
        raise RuntimeError("disk full")
    except RuntimeError as exc:
        error = exc
    with_exception = exp.start_logging()
    with_exception.fail(error)
    text = with_exception.get_tags()["carnet.error"]
    assert "Traceback (most recent call last):" in text and "RuntimeError: disk full" in text

    with_text = exp.start_logging()
    with_text.fail("the data was empty")
    assert with_text.get_tags() == {"carnet.error": "the data was empty"}

    bare = exp.start_logging()
    bare.fail()
    assert bare.get_tags() == {}
    for run in (with_exception, with_text, bare):
        assert run.get_status() == "Failed" == _stored_status(run)


def test_cancel(exp: carnet.Experiment) -> None:
    run = exp.start_logging()
    run.cancel()
    assert run.get_status() == "Canceled" == _stored_status(run)


def test_an_ended_run_cannot_change_its_status(exp: carnet.Experiment) -> None:
    run = exp.start_logging()
    run.complete()
    with pytest.raises(RunNotActive, match="already ended as Completed") as info:
        run.fail("too late")
    assert info.value.field == "status"
    with pytest.raises(RunNotActive):
        run.cancel()
    assert run.get_status() == "Completed"
    assert run.get_tags() == {}


def test_flush_makes_logged_values_visible_to_other_readers(store_run: carnet.Run) -> None:
    run = store_run
    client = carnet.Client(run.workspace.tracking_uri)
    run.log("a", 1.0)
    run.log_param("p", "v")
    run.tag("t")
    run.flush()
    stored = client.get_run(run.id)
    assert stored.data.metrics == {"a": 1.0}
    assert stored.data.params == {"p": "v"}
    assert stored.data.tags == {"t": ""}
    run.flush()  # nothing pending: a no-op


# -- Run.get_context ------------------------------------------------------------------------------


def test_get_context_outside_a_job_starts_one_run_in_default(tmp_path: Path) -> None:
    first = Run.get_context()
    try:
        assert Run.get_context() is first
        assert first.experiment.name == "Default"
        assert first.get_status() == "Running"
        first.log("a", 1.0)
        first.log("a", 2.0)
        assert Run.get_context().get_metrics() == {"a": [1.0, 2.0]}
        assert (tmp_path / ".carnet" / "carnet.db").is_file()  # the default workspace in the cwd
    finally:
        first.complete()
    replacement = Run.get_context()  # the first one ended: a new one starts
    assert replacement.id != first.id
    replacement.complete()


def test_get_context_uses_carnet_experiment_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARNET_EXPERIMENT_NAME", "from-env")
    run = Run.get_context()
    try:
        assert run.experiment.name == "from-env"
        assert "from-env" in carnet.Workspace().experiments
    finally:
        run.complete()


def test_get_context_in_a_job_returns_the_jobs_run(monkeypatch: pytest.MonkeyPatch) -> None:
    job_run = carnet.Experiment(carnet.Workspace(), "jobs").start_logging(display_name="job")
    monkeypatch.setenv("CARNET_RUN_ID", job_run.id)
    inside = Run.get_context()
    assert inside.id == job_run.id
    assert Run.get_context().id == job_run.id
    inside.log("loss", 0.5)
    inside.flush()
    assert job_run.get_metrics() == {"loss": 0.5}
    job_run.complete()


def test_get_context_returns_the_active_mlflow_style_run() -> None:
    with carnet.start_run() as active:
        assert Run.get_context() is active


# -- children -------------------------------------------------------------------------------------


def test_child_runs_and_get_children(store_exp: carnet.Experiment) -> None:
    with store_exp.start_logging(display_name="sweep") as parent:
        kids = []
        for i in range(3):
            child = parent.child_run(f"fold-{i}", tags={"fold": i})
            kids.append(child)
            time.sleep(0.002)  # distinct start times: children are listed oldest first
        grandchild = kids[0].child_run("inner")
        assert [c.id for c in parent.get_children()] == [k.id for k in kids]
        assert [c.name for c in parent.get_children()] == ["fold-0", "fold-1", "fold-2"]
        assert {c.id for c in parent.get_children(recursive=True)} == {*(k.id for k in kids), grandchild.id}
        assert [c.id for c in kids[0].get_children()] == [grandchild.id]
        child = kids[1]
        assert child.parent is not None and child.parent.id == parent.id
        assert parent.parent is None
        assert child.experiment.id == store_exp.id
        assert child.get_details()["parentRunId"] == parent.id
        assert child.get_tags() == {"fold": "1"}
        for run in (grandchild, *kids):
            run.complete()


# -- details --------------------------------------------------------------------------------------


def test_get_details(store_exp: carnet.Experiment) -> None:
    run = store_exp.start_logging(display_name="detailed", description="an alpha sweep", tags={"team": "ml"})
    run.log_param("alpha", 0.5)
    details = run.get_details()
    assert set(details) == {
        "runId", "displayName", "experimentId", "status", "startTimeUtc", "endTimeUtc", "parentRunId",
        "user", "source", "git", "description", "artifactUri", "params", "tags",
    }  # fmt: skip
    assert details["runId"] == run.id
    assert details["displayName"] == "detailed" == run.name == run.display_name
    assert details["experimentId"] == store_exp.id
    assert details["status"] == "Running"
    assert details["endTimeUtc"] is None
    assert details["parentRunId"] is None
    assert details["user"] == getpass.getuser()
    assert set(details["source"]) == {"type", "name"}
    assert details["source"]["type"] in ("SCRIPT", "INTERACTIVE")
    assert set(details["git"]) == {"commit", "dirty"}
    assert details["description"] == "an alpha sweep"
    assert details["artifactUri"] == run.info.artifact_uri
    assert details["params"] == {"alpha": "0.5"}
    assert details["tags"] == {"team": "ml"}
    started = datetime.fromisoformat(details["startTimeUtc"].replace("Z", "+00:00"))
    assert details["startTimeUtc"].endswith("Z")
    assert abs((datetime.now(timezone.utc) - started).total_seconds()) < 60
    run.complete()
    ended = run.get_details()
    assert ended["status"] == "Completed"
    assert datetime.fromisoformat(ended["endTimeUtc"].replace("Z", "+00:00")) >= started


def test_run_identity_and_snapshots(exp: carnet.Experiment) -> None:
    run = exp.start_logging(display_name="named")
    assert repr(run) == f"Run(id={run.id!r}, name='named', status='Running')"
    assert run.info.run_id == run.id == run.info.run_uuid
    assert run.info.experiment_id == exp.id
    run.log("m", 2.0)
    run.log_param("p", 1)
    assert run.data.metrics == {"m": 2.0}
    assert run.data.params == {"p": "1"}
    run.complete()
    assert run.info.status.value == "Completed"


# -- listing runs ---------------------------------------------------------------------------------


def test_experiment_get_runs_newest_first_without_children(store_exp: carnet.Experiment) -> None:
    runs = []
    for i in range(3):
        runs.append(store_exp.start_logging(display_name=f"r{i}"))
        time.sleep(0.002)
    child = runs[0].child_run("kid")
    other = carnet.Experiment(store_exp.workspace, "other").start_logging()
    assert [r.id for r in store_exp.get_runs()] == [r.id for r in reversed(runs)]
    assert {r.id for r in store_exp.get_runs(include_children=True)} == {*(r.id for r in runs), child.id}
    assert [r.name for r in store_exp.get_runs(filter="attributes.run_name = 'r1'")] == ["r1"]
    for run in (child, *runs, other):
        run.complete()
    assert [r.get_status() for r in store_exp.get_runs()] == ["Completed"] * 3


def test_archived_experiment_hides_its_runs(exp: carnet.Experiment) -> None:
    run = exp.start_logging()
    run.complete()
    exp.archive()
    assert exp.info.lifecycle_stage.value == "deleted"
    assert list(exp.get_runs()) == []
    exp.reactivate()
    assert [r.id for r in exp.get_runs()] == [run.id]


def test_complete_ends_the_run_even_when_buffered_data_was_refused(exp: carnet.Experiment) -> None:
    from carnet.exceptions import ParamConflict

    run = exp.start_logging()
    other = carnet.Workspace(exp.workspace.tracking_uri).get_run(run.id)  # a second writer
    run.log_param("lr", 0.1)  # buffered: not yet in the store
    other.log_param("lr", 0.2)
    other.flush()
    with pytest.raises(ParamConflict, match="lr"):
        run.complete()
    assert run.get_status() == "Completed"
    assert exp.workspace.get_run(run.id).get_details()["params"] == {"lr": "0.2"}

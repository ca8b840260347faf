"""``carnet.Workspace``: finding the ``.carnet`` folder like git finds ``.git``, creating it only
when something is written, ``CARNET_TRACKING_URI``, and what a run records about its source."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import carnet
from carnet.exceptions import InvalidArgument, NotFound


def test_constructing_a_workspace_creates_nothing(tmp_path: Path) -> None:
    ws = carnet.Workspace()
    assert ws.tracking_uri == str(tmp_path / ".carnet")
    assert ws.location.workspace_dir == tmp_path / ".carnet"
    assert repr(ws) == f"Workspace({str(tmp_path / '.carnet')!r})"
    assert carnet.get_tracking_uri() == str(tmp_path / ".carnet")
    assert list(tmp_path.iterdir()) == []


def test_the_folder_is_created_by_the_first_run(tmp_path: Path) -> None:
    with carnet.Experiment(carnet.Workspace(), "first").start_logging() as run:
        run.log("m", 1.0)
    assert (tmp_path / ".carnet" / "carnet.db").is_file()
    assert Path(run.info.artifact_uri).is_relative_to(tmp_path / ".carnet" / "artifacts")


def test_discovery_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with carnet.Experiment(carnet.Workspace(), "found").start_logging() as run:
        run.log("m", 1.0)
    child = tmp_path / "src" / "models" / "deep"
    child.mkdir(parents=True)
    monkeypatch.chdir(child)
    ws = carnet.Workspace()
    assert ws.location.workspace_dir == tmp_path / ".carnet"
    assert ws.tracking_uri == str(tmp_path / ".carnet")
    assert "found" in ws.experiments
    assert ws.get_run(run.id).get_metrics() == {"m": 1.0}
    with carnet.start_run() as fluent_run:  # the module API finds it too
        carnet.log_metric("n", 2.0)
    assert ws.get_run(fluent_run.id).get_metrics() == {"n": 2.0}
    assert not (child / ".carnet").exists()
    assert not (tmp_path / "src" / ".carnet").exists()


def test_a_nearer_carnet_folder_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    carnet.Experiment(carnet.Workspace(), "outer")
    inner = tmp_path / "project"
    (inner / ".carnet").mkdir(parents=True)
    monkeypatch.chdir(inner)
    ws = carnet.Workspace()
    assert ws.location.workspace_dir == inner / ".carnet"
    assert set(ws.experiments) == {"Default"}


def test_carnet_tracking_uri_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_uri: str
) -> None:
    carnet.Experiment(carnet.Workspace(), "local")  # a .carnet in the cwd, which the variable overrides
    monkeypatch.setenv("CARNET_TRACKING_URI", sqlite_uri)
    ws = carnet.Workspace()
    assert ws.tracking_uri == sqlite_uri
    assert carnet.get_tracking_uri() == sqlite_uri
    with carnet.Experiment(ws, "env").start_logging() as run:
        run.log("m", 1.0)
    assert (tmp_path / "store" / "carnet.db").is_file()
    assert set(carnet.Workspace(sqlite_uri).experiments) == {"Default", "env"}
    assert "env" not in carnet.Workspace(str(tmp_path / ".carnet")).experiments
    # A folder that holds a .carnet folder means that workspace.
    assert carnet.Workspace(str(tmp_path)).tracking_uri == str(tmp_path / ".carnet")
    carnet.set_tracking_uri(str(tmp_path / "explicit"))  # an explicit URI beats the variable
    assert carnet.get_tracking_uri() == str(tmp_path / "explicit")


def test_workspace_uri_checks() -> None:
    for uri, message in (
        ("sqlite:///:memory:", "use a SQLite file"),
        ("https://", "names no host"),
        ("s3://bucket/db", "unsupported scheme 's3'"),
    ):
        with pytest.raises(InvalidArgument, match=message) as info:
            carnet.Workspace(uri)
        assert info.value.field == "tracking_uri"


def test_experiments_and_get_run(store_uri: str) -> None:
    ws = carnet.Workspace(store_uri)
    assert set(ws.experiments) == {"Default"}
    exp = carnet.Experiment(ws, "listed")
    assert {name: e.id for name, e in ws.experiments.items()} == {"Default": "0", "listed": exp.id}
    with exp.start_logging(display_name="fetched") as run:
        run.log("m", 1.0)
        run.log_param("p", "v")
    fetched = ws.get_run(run.id)
    assert isinstance(fetched, carnet.Run)
    assert fetched.name == "fetched"
    assert fetched.get_status() == "Completed"
    assert fetched.get_metrics() == {"m": 1.0}
    assert fetched.get_details()["params"] == {"p": "v"}
    assert ws.get_experiment_info("listed").experiment_id == exp.id
    with pytest.raises(NotFound, match="run 0123 does not exist") as info:
        ws.get_run("0123")
    assert info.value.field == "run_id"
    with pytest.raises(NotFound, match="experiment 'nope' does not exist"):
        ws.get_experiment_info("nope")
    exp.archive()
    assert set(ws.experiments) == {"Default"}


# -- source capture -------------------------------------------------------------------------------

_SCRIPT = """\
import sys

import carnet

ws = carnet.Workspace(sys.argv[1])
with carnet.Experiment(ws, "source").start_logging() as run:
    run.log("m", 1.0)
print(run.id)
"""


_GIT_CONFIG = ("-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *_GIT_CONFIG, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env=_clean_env(),
    )
    return done.stdout.strip()


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CARNET_", "MLFLOW_"))}


def _run_script(script: Path, uri: str) -> str:
    done = subprocess.run(
        [sys.executable, str(script), uri],
        cwd=script.parent,
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_source_and_git_state_of_a_script_run(tmp_path: Path, sqlite_uri: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    script = repo / "train.py"
    script.write_text(_SCRIPT)
    _git(repo, "init", "-q")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", "first")
    head = _git(repo, "rev-parse", "HEAD")

    clean_id = _run_script(script, sqlite_uri)
    script.write_text(_SCRIPT + "# an uncommitted change\n")
    dirty_id = _run_script(script, sqlite_uri)

    ws = carnet.Workspace(sqlite_uri)
    for run_id, dirty in ((clean_id, False), (dirty_id, True)):
        info = ws.get_run(run_id).info
        assert info.source_type == "SCRIPT"
        assert info.source_name == str(script.resolve())
        assert info.git_commit == head
        assert info.git_dirty is dirty
        details = ws.get_run(run_id).get_details()
        assert details["source"] == {"type": "SCRIPT", "name": str(script.resolve())}
        assert details["git"] == {"commit": head, "dirty": dirty}


def test_source_of_a_script_outside_git(tmp_path: Path, sqlite_uri: str) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    script = folder / "job.py"
    script.write_text(_SCRIPT)
    run_id = _run_script(script, sqlite_uri)
    info = carnet.Workspace(sqlite_uri).get_run(run_id).info
    assert (info.source_type, info.source_name) == ("SCRIPT", str(script.resolve()))
    assert info.git_commit is None and info.git_dirty is None

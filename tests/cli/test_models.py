"""``carnet models`` on a real SQLite workspace seeded with the SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.conftest import Cli, Seeded


@pytest.mark.parametrize("command", ["list", "show", "register", "stage", "alias", "history", "download"])
def test_every_command_has_help(cli: Cli, command: str) -> None:
    result = cli.ok("models", command, "--help")
    assert "Usage" in result.stdout


def test_register_stage_alias_show_and_history(cli: Cli, seeded: Seeded) -> None:
    uri = seeded.uri
    run = seeded.file_run
    empty = cli.ok("-u", uri, "models", "list")
    assert "no registered models yet" in empty.stderr

    first = cli.ok("-u", uri, "models", "register", "ridge-model", f"runs:/{run[:8]}/model", "--tag", "k=v")
    assert "registered ridge-model version 1" in first.stdout
    other = seeded.ids["alpha-0.1"]
    second = cli.ok("-u", uri, "models", "register", "ridge-model", "model", "--run", other, "-d", "second")
    assert "version 2" in second.stdout

    cli.ok("-u", uri, "models", "stage", "ridge-model", "1", "production")
    moved = cli.ok("-u", uri, "models", "stage", "ridge-model", "2", "Production", "--archive-existing")
    assert "None → Production" in moved.stdout
    cli.ok("-u", uri, "models", "alias", "ridge-model", "champion", "1")

    listed = json.loads(cli.ok("-u", uri, "models", "list", "--output", "json").stdout)
    assert listed[0]["name"] == "ridge-model" and listed[0]["aliases"] == {"champion": 1}
    table = cli.ok("-u", uri, "models", "list").stdout
    assert "ridge-model" in table and "champion → v1" in table

    shown = json.loads(cli.ok("-u", uri, "models", "show", "ridge-model", "--output", "json").stdout)
    assert [(v["version"], v["current_stage"]) for v in shown["versions"]] == [
        (2, "Production"),
        (1, "Archived"),
    ]
    detail = cli.ok("-u", uri, "models", "show", "ridge-model", "--version", "1").stdout
    assert "Archived" in detail and "champion" in detail and "experiment ridge" in detail
    version = json.loads(
        cli.ok("-u", uri, "models", "show", "ridge-model", "-v", "1", "--output", "json").stdout
    )
    assert version["run_id"] == run and version["tags"] == {"k": "v"}

    cli.ok("-u", uri, "models", "alias", "ridge-model", "champion", "--delete")
    history = json.loads(cli.ok("-u", uri, "models", "history", "ridge-model", "--output", "json").stdout)
    kinds = [(e["version"], e["kind"], e["to"]) for e in history]
    assert kinds[:2] == [(1, "created", f"runs:/{run}/model"), (2, "created", kinds[1][2])]
    assert (1, "stage", "Archived") in kinds and (1, "alias_deleted", None) in kinds
    assert "alias removed" in cli.ok("-u", uri, "models", "history", "ridge-model", "-v", "1").stdout


def test_errors_are_one_line_with_an_exit_code(cli: Cli, seeded: Seeded) -> None:
    uri = seeded.uri
    missing = cli("-u", uri, "models", "show", "nope")
    assert missing.exit_code == 3
    assert "Error: registered model 'nope' does not exist" in missing.stderr
    assert "carnet models list" in missing.stderr
    cli.ok("-u", uri, "models", "register", "m", f"runs:/{seeded.file_run}/model")
    outside = cli("-u", uri, "models", "register", "m", "/etc", "--run", seeded.file_run)
    assert outside.exit_code == 2 and "not inside the artifact location" in outside.stderr
    no_run = cli("-u", uri, "models", "register", "m", "model")
    assert no_run.exit_code == 2 and "--run" in no_run.stderr
    reserved = cli("-u", uri, "models", "alias", "m", "latest", "1")
    assert reserved.exit_code == 2 and "reserved" in reserved.stderr
    stage = cli("-u", uri, "models", "stage", "m", "1", "Foo")
    assert stage.exit_code == 2 and "unknown stage" in stage.stderr
    assert "Traceback" not in stage.stderr + stage.stdout


def test_list_without_a_workspace_creates_nothing(cli: Cli) -> None:
    result = cli.ok("models", "list")
    assert "no registered models yet" in result.stderr
    assert not (Path.cwd() / ".carnet").exists()


def test_download_by_number_alias_and_stage(cli: Cli, seeded: Seeded, tmp_path: Path) -> None:
    uri = seeded.uri
    cli.ok("-u", uri, "models", "register", "m", f"runs:/{seeded.file_run}/model")
    cli.ok("-u", uri, "models", "alias", "m", "champion", "1")
    cli.ok("-u", uri, "models", "stage", "m", "1", "Staging")
    for ref, folder in (("1", "a"), ("@champion", "b"), ("staging", "c"), ("latest", "d")):
        result = cli.ok("-u", uri, "models", "download", "m", ref, "--to", str(tmp_path / folder))
        assert "downloaded m version 1" in result.stdout
        assert (tmp_path / folder / "weights.txt").read_text() == "0123456789"
    default = cli.ok("-u", uri, "models", "download", "m", "1")
    assert (Path.cwd() / "m-v1" / "weights.txt").is_file(), default.stdout
    missing = cli("-u", uri, "models", "download", "m", "Production")
    assert missing.exit_code == 3 and "no version in 'Production'" in missing.stderr


def test_show_version_lists_the_datasets_of_its_run(cli: Cli, sqlite_uri: str, tmp_path: Path) -> None:
    import carnet

    ws = carnet.Workspace(sqlite_uri)
    with carnet.Experiment(ws, "lineage").start_logging(display_name="trained") as run:
        run.log_input("iris", digest="1a2b3c4d", source="data/iris.csv", context="training")
        run.log_input(
            carnet.Dataset("iris-holdout", "9f8e7d6c", "s3", "s3://b/holdout.csv"), context="validation"
        )
        weights = tmp_path / "weights.txt"
        weights.write_text("0123")
        run.upload_file("model/weights.txt", str(weights))
    cli.ok("-u", sqlite_uri, "models", "register", "iris-model", f"runs:/{run.id}/model")

    # The run's own view lists them too.
    shown = cli.ok("-u", sqlite_uri, "runs", "show", run.id).stdout
    assert "Datasets" in shown and "iris-holdout" in shown and "9f8e7d6c" in shown
    run_body = json.loads(cli.ok("-u", sqlite_uri, "runs", "show", run.id, "--output", "json").stdout)
    assert [(d["name"], d["context"]) for d in run_body["datasets"]] == [
        ("iris", "training"),
        ("iris-holdout", "validation"),
    ]

    detail = cli.ok("-u", sqlite_uri, "models", "show", "iris-model", "--version", "1").stdout
    assert "experiment lineage" in detail and "Datasets" in detail
    for text in ("iris", "1a2b3c4d", "training", "data/iris.csv", "iris-holdout", "validation"):
        assert text in detail
    body = json.loads(
        cli.ok("-u", sqlite_uri, "models", "show", "iris-model", "-v", "1", "--output", "json").stdout
    )
    assert [(d["name"], d["digest"], d["context"], d["source"]) for d in body["datasets"]] == [
        ("iris", "1a2b3c4d", "training", "data/iris.csv"),
        ("iris-holdout", "9f8e7d6c", "validation", "s3://b/holdout.csv"),
    ]


def test_register_a_logged_model_by_its_runs_uri_then_load_it(
    cli: Cli, sqlite_uri: str, tmp_path: Path
) -> None:
    # A model logged with log_model lives with its logged model, not in the run's files: the
    # registered version must point there (as carnet.register_model and MLflow 3 do).
    from sklearn.linear_model import LinearRegression

    import carnet
    import carnet.pyfunc
    import carnet.sklearn

    carnet.set_tracking_uri(sqlite_uri)
    try:
        with carnet.start_run() as run:
            info = carnet.sklearn.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0]), name="model")
        shown = cli.ok("-u", sqlite_uri, "models", "register", "line", f"runs:/{run.info.run_id}/model")
        assert "registered line version 1" in shown.stdout
        version = json.loads(
            cli.ok("-u", sqlite_uri, "models", "show", "line", "-v", "1", "--output", "json").stdout
        )
        assert version["model_id"] == info.model_id and version["run_id"] == run.info.run_id
        model = carnet.pyfunc.load_model("models:/line/1")
        assert [round(float(v), 6) for v in model.predict([[2.0]])] == [4.0]
    finally:
        carnet.set_tracking_uri(None)

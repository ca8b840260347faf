"""The ``carnet`` command line against a real SQLite workspace filled with the real SDK."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import carnet
from carnet.store.sql.engine import head_revision
from cli.conftest import Cli, Seeded, seed

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """Text without ANSI escapes (typer's help may be styled when CI forces colour)."""
    return _ANSI.sub("", text)


def line_of(text: str, needle: str) -> str:
    """The one output line that contains ``needle``."""
    found = [line for line in text.splitlines() if needle in line]
    assert len(found) == 1, (needle, text)
    return found[0]


def names(result_stdout: str) -> list[str]:
    return [r["run_name"] for r in json.loads(result_stdout)]


# ---------------------------------------------------------------------------------------------
# Help, version, entry points
# ---------------------------------------------------------------------------------------------

HELP_CASES = [
    ([], ["--tracking-uri", "--version", "experiments", "runs", "db"]),
    (["experiments"], ["list", "create", "delete", "restore", "rename"]),
    (["experiments", "list"], ["--all", "--deleted", "--output", "--tracking-uri"]),
    (["experiments", "create"], ["NAME", "--artifact-location"]),
    (["experiments", "delete"], ["EXPERIMENT", "--tracking-uri"]),
    (["experiments", "restore"], ["EXPERIMENT", "--tracking-uri"]),
    (["experiments", "rename"], ["EXPERIMENT", "NEW_NAME"]),
    (["runs"], ["list", "show", "delete", "restore"]),
    (
        ["runs", "list"],
        [
            "--experiment",
            "--filter",
            "--order-by",
            "--columns",
            "--max-results",
            "--all",
            "--deleted",
            "--output",
        ],
    ),
    (["runs", "show"], ["RUN_ID", "--output"]),
    (["runs", "delete"], ["RUN_ID"]),
    (["runs", "restore"], ["RUN_ID"]),
    (["db"], ["upgrade", "current"]),
    (["db", "upgrade"], ["--tracking-uri"]),
    (["db", "current"], ["--tracking-uri"]),
]


@pytest.mark.parametrize(("command", "mentions"), HELP_CASES, ids=lambda c: " ".join(c) if c else "carnet")
def test_help_of_every_command(cli: Cli, command: list[str], mentions: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    text = plain(result.stdout)
    assert "Usage" in text
    for word in mentions:
        assert word in text, (word, text)


@pytest.mark.parametrize("group", [[], ["experiments"], ["runs"], ["db"]])
def test_groups_without_a_command_print_help(cli: Cli, group: list[str], tmp_path: Path) -> None:
    result = cli(*group)
    assert "Usage" in plain(result.output)
    assert not (tmp_path / ".carnet").exists()


def test_version(cli: Cli) -> None:
    result = cli.ok("--version")
    assert result.stdout.strip() == f"carnet {carnet.__version__}"


def test_python_dash_m_carnet_runs_the_cli(seeded: Seeded, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env["NO_COLOR"] = "1"
    helped = subprocess.run(
        [sys.executable, "-m", "carnet", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert helped.returncode == 0, helped.stderr
    assert "Usage: carnet" in plain(helped.stdout)

    # Errors raised through the console entry point: message and exit code, no traceback.
    missing = subprocess.run(
        [sys.executable, "-m", "carnet", "-u", seeded.uri, "runs", "show", "0" * 32],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert missing.returncode == 3
    assert f"Error: run {'0' * 32} does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr + missing.stdout


# ---------------------------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------------------------


def test_experiments_list_table_and_json(cli: Cli, seeded: Seeded) -> None:
    table = cli.ok("experiments", "list", "-u", seeded.uri).stdout
    assert re.search(r"\bID\s+Name\s+Stage\s+Created\s+Artifact location", table)
    for number, name in enumerate(["Default", "ridge", "lasso"]):
        assert re.search(
            rf"^\s*{number}\s+{name}\s+active\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s", table, re.M
        ), table

    listed = json.loads(cli.ok("experiments", "list", "-u", seeded.uri, "--output", "json").stdout)
    assert [(e["experiment_id"], e["name"], e["lifecycle_stage"]) for e in listed] == [
        ("0", "Default", "active"),
        ("1", "ridge", "active"),
        ("2", "lasso", "active"),
    ]
    assert set(listed[1]) == {
        "experiment_id",
        "name",
        "lifecycle_stage",
        "creation_time",
        "last_update_time",
        "artifact_location",
        "tags",
    }
    assert isinstance(listed[1]["creation_time"], int)


def test_experiment_lifecycle(cli: Cli, seeded: Seeded) -> None:
    uri = ["-u", seeded.uri]
    assert "created experiment 'svm' (id 3)" in cli.ok("experiments", "create", "svm", *uri).stdout

    taken = cli("experiments", "create", "svm", *uri)
    assert taken.exit_code == 2
    assert "exists already" in taken.stderr

    assert "from 'svm' to 'svm2'" in cli.ok("experiments", "rename", "3", "svm2", *uri).stdout
    # delete by name hides the experiment and its runs; --deleted shows them
    assert "deleted experiment 'ridge' (id 1)" in cli.ok("experiments", "delete", "ridge", *uri).stdout
    active = json.loads(cli.ok("experiments", "list", "--output", "json", *uri).stdout)
    assert [e["name"] for e in active] == ["Default", "lasso", "svm2"]
    deleted = json.loads(cli.ok("experiments", "list", "--deleted", "--output", "json", *uri).stdout)
    assert [e["name"] for e in deleted] == ["ridge"]
    everything = json.loads(cli.ok("experiments", "list", "--all", "--output", "json", *uri).stdout)
    assert [e["name"] for e in everything] == ["Default", "ridge", "lasso", "svm2"]
    assert names(cli.ok("runs", "list", "--output", "json", *uri).stdout) == ["lasso-run"]
    gone = cli.ok("runs", "list", "--deleted", "--output", "json", "-o", "params.alpha", *uri).stdout
    assert names(gone) == ["alpha-0.1", "alpha-1", "alpha-10"]

    assert "restored experiment 'ridge'" in cli.ok("experiments", "restore", "1", *uri).stdout
    assert len(json.loads(cli.ok("runs", "list", "--output", "json", *uri).stdout)) == 4


def test_experiment_errors(cli: Cli, seeded: Seeded) -> None:
    unknown = cli("experiments", "delete", "nope", "-u", seeded.uri)
    assert unknown.exit_code == 3
    assert "experiment 'nope' does not exist" in unknown.stderr

    default = cli("experiments", "delete", "Default", "-u", seeded.uri)
    assert default.exit_code == 2
    assert "Default experiment cannot be deleted" in default.stderr

    both = cli("experiments", "list", "--all", "--deleted", "-u", seeded.uri)
    assert both.exit_code == 2
    assert "--all and --deleted" in both.stderr

    bad_name = cli("experiments", "create", "", "-u", seeded.uri)
    assert bad_name.exit_code == 2
    assert "Traceback" not in bad_name.output


# ---------------------------------------------------------------------------------------------
# runs list
# ---------------------------------------------------------------------------------------------


def test_runs_list_filter_order_by_and_json(cli: Cli, seeded: Seeded) -> None:
    uri = ["-u", seeded.uri]
    by_rmse = cli.ok("runs", "list", "-e", "ridge", "-o", "metrics.rmse ASC", "--output", "json", *uri).stdout
    assert names(by_rmse) == ["alpha-1", "alpha-10", "alpha-0.1"]

    descending = cli.ok("runs", "list", "-o", "metrics.rmse DESC", "--output", "json", *uri).stdout
    assert names(descending) == ["lasso-run", "alpha-0.1", "alpha-10", "alpha-1"]

    filtered = cli.ok(
        "runs", "list", "-f", "metrics.rmse < 60 and params.alpha = '1.0'", "--output", "json", *uri
    ).stdout
    assert names(filtered) == ["alpha-1"]

    either = cli.ok(
        "runs",
        "list",
        "-f",
        "(metrics.rmse > 57 AND tags.team = 'a') OR params.alpha IN ('0.5')",
        "-o",
        "metrics.rmse DESC",
        "--output",
        "json",
        *uri,
    ).stdout
    assert names(either) == ["lasso-run", "alpha-0.1", "alpha-10"]

    # experiments by id and by name, repeated; tie-breaking order-by
    two = cli.ok(
        "runs",
        "list",
        "-e",
        "2",
        "-e",
        "ridge",
        "-o",
        "tags.team",
        "-o",
        "metrics.rmse DESC",
        "--output",
        "json",
        *uri,
    ).stdout
    assert names(two) == ["alpha-0.1", "alpha-10", "alpha-1", "lasso-run"]

    full = json.loads(filtered)[0]
    assert full["run_id"] == seeded.ids["alpha-1"]
    assert full["experiment_name"] == "ridge"
    assert full["status"] == "Completed"
    assert full["params"] == {"alpha": "1.0"}
    assert full["metrics"] == {"loss": 0.25, "rmse": 55.254321}
    assert full["tags"] == {"team": "b"}
    assert isinstance(full["start_time"], int) and isinstance(full["end_time"], int)
    assert list(full) == [
        "run_id",
        "run_name",
        "experiment_id",
        "experiment_name",
        "status",
        "lifecycle_stage",
        "start_time",
        "end_time",
        "duration_s",
        "user_id",
        "parent_run_id",
        "source_type",
        "source_name",
        "git_commit",
        "git_dirty",
        "description",
        "artifact_uri",
        "params",
        "metrics",
        "tags",
    ]


def test_runs_list_columns(cli: Cli, seeded: Seeded) -> None:
    uri = ["-u", seeded.uri]
    as_json = cli.ok(
        "runs",
        "list",
        "-e",
        "ridge",
        "-c",
        "run_name,metrics.rmse,params.alpha,tags.team,name",
        "-o",
        "metrics.rmse",
        "--output",
        "json",
        *uri,
    ).stdout
    assert json.loads(as_json) == [
        {"run_name": "alpha-1", "metrics.rmse": 55.254321, "params.alpha": "1.0", "tags.team": "b"},
        {"run_name": "alpha-10", "metrics.rmse": 58.0, "params.alpha": "10.0", "tags.team": "a"},
        {"run_name": "alpha-0.1", "metrics.rmse": 61.5, "params.alpha": "0.1", "tags.team": "a"},
    ]

    table = cli.ok(
        "runs",
        "list",
        "-e",
        "ridge",
        "-c",
        "run_name,status,metrics.rmse,params.alpha,metrics.missing",
        "-o",
        "metrics.rmse",
        *uri,
    ).stdout
    lines = [line.split() for line in table.splitlines() if line.strip() and not set(line.strip()) <= {"─"}]
    assert lines == [
        ["Name", "Status", "rmse", "alpha", "missing"],
        ["alpha-1", "Completed", "55.25", "1.0"],
        ["alpha-10", "Completed", "58", "10.0"],
        ["alpha-0.1", "Completed", "61.5", "0.1"],
    ]

    ids = cli.ok("runs", "list", "-e", "lasso", "-c", "id,attributes.status", "--output", "json", *uri).stdout
    assert json.loads(ids) == [{"run_id": seeded.ids["lasso-run"], "status": "Completed"}]
    short = cli.ok("runs", "list", "-e", "lasso", "-c", "run_id", *uri).stdout
    assert short.split() == ["Run", "ID", "─" * 8, seeded.ids["lasso-run"][:8]]

    unknown = cli("runs", "list", "-c", "run_name,bogus", *uri)
    assert unknown.exit_code == 2
    assert "unknown column 'bogus'" in unknown.stderr


def test_runs_list_default_table(cli: Cli, seeded: Seeded) -> None:
    table = cli.ok("runs", "list", "-u", seeded.uri, "-o", "metrics.rmse").stdout
    header = line_of(table, "Run ID")
    assert header.split() == [
        "Run",
        "ID",
        "Name",
        "Experiment",
        "Status",
        "Start",
        "Duration",
        "rmse",
        "loss",
        "alpha",
    ]
    row = line_of(table, seeded.ids["alpha-1"][:8])
    assert seeded.ids["alpha-1"] not in table  # short ids in the table
    assert row.split()[1:4] == ["alpha-1", "ridge", "Completed"]
    assert row.split()[-3:] == ["55.25", "0.25", "1.0"]  # ~4 significant digits
    order = [table.index(seeded.ids[n][:8]) for n in ("alpha-1", "alpha-10", "alpha-0.1", "lasso-run")]
    assert order == sorted(order)


def test_runs_list_max_results_and_deleted(cli: Cli, seeded: Seeded) -> None:
    uri = ["-u", seeded.uri]
    first = cli.ok("runs", "list", "-n", "2", "-o", "metrics.rmse", "--output", "json", *uri)
    assert names(first.stdout) == ["alpha-1", "alpha-10"]
    assert "first 2 matching runs" in first.stderr

    assert "deleted run" in cli.ok("runs", "delete", seeded.ids["alpha-10"], *uri).stdout
    assert names(
        cli.ok("runs", "list", "-e", "ridge", "-o", "metrics.rmse", "--output", "json", *uri).stdout
    ) == [
        "alpha-1",
        "alpha-0.1",
    ]
    deleted = cli.ok("runs", "list", "--deleted", "--output", "json", *uri).stdout
    assert [(r["run_name"], r["lifecycle_stage"]) for r in json.loads(deleted)] == [("alpha-10", "deleted")]
    everything = cli.ok("runs", "list", "--all", "-e", "ridge", "-o", "metrics.rmse", *uri).stdout
    assert "deleted" in line_of(everything, seeded.ids["alpha-10"][:8])

    # restore by a unique prefix of the id
    assert "restored run" in cli.ok("runs", "restore", seeded.ids["alpha-10"][:10], *uri).stdout
    assert len(json.loads(cli.ok("runs", "list", "-e", "ridge", "--output", "json", *uri).stdout)) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "metrics.rmse <"], "Invalid filter"),
        (["-f", "metrics.rmse < 'abc'"], "metric 'rmse'"),
        (["-f", "bogus.x = 1"], "bogus"),
        (["-o", "metrics.rmse SIDEWAYS"], "Invalid order_by"),
        (["-n", "0"], "max_results"),
        (["-e", "no-such-experiment"], "no-such-experiment"),
        (["--all", "--deleted"], "--all and --deleted"),
        (["-c", " , "], "no column given"),
    ],
)
def test_runs_list_bad_input(cli: Cli, seeded: Seeded, args: list[str], message: str) -> None:
    result = cli("runs", "list", "-u", seeded.uri, *args)
    assert result.exit_code in (2, 3)
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert isinstance(result.exception, SystemExit)


def test_bad_filter_exit_code_and_hint(cli: Cli, seeded: Seeded) -> None:
    result = cli("runs", "list", "-u", seeded.uri, "-f", "metrics.rmse = 'x'")
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()[:2]
    assert first.startswith("Error: Invalid filter:")
    assert "metric 'rmse'" in first
    assert "runs list --help" in hint


def test_tracking_uri_before_the_command_and_from_the_environment(cli: Cli, seeded: Seeded) -> None:
    before = cli.ok("--tracking-uri", seeded.uri, "runs", "list", "--output", "json").stdout
    assert len(json.loads(before)) == 4
    from_env = cli.ok("runs", "list", "--output", "json", env={"CARNET_TRACKING_URI": seeded.uri}).stdout
    assert len(json.loads(from_env)) == 4


# ---------------------------------------------------------------------------------------------
# runs show
# ---------------------------------------------------------------------------------------------


def test_runs_show_json(cli: Cli, seeded: Seeded) -> None:
    body = json.loads(cli.ok("runs", "show", seeded.file_run, "-u", seeded.uri, "--output", "json").stdout)
    assert body["run_id"] == seeded.file_run
    assert body["run_name"] == "alpha-1"
    assert body["experiment_name"] == "ridge"
    assert body["params"] == {"alpha": "1.0"}
    assert body["tags"] == {"team": "b"}
    infos = {m["name"]: m for m in body["metric_infos"]}
    assert [m["name"] for m in body["metric_infos"]] == ["loss", "rmse", "scores"]
    assert (infos["loss"]["kind"], infos["loss"]["count"], infos["loss"]["last_value"]) == ("series", 3, 0.25)
    assert (infos["rmse"]["count"], infos["rmse"]["last_value"]) == (1, 55.254321)
    assert infos["scores"]["kind"] == "row"
    assert body["files"] == [{"path": "model/weights.txt", "size": 10}]


def test_runs_show_table(cli: Cli, seeded: Seeded) -> None:
    # a unique prefix of the id is enough
    table = cli.ok("runs", "show", seeded.file_run[:8], "-u", seeded.uri).stdout
    assert seeded.file_run in table
    assert "ridge (id 1)" in table
    assert "Completed" in table
    assert line_of(table, "alpha ").split() == ["alpha", "1.0"]
    assert line_of(table, "loss").split() == ["loss", "series", "3", "0.25", "2"]
    assert line_of(table, "rmse").split() == ["rmse", "series", "1", "55.25", "0"]
    assert line_of(table, "team").split() == ["team", "b"]
    assert line_of(table, "model/weights.txt").split() == ["model/weights.txt", "10", "B"]


@pytest.mark.parametrize("command", ["show", "delete", "restore"])
def test_unknown_run_id(cli: Cli, seeded: Seeded, command: str) -> None:
    result = cli("runs", command, "deadbeefcafe", "-u", seeded.uri)
    assert result.exit_code == 3  # NotFound
    assert "Error: run deadbeefcafe does not exist" in result.stderr
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# A folder with no workspace
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["experiments", "list"],
        ["experiments", "list", "--output", "json"],
        ["runs", "list"],
        ["runs", "list", "--output", "json", "-f", "metrics.x > 1"],
        ["runs", "list", "-e", "ridge"],
        ["db", "current"],
    ],
)
def test_read_only_commands_do_not_create_a_workspace(cli: Cli, tmp_path: Path, command: list[str]) -> None:
    result = cli.ok(*command)
    assert "no carnet workspace here yet" in result.stderr
    if "json" in command:
        assert json.loads(result.stdout) == []
    assert not (tmp_path / ".carnet").exists()


def test_commands_on_missing_things_do_not_create_a_workspace(cli: Cli, tmp_path: Path) -> None:
    for command in (["runs", "show", "abc"], ["runs", "delete", "abc"], ["experiments", "delete", "x"]):
        result = cli(*command)
        assert result.exit_code == 3, result.output
        assert "no carnet workspace here yet" in result.stderr
    missing_db = tmp_path / "elsewhere" / "c.db"
    assert cli.ok("runs", "list", "-u", f"sqlite:///{missing_db}").stdout.count("Run ID") == 1
    assert not missing_db.parent.exists()
    assert not (tmp_path / ".carnet").exists()


def test_bad_filter_in_an_empty_folder_is_still_reported(cli: Cli, tmp_path: Path) -> None:
    result = cli("runs", "list", "-f", "metrics.x >", "--output", "json")
    assert result.exit_code == 2
    assert "Invalid filter" in result.stderr
    assert not (tmp_path / ".carnet").exists()


def test_experiments_create_makes_the_workspace(cli: Cli, tmp_path: Path) -> None:
    cli.ok("experiments", "create", "first")
    assert (tmp_path / ".carnet" / "carnet.db").exists()
    listed = json.loads(cli.ok("experiments", "list", "--output", "json").stdout)
    assert [e["name"] for e in listed] == ["Default", "first"]


# ---------------------------------------------------------------------------------------------
# db
# ---------------------------------------------------------------------------------------------


def test_db_upgrade_fresh_and_existing(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "new" / "fresh.db"
    uri = f"sqlite:///{db}"
    head = head_revision()
    assert cli.ok("db", "upgrade", "-u", uri).stdout.strip() == f"upgraded (empty) -> {head}"
    assert db.exists()
    assert cli.ok("db", "upgrade", "-u", uri).stdout.strip() == f"database at revision {head} (up to date)"
    current = cli.ok("db", "current", "-u", uri).stdout
    assert f"current revision: {head}" in current
    assert f"head revision: {head}" in current
    assert "up to date" in current

    # the upgraded database is usable by the SDK and the CLI
    with carnet.Experiment(carnet.Workspace(uri), "after-upgrade").start_logging(display_name="r") as run:
        run.log("m", 1.0)
    assert names(cli.ok("runs", "list", "-u", uri, "--output", "json").stdout) == ["r"]


def test_db_upgrade_on_a_workspace_made_by_the_sdk(cli: Cli, seeded: Seeded) -> None:
    result = cli.ok("--tracking-uri", seeded.uri, "db", "upgrade")
    assert result.stdout.strip() == f"database at revision {head_revision()} (up to date)"


def test_out_of_date_schema_is_reported(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    uri = f"sqlite:///{db}"
    cli.ok("db", "upgrade", "-u", uri)  # an engine of its own: nothing cached for this URL
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    conn.close()

    listed = cli("runs", "list", "-u", uri)
    assert listed.exit_code == 1
    assert "schema revision ffff" in listed.stderr
    assert "carnet db upgrade" in listed.stderr
    assert "Traceback" not in listed.output

    current = cli.ok("db", "current", "-u", uri).stdout
    assert "current revision: ffff" in current

    upgraded = cli("db", "upgrade", "-u", uri)
    assert upgraded.exit_code == 1
    assert "cannot upgrade" in upgraded.stderr
    assert "Traceback" not in upgraded.output


def test_unreachable_database_is_an_error_not_a_traceback(cli: Cli) -> None:
    result = cli("db", "current", "-u", "postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot open the database")
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_runs_list_over_postgres(cli: Cli, postgres_uri: str, tmp_path: Path) -> None:
    seeded = seed(postgres_uri, tmp_path)
    result = cli.ok(
        "runs",
        "list",
        "-u",
        postgres_uri,
        "-f",
        "metrics.rmse < 60 or params.alpha LIKE '0.%'",
        "-o",
        "metrics.rmse DESC",
        "--output",
        "json",
    )
    assert names(result.stdout) == ["lasso-run", "alpha-0.1", "alpha-10", "alpha-1"]
    table = cli.ok(
        "runs", "list", "-u", postgres_uri, "-e", "ridge", "-c", "name,metrics.rmse", "-o", "metrics.rmse"
    ).stdout
    assert line_of(table, "alpha-1 ").split() == ["alpha-1", "55.25"]
    shown = json.loads(cli.ok("runs", "show", seeded.file_run, "-u", postgres_uri, "--output", "json").stdout)
    assert shown["metrics"]["rmse"] == 55.254321
    assert "database at revision" in cli.ok("db", "upgrade", "-u", postgres_uri).stdout


def test_runs_list_fits_a_narrow_terminal(cli: Cli, seeded: Seeded) -> None:
    result = cli("runs", "list", "-u", seeded.uri, "-o", "metrics.rmse", env={"COLUMNS": "90"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 90
    header = line_of(result.stdout, "Run ID").split()
    assert header[-1] == "rmse"  # the order-by metric comes first, the others give way
    assert "alpha" not in header
    assert "not shown: pick columns with --columns" in result.stderr
    assert "55.25" in line_of(result.stdout, seeded.ids["alpha-1"][:8])

"""``carnet automl run`` and ``carnet automl leaderboard`` through the real command line app."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from carnet.cli import app


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def test_run_then_leaderboard(diabetes: pd.DataFrame, tmp_path: Path) -> None:
    data = tmp_path / "diabetes.csv"
    diabetes.to_csv(data, index=False)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "automl", "run", str(data), "--task", "regression", "--target", "progression", "--timeout", "2m",
            "--frameworks", "elastic_net,decision_tree", "--max-trials", "3", "--experiment", "cli",
            "--no-notebooks",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "trial    0" in result.stdout  # one line per trial when the output is not a terminal
    assert "Leaderboard" in result.stdout
    run_id = next(line.split()[2] for line in result.stdout.splitlines() if line.startswith("AutoML run:"))

    shown = runner.invoke(app, ["automl", "leaderboard", run_id, "--output", "json"])
    assert shown.exit_code == 0, shown.stdout
    rows = json.loads(shown.stdout)
    assert [r["rank"] for r in rows if r["status"] == "completed"][:2] == [1, 2]
    assert {r["framework"] for r in rows} >= {"elastic_net", "decision_tree"}


def test_bad_input_is_one_line_and_an_exit_code(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": range(30), "y": [1.0] * 30}).to_csv(data, index=False)
    result = CliRunner().invoke(app, ["automl", "run", str(data), "--task", "regression", "--target", "y"])
    assert result.exit_code == 2
    assert "constant" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_names_every_option() -> None:
    result = CliRunner().invoke(app, ["automl", "run", "--help"])
    assert result.exit_code == 0
    for option in ("--task", "--target", "--timeout", "--metric", "--frameworks", "--experiment"):
        assert option in result.stdout

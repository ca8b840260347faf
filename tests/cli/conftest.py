"""Fixtures for the CLI tests: a runner with plain (uncoloured) output and a seeded workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import carnet
from carnet.cli import app


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


class Cli:
    """Invokes the real ``carnet`` app in-process."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        return self.runner.invoke(app, list(args), env=env)

    def ok(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        result = self(*args, env=env)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result


@pytest.fixture
def cli() -> Cli:
    return Cli()


@dataclass
class Seeded:
    uri: str
    ids: dict[str, str]  # run name -> run id
    file_run: str  # the run with files


# name, experiment, alpha param, rmse, team tag
RUNS: Sequence[tuple[str, str, str, float, str]] = (
    ("alpha-0.1", "ridge", "0.1", 61.5, "a"),
    ("alpha-1", "ridge", "1.0", 55.254321, "b"),
    ("alpha-10", "ridge", "10.0", 58.0, "a"),
    ("lasso-run", "lasso", "0.5", 70.0, "c"),
)


def seed(uri: str, folder: Path) -> Seeded:
    """Runs logged with the real SDK: three in ``ridge``, one in ``lasso``."""
    ws = carnet.Workspace(uri)
    ids: dict[str, str] = {}
    for name, experiment, alpha, rmse, team in RUNS:
        run = carnet.Experiment(ws, experiment).start_logging(display_name=name)
        run.log_param("alpha", alpha)
        for loss in (1.0, 0.5, 0.25):
            run.log("loss", loss)
        run.log("rmse", rmse)
        run.tag("team", team)
        if name == "alpha-1":
            weights = folder / "weights.txt"
            weights.write_text("0123456789")
            run.upload_file("model/weights.txt", str(weights))
            run.log_row("scores", fold=1, r2=0.5)
        run.complete()
        ids[name] = run.id
    return Seeded(uri, ids, ids["alpha-1"])


@pytest.fixture
def seeded(sqlite_uri: str, tmp_path: Path) -> Seeded:
    return seed(sqlite_uri, tmp_path)

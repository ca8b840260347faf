"""``carnet job``, ``carnet compute`` and ``carnet worker --help`` through the real app."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from carnet import Workspace
from carnet.cli import app
from carnet.jobs import Worker


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def carnet(ws: Workspace, *args: str) -> Result:
    return CliRunner().invoke(app, ["--tracking-uri", ws.location.tracking_uri, *args])


def test_submit_follow_list_logs_and_download(
    ws: Workspace, worker: Worker, make_folder, tmp_path: Path
) -> None:
    folder = make_folder(
        "cli",
        {
            "train.py": """
                import os, sys
                os.makedirs("outputs", exist_ok=True)
                open("outputs/model.txt", "w").write("weights")
                print("args", sys.argv[1:])
            """
        },
    )
    submitted = carnet(
        ws, "job", "submit", "--source-dir", str(folder), "--script", "train.py", "-e", "cli", "--follow",
        "--", "--alpha", "0.5",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    assert "args ['--alpha', '0.5']" in submitted.stdout
    listed = json.loads(carnet(ws, "job", "list", "--output", "json").stdout)
    assert [(j["status"], j["arguments"]) for j in listed] == [("Completed", ["--alpha", "0.5"])]
    job_id = listed[0]["job_id"]
    assert "Completed" in carnet(ws, "job", "list").stdout
    assert "args" in carnet(ws, "job", "logs", job_id).stdout
    assert carnet(ws, "job", "show", job_id).exit_code == 0

    assert carnet(ws, "job", "download", job_id, "-d", str(tmp_path / "dl")).exit_code == 0
    assert (tmp_path / "dl" / job_id / "outputs" / "model.txt").read_text() == "weights"
    assert (
        carnet(ws, "job", "download", job_id, "-d", str(tmp_path / "dl"), "--what", "snapshot").exit_code == 0
    )
    with tarfile.open(tmp_path / "dl" / job_id / "snapshot" / "snapshot.tar.gz") as archive:
        assert archive.getnames() == ["train.py"]

    canceled = carnet(ws, "job", "cancel", job_id)
    assert canceled.exit_code == 2
    assert "already ended as Completed: there is nothing to cancel" in canceled.stderr


def test_a_failing_job_followed_from_the_cli_exits_non_zero(
    ws: Workspace, worker: Worker, make_folder
) -> None:
    folder = make_folder(
        "fail", {"train.py": "import sys\nprint('bad input', file=sys.stderr)\nsys.exit(4)\n"}
    )
    result = carnet(ws, "job", "submit", "--source-dir", str(folder), "--script", "train.py", "--follow")
    assert result.exit_code == 1
    assert "bad input" in result.stdout
    assert "ended Failed: the script exited with code 4" in result.stderr


def test_submit_errors_are_clear(ws: Workspace, make_folder) -> None:
    folder = make_folder("errs", {"train.py": "print(1)\n"})
    missing = carnet(ws, "job", "submit", "--source-dir", str(folder), "--script", "nope.py")
    assert missing.exit_code == 2 and "script: 'nope.py' does not exist" in missing.stderr
    unknown = carnet(
        ws, "job", "submit", "--source-dir", str(folder), "--script", "train.py", "--compute", "gpu"
    )
    assert unknown.exit_code == 3 and "compute target 'gpu' does not exist" in unknown.stderr
    assert "carnet compute list" in unknown.stderr
    no_env = carnet(
        ws, "job", "submit", "--source-dir", str(folder), "--script", "train.py", "--env", "nope.txt"
    )
    assert no_env.exit_code == 2 and "is not a file" in no_env.stderr
    assert carnet(ws, "job", "logs", "0" * 32).exit_code == 3


def test_compute_targets_from_the_cli(ws: Workspace) -> None:
    created = carnet(
        ws, "compute", "create", "cluster", "--kind", "ray", "--address", "http://127.0.0.1:8265"
    )
    assert created.exit_code == 0, created.output
    assert carnet(ws, "compute", "update", "cluster", "--max-concurrent-jobs", "3").exit_code == 0
    listed = json.loads(carnet(ws, "compute", "list", "--output", "json").stdout)
    assert [(t["name"], t["max_concurrent_jobs"]) for t in listed] == [("cluster", 3), ("local", 0)]
    bad = carnet(ws, "compute", "create", "c2", "--kind", "ray")
    assert bad.exit_code == 2 and "address" in bad.stderr
    assert carnet(ws, "compute", "delete", "cluster").exit_code == 0


@pytest.mark.parametrize(
    "command", [["job", "--help"], ["job", "submit", "--help"], ["worker", "--help"], ["compute", "--help"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0 and "Usage" in result.stdout

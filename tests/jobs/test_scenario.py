"""The seeds' scenario end to end on the local target: a train.py with a helper module sweeps
Ridge alphas on the diabetes data, submitted with ScriptRunConfig and followed live."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from carnet import Experiment, Run, ScriptRunConfig, Workspace
from carnet.jobs import Worker

EXAMPLE = Path(__file__).parents[2] / "examples" / "job_ridge_sweep"


def test_ridge_sweep_job_end_to_end(
    ws: Workspace, experiment: Experiment, worker: Worker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "project"
    shutil.copytree(EXAMPLE, source)
    (source / "notes.tmp").write_text("scratch")
    (source / ".carnetignore").write_text("*.tmp\n")
    config = ScriptRunConfig(
        source_directory=str(source),
        script="train.py",
        arguments=["--alphas", "0.0,0.3,1.0"],
        compute_target="local",
    )
    run = experiment.submit(config)
    (source / "train.py").write_text("raise SystemExit('the live folder must not be run')\n")

    details = run.wait_for_completion(show_output=True)

    printed = capsys.readouterr().out
    assert "alpha=0.00" in printed and "alpha=1.00" in printed
    assert details["status"] == "Completed"
    assert details["runId"] == run.id
    metrics = run.get_metrics()
    assert metrics["alpha"] == [0.0, 0.3, 1.0]
    assert len(metrics["mse"]) == 3
    best = metrics["alpha"][min(range(3), key=metrics["mse"].__getitem__)]
    assert best in (0.0, 0.3, 1.0)
    files = run.get_file_names()
    for alpha in ("0.0", "0.3", "1.0"):
        assert f"outputs/ridge_{alpha}.pkl" in files
    assert {"snapshot/snapshot.tar.gz", "logs/output.txt", "logs/environment.txt"} <= set(files)
    assert run.info.status.value == "Completed"


def test_context_run_inside_the_job_is_the_jobs_run(
    ws: Workspace, experiment: Experiment, worker: Worker, make_folder
) -> None:
    folder = make_folder(
        "ctx",
        {
            "pkg/job.py": """
                import os
                from carnet import Run
                run = Run.get_context()
                print("run", run.id, "job", os.environ["CARNET_JOB_ID"])
                run.log("answer", 42)
            """
        },
    )
    run = experiment.submit(ScriptRunConfig(str(folder), "pkg/job.py"))
    run.wait_for_completion()
    assert Run.attach(ws, run.id).get_metrics() == {"answer": 42.0}
    log = ws.store.read_job_log(run.id)  # type: ignore[attr-defined]
    assert f"run {run.id} job {run.id}" in log.text

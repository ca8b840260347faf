"""The worker: failures with their log, cancel, bad submissions that leave nothing behind, a
worker killed mid-job, and two worker processes sharing one queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from carnet import Experiment, ScriptRunConfig, Workspace
from carnet.entities import JobStatus, RunStatus, ViewType
from carnet.exceptions import InvalidArgument, JobFailed, LimitExceeded, NotFound
from carnet.jobs import Worker
from carnet.store.jobs import job_store

from .conftest import running_worker


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_a_failing_script_fails_the_job_with_the_tail_of_its_output(
    experiment: Experiment, worker: Worker, make_folder
) -> None:
    folder = make_folder(
        "bad", {"train.py": "print('loading data')\nraise ValueError('no such column: y')\n"}
    )
    run = experiment.submit(ScriptRunConfig(str(folder), "train.py"))
    with pytest.raises(JobFailed, match="no such column: y"):
        run.wait_for_completion()
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    assert "exited with code 1" in details["error"] and "loading data" in details["error"]
    assert run.info.status is RunStatus.FAILED


def test_cancel_stops_a_running_script_and_its_children(
    ws: Workspace, experiment: Experiment, worker: Worker, make_folder, tmp_path: Path
) -> None:
    folder = make_folder(
        "slow",
        {
            "train.py": """
                import subprocess, sys, time
                child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
                print("child", child.pid, flush=True)
                time.sleep(120)
            """
        },
    )
    run = experiment.submit(ScriptRunConfig(str(folder), "train.py"))
    jobs = job_store(ws.store)
    _wait_for(lambda: "child" in jobs.read_job_log(run.id).text)
    child = int(jobs.read_job_log(run.id).text.split("child ")[1].split()[0])
    run.cancel()
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Canceled"
    assert run.info.status is RunStatus.CANCELED
    _wait_for(lambda: not _alive(child), timeout=20)


def test_cancel_of_a_queued_job_and_of_a_finished_one(
    ws: Workspace, experiment: Experiment, make_folder
) -> None:
    folder = make_folder("q", {"train.py": "print('never')\n"})
    run = experiment.submit(ScriptRunConfig(str(folder), "train.py"))
    assert run.get_status() == "Queued"
    run.cancel()
    assert run.get_status() == "Canceled"
    jobs = job_store(ws.store)
    assert jobs.get_job(run.id).status is JobStatus.CANCELED
    from carnet.exceptions import InvalidState

    with pytest.raises(InvalidState, match="nothing to cancel"):
        jobs.cancel_job(run.id)


@pytest.mark.parametrize(
    ("config", "error", "field"),
    [
        (dict(script="missing.py"), InvalidArgument, "script"),
        (dict(script="../train.py"), InvalidArgument, "script"),
        (dict(script="train.py", compute_target="gpu-cluster"), NotFound, "compute_target"),
        (dict(script="train.py", arguments=[{"a": 1}]), InvalidArgument, "arguments"),
    ],
)
def test_bad_submissions_leave_no_run_behind(
    ws: Workspace, experiment: Experiment, make_folder, config: dict[str, object], error: type, field: str
) -> None:
    folder = make_folder("ok", {"train.py": "print(1)\n"})
    with pytest.raises(error) as refused:
        experiment.submit(ScriptRunConfig(str(folder), **config))  # type: ignore[arg-type]
    assert refused.value.field == field
    assert list(experiment.get_runs()) == []


def test_a_folder_over_the_size_limit_is_refused_before_any_run(
    experiment: Experiment, make_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder("big", {"train.py": "print(1)\n", "model.bin": b"0" * 4096})
    monkeypatch.setenv("CARNET_SNAPSHOT_MAX_BYTES", "1024")
    with pytest.raises(LimitExceeded, match=r"model\.bin"):
        experiment.submit(ScriptRunConfig(str(folder), "train.py"))
    assert list(experiment.get_runs()) == []


def test_a_script_left_out_by_an_ignore_file_is_named(experiment: Experiment, make_folder) -> None:
    folder = make_folder("ign", {"train.py": "print(1)\n", ".carnetignore": "train.py\n"})
    with pytest.raises(InvalidArgument, match=r"left out by \.gitignore or \.carnetignore"):
        experiment.submit(ScriptRunConfig(str(folder), "train.py"))


def _worker_process(ws: Workspace, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CARNET_TRACKING_URI": ws.location.tracking_uri,
        "CARNET_ARTIFACT_ROOT": ws.location.artifact_root,
    }
    return subprocess.Popen([sys.executable, "-m", "carnet", "worker", *args], env=env)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split()[2] != "Z"


def test_a_worker_killed_mid_job_never_leaves_it_running(
    ws: Workspace, experiment: Experiment, make_folder, tmp_path: Path
) -> None:
    folder = make_folder(
        "long", {"train.py": "import os, time\nprint('pid', os.getpid(), flush=True)\ntime.sleep(120)\n"}
    )
    process = _worker_process(ws, "--stale-after", "2", "--work-dir", str(tmp_path / "w1"))
    try:
        run = experiment.submit(ScriptRunConfig(str(folder), "train.py"))
        jobs = job_store(ws.store)
        _wait_for(lambda: "pid" in jobs.read_job_log(run.id).text)
        script_pid = int(jobs.read_job_log(run.id).text.split("pid ")[1].split()[0])
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
    with running_worker(ws, stale_after_seconds=1.5, work_root=tmp_path / "w2"):
        _wait_for(lambda: jobs.get_job(run.id).status.is_terminal, timeout=30)
    job = jobs.get_job(run.id)
    assert job.status is JobStatus.FAILED
    assert "sent no heartbeat" in (job.error or "")
    assert ws.store.get_run(run.id).info.status is RunStatus.FAILED
    _wait_for(lambda: not _alive(script_pid), timeout=20)  # the script died with its worker


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_worker_processes_never_run_the_same_job(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, make_folder
) -> None:
    uri = str(tmp_path / "shared") if backend == "sqlite" else request.getfixturevalue("postgres_uri")
    ws = Workspace(uri, str(tmp_path / "artifacts"))
    experiment = Experiment(ws, "shared")
    ledger = tmp_path / "ledger.txt"
    folder = make_folder(
        "tiny",
        {
            "train.py": """
                import os, sys
                with open(sys.argv[1], "a") as ledger:
                    ledger.write(os.environ["CARNET_JOB_ID"] + "\\n")
            """
        },
    )
    runs = [experiment.submit(ScriptRunConfig(str(folder), "train.py", [str(ledger)])) for _ in range(10)]
    workers = [
        _worker_process(ws, "--concurrency", "2", "--work-dir", str(tmp_path / f"w{i}")) for i in range(2)
    ]
    jobs = job_store(ws.store)
    try:
        _wait_for(lambda: all(jobs.get_job(r.id).status.is_terminal for r in runs), timeout=120)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(30)
    finished = [jobs.get_job(r.id) for r in runs]
    assert {j.status for j in finished} == {JobStatus.COMPLETED}
    assert {j.attempts for j in finished} == {1}
    assert Counter(ledger.read_text().split()) == Counter(r.id for r in runs)
    assert len({j.worker_id for j in finished}) >= 1
    assert ws.store.search_runs([experiment.id], view_type=ViewType.ALL).runs


def test_huge_output_is_capped_in_the_store_and_kept_whole_in_the_run(
    ws: Workspace, experiment: Experiment, worker: Worker, make_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carnet.jobs import runner

    monkeypatch.setattr(runner, "MAX_STORED_OUTPUT", 5000)
    monkeypatch.setattr(runner, "MAX_CHUNK", 1000)
    folder = make_folder("loud", {"train.py": "for i in range(2000):\n    print(f'line {i:05d}')\n"})
    run = experiment.submit(ScriptRunConfig(str(folder), "train.py"))
    run.wait_for_completion()
    stored = job_store(ws.store).read_job_log(run.id).text
    assert "line 00000" in stored and "line 01999" not in stored
    assert "the rest is only in the run's logs/output.txt" in stored
    assert "line 01999" in run.download_file("logs/output.txt").read_text()


def test_jobs_need_a_store_with_a_queue() -> None:
    from carnet.exceptions import InvalidState

    with pytest.raises(InvalidState, match="offline mode cannot submit or run jobs"):
        job_store(object())

"""Jobs: submit to the script's first line, and many tiny jobs through the local target --
carnet against MLflow 3.17.2's projects (``mlflow.projects.run``) and a bare ``python`` process.

Usage::

    python benchmarks/bench_jobs.py            # the full benchmark (a few minutes)
    python benchmarks/bench_jobs.py --quick    # 20 tiny jobs instead of 200: a smoke run

Every side runs the same tiny script, whose first statement writes ``time.time()`` to a file:

* first line: from the submit call to that first statement, median of N. carnet: a job on the
  ``local`` target with the worker's interpreter (a cached environment: nothing to build), taken
  by a ``carnet worker`` process already running (``--concurrency 1``); the submit includes the
  snapshot (tar.gz, stored with the run) and queueing. MLflow: ``mlflow.projects.run(folder,
  entry_point="tiny.py", env_manager="local", synchronous=True)``, which runs the folder in place
  (no snapshot, no queue). Bare: ``subprocess.run([python, "tiny.py"])``.
* tiny jobs: submit all, wait for all, jobs per second over the whole batch; the queue's
  overhead per job is carnet's (or MLflow's) time per job minus the bare process's. MLflow runs
  synchronously, one project after another, on fewer jobs (its per-job time is what matters).

Every job is checked: Completed (FINISHED for MLflow) and its first line written exactly once.
Each side runs in its own subprocess and temporary folder; results go to
``benchmarks/results/jobs.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import machine_info, print_machine

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "jobs.json"
SIZES = {
    "full": {"latency": 15, "jobs": 200, "mlflow_jobs": 40},
    "quick": {"latency": 4, "jobs": 20, "mlflow_jobs": 8},
}
FIRST_LINE_GOAL_S = 1.0

TINY = """\
import time
stamp = time.time()
import sys
with open(sys.argv[sys.argv.index("--out") + 1], "a") as out:
    out.write(f"{stamp}\\n")
"""


def _project(folder: Path) -> Path:
    project = folder / "project"
    project.mkdir()
    (project / "tiny.py").write_text(TINY)
    return project


def _stamps(path: Path) -> list[float]:
    return [float(line) for line in path.read_text().split()] if path.exists() else []


def _carnet(folder: Path, sizes: dict[str, int]) -> dict[str, Any]:
    import carnet
    from carnet.store.jobs import job_store

    project = _project(folder)
    ws = carnet.Workspace(str(folder / "ws"))
    experiment = carnet.Experiment(ws, "bench")
    jobs = job_store(ws.store)
    env = {**os.environ, "CARNET_TRACKING_URI": ws.location.tracking_uri}
    worker = subprocess.Popen(
        [sys.executable, "-m", "carnet", "worker", "--work-dir", str(folder / "work")],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        latencies = []
        for i in range(sizes["latency"]):
            out = folder / f"first-{i}.txt"
            start = time.time()
            run = experiment.submit(carnet.ScriptRunConfig(str(project), "tiny.py", ["--out", str(out)]))
            run.wait_for_completion()
            latencies.append(_stamps(out)[0] - start)
        out = folder / "batch.txt"
        start = time.perf_counter()
        runs = [
            experiment.submit(carnet.ScriptRunConfig(str(project), "tiny.py", ["--out", str(out)]))
            for _ in range(sizes["jobs"])
        ]
        submitted = time.perf_counter() - start
        while jobs.search_jobs(status=["Queued", "Preparing", "Running"], max_results=1).jobs:
            time.sleep(0.05)
        total = time.perf_counter() - start
        statuses = {jobs.get_job(r.id).status.value for r in runs}
        assert statuses == {"Completed"}, statuses
        assert len(_stamps(out)) == sizes["jobs"]
    finally:
        worker.terminate()
        worker.wait(60)
    return {
        "first_line_s": latencies,
        "jobs": sizes["jobs"],
        "submit_all_s": submitted,
        "batch_s": total,
    }


def _mlflow(folder: Path, sizes: dict[str, int]) -> dict[str, Any]:
    import logging

    import mlflow
    import mlflow.projects

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    project = _project(folder)
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")

    def run(out: Path) -> str:
        submitted = mlflow.projects.run(
            str(project),
            entry_point="tiny.py",
            parameters={"out": str(out)},
            env_manager="local",
            synchronous=True,
        )
        return str(submitted.get_status())

    run(folder / "warmup.txt")  # the database's creation is not timed
    latencies = []
    for i in range(sizes["latency"]):
        out = folder / f"first-{i}.txt"
        start = time.time()
        assert run(out) == "FINISHED"
        latencies.append(_stamps(out)[0] - start)
    out = folder / "batch.txt"
    start = time.perf_counter()
    statuses = {run(out) for _ in range(sizes["mlflow_jobs"])}
    total = time.perf_counter() - start
    assert statuses == {"FINISHED"}, statuses
    assert len(_stamps(out)) == sizes["mlflow_jobs"]
    return {"first_line_s": latencies, "jobs": sizes["mlflow_jobs"], "batch_s": total}


def _bare(folder: Path, sizes: dict[str, int]) -> dict[str, Any]:
    project = _project(folder)
    latencies = []
    for i in range(sizes["latency"]):
        out = folder / f"first-{i}.txt"
        start = time.time()
        subprocess.run([sys.executable, "tiny.py", "--out", str(out)], cwd=project, check=True)
        latencies.append(_stamps(out)[0] - start)
    out = folder / "batch.txt"
    start = time.perf_counter()
    for _ in range(sizes["jobs"]):
        subprocess.run([sys.executable, "tiny.py", "--out", str(out)], cwd=project, check=True)
    total = time.perf_counter() - start
    assert len(_stamps(out)) == sizes["jobs"]
    return {"first_line_s": latencies, "jobs": sizes["jobs"], "batch_s": total}


def _worker(side: str, mode: str, out: str) -> None:
    sides = {"carnet": _carnet, "mlflow": _mlflow, "bare": _bare}
    with tempfile.TemporaryDirectory(prefix=f"bench-jobs-{side}-") as tmp:
        os.chdir(tmp)
        result = sides[side](Path(tmp), SIZES[mode])
    Path(out).write_text(json.dumps(result))


def _run_side(side: str, mode: str, console: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    env.pop("CARNET_TRACKING_URI", None)
    try:
        with console.status(f"running {side}..."):
            done = subprocess.run(
                [sys.executable, __file__, "--worker", side, mode, out],
                env=env,
                capture_output=True,
                text=True,
            )
        if done.returncode != 0:
            console.print(f"[red]{side} failed[/red]\n{done.stderr[-3000:]}")
            return {"error": done.stderr[-3000:]}
        return dict(json.loads(Path(out).read_text()))
    finally:
        Path(out).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer jobs: a smoke run")
    parser.add_argument("--output", default=str(RESULTS), help=f"JSON results file (default: {RESULTS})")
    parser.add_argument("--worker", nargs=3, metavar=("SIDE", "MODE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=140)
    mode = "quick" if args.quick else "full"
    info = machine_info()
    print_machine(console, info, f"[bold]jobs: carnet vs MLflow projects[/bold], {mode} run")
    results = {side: _run_side(side, mode, console) for side in ("carnet", "mlflow", "bare")}
    if any("error" in r for r in results.values()):
        return 1
    c, m, b = results["carnet"], results["mlflow"], results["bare"]
    per_job = {side: r["batch_s"] / r["jobs"] for side, r in results.items()}
    first = {side: statistics.median(r["first_line_s"]) for side, r in results.items()}
    table = Table(title=f"jobs on the local target: carnet vs MLflow {info['mlflow']} projects ({mode} run)")
    for column in ("Benchmark", "carnet", "MLflow", "bare python", "Ratio (MLflow / carnet)", "Goal"):
        table.add_column(column, justify="left" if column == "Benchmark" else "right")
    rows = [
        (
            "submit -> script's first line, median s",
            f"{first['carnet']:.3f}",
            f"{first['mlflow']:.3f}",
            f"{first['bare']:.3f}",
            f"{first['mlflow'] / first['carnet']:.2f}x",
            f"< {FIRST_LINE_GOAL_S:.0f} s: {'PASS' if first['carnet'] < FIRST_LINE_GOAL_S else 'MISS'}",
        ),
        (
            f"tiny jobs per second ({c['jobs']} carnet, {m['jobs']} MLflow, {b['jobs']} bare)",
            f"{1 / per_job['carnet']:.1f}",
            f"{1 / per_job['mlflow']:.1f}",
            f"{1 / per_job['bare']:.1f}",
            f"{per_job['mlflow'] / per_job['carnet']:.2f}x",
            "",
        ),
        (
            "overhead per job over a bare process, ms",
            f"{(per_job['carnet'] - per_job['bare']) * 1000:.0f}",
            f"{(per_job['mlflow'] - per_job['bare']) * 1000:.0f}",
            "0",
            f"{(per_job['mlflow'] - per_job['bare']) / max(per_job['carnet'] - per_job['bare'], 1e-9):.2f}x",
            "",
        ),
        (
            f"submitting {c['jobs']} jobs (snapshot + queue), ms per job",
            f"{c['submit_all_s'] / c['jobs'] * 1000:.1f}",
            "-",
            "-",
            "",
            "",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"mode": mode, "machine": info, "results": results, "rows": rows}, indent=2))
    console.print(f"results written to {output}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

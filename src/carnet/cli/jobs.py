"""``carnet job``, ``carnet compute`` and ``carnet worker``: submit scripts as jobs, follow them,
manage compute targets, and run a worker that takes jobs from the queue."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from carnet.cli import output
from carnet.cli.common import OutputOption, TrackingUriOption, existing_store, workspace
from carnet.cli.output import OutputFormat
from carnet.entities import ComputeTarget, Job, JobStatus
from carnet.store.jobs import LOCAL_TARGET, JobStore, job_store

app = typer.Typer(
    name="job",
    help="Submit a script folder as a job; list, follow, cancel and download jobs.",
    no_args_is_help=True,
)
compute_app = typer.Typer(
    name="compute",
    help="List, add, change and remove compute targets (where jobs run).",
    no_args_is_help=True,
)

JobId = Annotated[str, typer.Argument(help="The job's id (its run's id).", metavar="JOB", show_default=False)]


def _jobs(ctx: typer.Context, tracking_uri: str | None) -> JobStore:
    return job_store(existing_store(ctx, tracking_uri, "the workspace"))


def job_json(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "experiment_id": job.experiment_id,
        "status": job.status.value,
        "compute": job.compute,
        "script": job.script,
        "arguments": list(job.arguments),
        "environment": job.environment_kind.value,
        "created_time": job.created_time,
        "start_time": job.start_time,
        "running_time": job.running_time,
        "end_time": job.end_time,
        "duration_ms": job.duration_ms,
        "worker_id": job.worker_id,
        "attempts": job.attempts,
        "error": job.error,
    }


@app.command("submit")
def submit(
    ctx: typer.Context,
    script: Annotated[str, typer.Option("--script", help="The script to run, relative to --source-dir.")],
    arguments: Annotated[
        list[str] | None, typer.Argument(help="Arguments for the script (after --).", show_default=False)
    ] = None,
    source_dir: Annotated[
        Path, typer.Option("--source-dir", help="The folder to snapshot and run from.")
    ] = Path("."),
    compute: Annotated[str, typer.Option("--compute", help="The compute target to run on.")] = LOCAL_TARGET,
    env: Annotated[
        Path | None,
        typer.Option(
            "--env",
            help="requirements.txt or a conda-style YAML file; the job's environment is built from it "
            "once and cached (default: the worker's interpreter).",
            show_default=False,
        ),
    ] = None,
    experiment: Annotated[
        str, typer.Option("--experiment", "-e", help="The experiment to run in (created if needed).")
    ] = "Default",
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="Print the job's output until it ends.")
    ] = False,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Snapshot --source-dir and queue --script as a job: carnet job submit --script train.py -- --lr 0.1"""
    from carnet.sdk.experiment import Experiment
    from carnet.sdk.script_run import Environment, ScriptRunConfig

    ws = workspace(ctx, tracking_uri)
    environment = Environment.from_file(env) if env is not None else None
    config = ScriptRunConfig(str(source_dir), script, list(arguments or []), compute, environment)
    with output.stderr_console().status("snapshotting and submitting..."):
        run = Experiment(ws, experiment).submit(config)
    jobs = job_store(ws.store)
    if output_format is OutputFormat.json and not follow:
        output.print_json(job_json(jobs.get_job(run.id)))
        return
    output.info(f"submitted job {run.id} to {compute} (experiment {experiment!r})")
    if not follow:
        output.hint(f"follow it with `carnet job logs {run.id} --follow`")
        return
    job = _follow(jobs, run.id)
    _exit_for(job)


def _follow(jobs: JobStore, job_id: str, poll_seconds: float = 0.25) -> Job:
    cursor = 0
    while True:
        job = jobs.get_job(job_id)
        while True:
            log = jobs.read_job_log(job_id, cursor)
            if log.text:
                sys.stdout.write(log.text)
                sys.stdout.flush()
            if log.cursor == cursor:
                break
            cursor = log.cursor
        if job.status.is_terminal:
            return job
        time.sleep(poll_seconds)


def _exit_for(job: Job) -> None:
    if job.status is JobStatus.COMPLETED:
        output.hint(f"job {job.job_id} Completed")
        return
    output.error(f"job {job.job_id} ended {job.status.value}: {job.error or 'no error recorded'}")
    raise typer.Exit(1)


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Only jobs in this state (repeat for several).", show_default=False),
    ] = None,
    compute: Annotated[str | None, typer.Option(help="Only jobs of this target.", show_default=False)] = None,
    max_results: Annotated[int, typer.Option("--max-results", min=1, max=1000)] = 50,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List jobs, newest first."""
    found = _jobs(ctx, tracking_uri).search_jobs(status or None, compute, None, max_results).jobs
    if output_format is OutputFormat.json:
        output.print_json([job_json(j) for j in found])
        return
    rows = [
        [
            j.job_id[:8],
            j.status.value,
            j.compute,
            " ".join([j.script, *j.arguments]),
            output.format_time(j.created_time),
            output.format_duration(j.duration_ms),
            j.experiment_id,
        ]
        for j in found
    ]
    output.print_table(
        ["job", "status", "compute", "command", "submitted", "duration", "experiment"], rows, droppable_from=4
    )


@app.command("show")
def show(
    ctx: typer.Context,
    job_id: JobId,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Show a job: its state, times, command, compute target and error."""
    job = _jobs(ctx, tracking_uri).get_job(job_id)
    if output_format is OutputFormat.json:
        output.print_json(job_json(job))
        return
    for key, value in job_json(job).items():
        output.info(f"{key}: {value if value is not None else ''}")


@app.command("logs")
def logs(
    ctx: typer.Context,
    job_id: JobId,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the job ends.")] = False,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Print a job's output (stdout and stderr, and its environment's build log)."""
    jobs = _jobs(ctx, tracking_uri)
    if follow:
        _exit_for(_follow(jobs, job_id))
        return
    cursor = 0
    while True:
        log = jobs.read_job_log(job_id, cursor)
        sys.stdout.write(log.text)
        if log.cursor == cursor:
            break
        cursor = log.cursor
    sys.stdout.flush()


@app.command("cancel")
def cancel(ctx: typer.Context, job_id: JobId, tracking_uri: TrackingUriOption = None) -> None:
    """Cancel a job: a queued one at once, a running one as soon as its worker hears of it."""
    job = _jobs(ctx, tracking_uri).cancel_job(job_id)
    if job.status is JobStatus.CANCELED:
        output.info(f"canceled job {job.job_id}")
    else:
        output.info(f"asked the worker of job {job.job_id} to stop it (it is {job.status.value})")


@app.command("download")
def download(
    ctx: typer.Context,
    job_id: JobId,
    destination: Annotated[Path, typer.Option("--destination", "-d", help="Folder to download into.")] = Path(
        "."
    ),
    what: Annotated[
        str,
        typer.Option("--what", help="outputs, logs, snapshot, or all of the run's files."),
    ] = "outputs",
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Download a job's outputs (or its logs, its snapshot, or every file of its run)."""
    from carnet.exceptions import InvalidArgument

    choices = {"outputs": "outputs", "logs": "logs", "snapshot": "snapshot", "all": ""}
    if what not in choices:
        raise InvalidArgument(f"--what: choose one of {', '.join(choices)}, not {what!r}", field="what")
    store = existing_store(ctx, tracking_uri, "the workspace")
    job = job_store(store).get_job(job_id)
    repo = store.artifact_repository(store.get_run(job.run_id).info.artifact_uri)
    target = destination / job.job_id
    target.mkdir(parents=True, exist_ok=True)
    if choices[what]:
        path = repo.download(choices[what], target / choices[what])
    else:
        for entry in repo.list_files():
            repo.download(entry.path, target / entry.path)
        path = target
    output.info(f"downloaded {what} of job {job.job_id} to {path}")


# -- compute targets ------------------------------------------------------------------------------


def _target_json(t: ComputeTarget) -> dict[str, Any]:
    return {
        "name": t.name,
        "kind": t.kind,
        "max_concurrent_jobs": t.max_concurrent_jobs,
        "address": t.address,
        "description": t.description,
    }


@compute_app.command("list")
def list_targets(
    ctx: typer.Context,
    output_format: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List compute targets."""
    targets = job_store(workspace(ctx, tracking_uri).store).list_compute_targets()
    if output_format is OutputFormat.json:
        output.print_json([_target_json(t) for t in targets])
        return
    rows = [[t.name, t.kind, t.max_concurrent_jobs or "no limit", t.address, t.description] for t in targets]
    output.print_table(["name", "kind", "max concurrent jobs", "address", "description"], rows)


@compute_app.command("create")
def create_target(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The target's name.", show_default=False)],
    kind: Annotated[str, typer.Option(help="local or ray.")] = "local",
    max_concurrent_jobs: Annotated[
        int, typer.Option(min=0, help="Jobs at once over every worker (0: no limit).")
    ] = 0,
    address: Annotated[
        str, typer.Option(help="A ray target's dashboard address, e.g. http://HOST:8265.")
    ] = "",
    description: Annotated[str, typer.Option(help="A note shown in lists.")] = "",
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Add a compute target."""
    target = ComputeTarget(name, kind, max_concurrent_jobs, address, description)
    created = job_store(workspace(ctx, tracking_uri).store).create_compute_target(target)
    output.info(f"created compute target {created.name!r} ({created.kind})")


@compute_app.command("update")
def update_target(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The target's name.", show_default=False)],
    max_concurrent_jobs: Annotated[
        int | None, typer.Option(min=0, help="Jobs at once (0: no limit).", show_default=False)
    ] = None,
    address: Annotated[str | None, typer.Option(help="A ray target's address.", show_default=False)] = None,
    description: Annotated[
        str | None, typer.Option(help="A note shown in lists.", show_default=False)
    ] = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Change a compute target's limit, address or description."""
    from dataclasses import replace

    jobs = job_store(workspace(ctx, tracking_uri).store)
    target = jobs.get_compute_target(name)
    changes: dict[str, Any] = {}
    if max_concurrent_jobs is not None:
        changes["max_concurrent_jobs"] = max_concurrent_jobs
    if address is not None:
        changes["address"] = address
    if description is not None:
        changes["description"] = description
    updated = jobs.update_compute_target(replace(target, **changes))
    output.info(f"updated compute target {updated.name!r}")


@compute_app.command("delete")
def delete_target(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The target's name.", show_default=False)],
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Remove a compute target that no job names."""
    job_store(workspace(ctx, tracking_uri).store).delete_compute_target(name)
    output.info(f"deleted compute target {name!r}")


# -- the worker -----------------------------------------------------------------------------------


def worker(
    ctx: typer.Context,
    compute: Annotated[
        list[str] | None,
        typer.Option(
            "--compute",
            help="Compute targets whose jobs to take (repeat; default: local).",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs to run at once.")] = 1,
    stale_after: Annotated[
        float,
        typer.Option(min=1.0, help="Seconds without a heartbeat after which a job's worker counts as dead."),
    ] = 30.0,
    work_dir: Annotated[
        Path | None,
        typer.Option(help="Where jobs are unpacked (default: a temporary folder).", show_default=False),
    ] = None,
    tracking_uri: TrackingUriOption = None,
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Run a job worker: take queued jobs of the given compute targets and run them until stopped (Ctrl-C)."""
    from carnet.jobs import Worker

    ws = workspace(ctx, tracking_uri)
    runner = Worker(
        ws.store,
        ws.location,
        computes=compute or [LOCAL_TARGET],
        concurrency=concurrency,
        stale_after_seconds=stale_after,
        work_root=work_dir,
        parent_pid=parent_pid,
        report=output.hint,
    )

    def stop(signum: int, _frame: Any) -> None:
        output.hint(
            "stopping: no new jobs; waiting for running ones (Ctrl-C again to leave them to the reaper)"
        )
        runner.stop()
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    output.hint(
        f"carnet worker {runner.worker_id}: taking jobs of {', '.join(runner.computes)} from "
        f"{ws.location.tracking_uri} ({concurrency} at a time)"
    )
    runner.run()


def start_worker_processes(tracking_uri: str, artifact_root: str, count: int) -> list[Any]:
    """Start ``count`` ``carnet worker`` processes on the store (what ``carnet server
    --job-workers N`` runs beside the server); the caller terminates them."""
    import subprocess

    env = {**os.environ, "CARNET_TRACKING_URI": tracking_uri, "CARNET_ARTIFACT_ROOT": artifact_root}
    # The server may die by a signal with no chance to stop them: they watch it and stop too.
    command = [sys.executable, "-m", "carnet", "worker", "--parent-pid", str(os.getpid())]
    return [subprocess.Popen(command, env=env) for _ in range(count)]

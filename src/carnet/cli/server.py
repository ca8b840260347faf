"""``carnet server``: serve a tracking store over HTTP (the native API under ``/api/v1``)."""

from __future__ import annotations

import os
import subprocess
from typing import Annotated, Any

import typer

from carnet.config import resolve_location
from carnet.exceptions import InvalidArgument


def server(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Interface to listen on (0.0.0.0 for every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5000,
    backend_store_uri: Annotated[
        str | None,
        typer.Option(
            help="sqlite:///file.db, postgresql://user@host/db or a workspace folder "
            "(default: --tracking-uri, else the nearest .carnet folder).",
            show_default=False,
        ),
    ] = None,
    artifacts_destination: Annotated[
        str | None,
        typer.Option(help="Folder for run files (default: next to the database).", show_default=False),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Number of server processes.")] = 1,
    allowed_hosts: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated Host names the server answers (NAME, NAME:PORT, *.domain; '*' for any). "
            "Default: localhost, 127.0.0.1, ::1 and --host, on any port.",
            show_default=False,
        ),
    ] = None,
    cors_allowed_origins: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated browser origins allowed cross-origin (e.g. https://app.example.com, "
            "https://*.example.com; '*' for any). Default: http(s)://localhost, 127.0.0.1 and [::1] "
            "on any port.",
            show_default=False,
        ),
    ] = None,
    max_artifact_bytes: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Largest artifact upload through the artifact proxy, in bytes (0: no limit). "
            "Default: 10 GiB.",
            show_default=False,
        ),
    ] = None,
    job_workers: Annotated[
        int,
        typer.Option(
            min=0,
            help="Job workers to start beside the server (`carnet worker` processes). Default 0: a "
            "shared server runs no user code unless asked; `carnet ui` starts one.",
        ),
    ] = 0,
) -> None:
    """Run the carnet tracking server (the studio, its web UI, at /); point the SDK at it with
    CARNET_TRACKING_URI=http://HOST:PORT."""
    import uvicorn

    from carnet.server.app import (
        ENV_ALLOWED_HOSTS,
        ENV_ARTIFACTS_DESTINATION,
        ENV_BACKEND_STORE_URI,
        ENV_CORS_ALLOWED_ORIGINS,
        ENV_MAX_ARTIFACT_BYTES,
    )
    from carnet.server.security import default_allowed_hosts, split_list

    uri = backend_store_uri or getattr(ctx.obj, "tracking_uri", None)
    location = resolve_location(uri, artifacts_destination)
    if location.server_url:
        raise InvalidArgument(
            "backend_store_uri: a server cannot use another carnet server as its store; "
            "use sqlite:///file.db, postgresql://... or a folder",
            field="backend_store_uri",
        )
    os.environ[ENV_BACKEND_STORE_URI] = location.tracking_uri
    os.environ[ENV_ARTIFACTS_DESTINATION] = location.artifact_root
    # Every worker builds its app from these (carnet.server.app:app_from_env).
    hosts = split_list(allowed_hosts) if allowed_hosts is not None else default_allowed_hosts(host)
    os.environ[ENV_ALLOWED_HOSTS] = ",".join(hosts)
    if cors_allowed_origins is not None:
        os.environ[ENV_CORS_ALLOWED_ORIGINS] = ",".join(split_list(cors_allowed_origins))
    else:
        os.environ.pop(ENV_CORS_ALLOWED_ORIGINS, None)
    if max_artifact_bytes is not None:
        os.environ[ENV_MAX_ARTIFACT_BYTES] = str(max_artifact_bytes)
    else:
        os.environ.pop(ENV_MAX_ARTIFACT_BYTES, None)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"carnet server: tracking {location.tracking_uri}", err=True)
    typer.echo(f"carnet server: artifacts in {location.artifact_root}", err=True)
    typer.echo(f"carnet server: answering Host {', '.join(hosts)}", err=True)
    typer.echo(
        f"carnet server: listening on http://{shown}:{port} (the studio at /, API docs at /api/v1/docs)",
        err=True,
    )
    from carnet.cli.jobs import start_worker_processes

    workers_started = start_worker_processes(location.tracking_uri, location.artifact_root, job_workers)
    if job_workers:
        typer.echo(f"carnet server: {job_workers} job worker(s) taking jobs of the local target", err=True)
    try:
        _serve(uvicorn, host, port, workers)
    finally:
        for process in workers_started:
            process.terminate()
        for process in workers_started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:  # a job still running: the reaper will settle it
                process.kill()


def _serve(uvicorn: Any, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "carnet.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
    )

"""``carnet ui``: the studio on the embedded workspace (or any store), opened in the browser."""

from __future__ import annotations

import socket
import threading
import time
import webbrowser
from typing import Annotated

import typer

from carnet.config import resolve_location
from carnet.exceptions import InvalidArgument


def _bound_socket(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a busy port is a clear error, not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InvalidArgument(
            f"port: cannot listen on {host}:{port} ({exc.strerror or exc}); choose another with --port",
            field="port",
        ) from None
    return sock


def ui(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser window.")] = False,
    backend_store_uri: Annotated[
        str | None,
        typer.Option(
            help="sqlite:///file.db, postgresql://user@host/db or a workspace folder "
            "(default: --tracking-uri, else the nearest .carnet folder, created on first use).",
            show_default=False,
        ),
    ] = None,
    artifacts_destination: Annotated[
        str | None,
        typer.Option(help="Folder for run files (default: next to the database).", show_default=False),
    ] = None,
    job_workers: Annotated[
        int,
        typer.Option(
            min=0, help="Job workers to start beside the studio (`carnet worker` processes; 0: none)."
        ),
    ] = 1,
) -> None:
    """Open the studio, carnet's web UI (experiments, runs, charts, files, models), in the browser;
    it runs until Ctrl+C. `carnet server` serves the studio too, with more options."""
    import uvicorn

    from carnet.server.app import create_app
    from carnet.store import tracking_store

    uri = backend_store_uri or getattr(ctx.obj, "tracking_uri", None)
    location = resolve_location(uri, artifacts_destination)
    if location.server_url:
        raise InvalidArgument(
            f"backend_store_uri: {location.server_url} is a carnet server: open it in the browser, "
            "it serves the studio itself",
            field="backend_store_uri",
        )
    sock = _bound_socket(host, port)
    app = create_app(tracking_store(location), artifact_root=location.artifact_root)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none")
    server = uvicorn.Server(config)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{sock.getsockname()[1]}/"
    typer.echo(f"carnet ui: tracking {location.tracking_uri}", err=True)
    typer.echo(f"carnet ui: the studio is at {url} (Ctrl+C to stop)", err=True)
    if not no_browser:

        def open_when_ready() -> None:
            deadline = time.monotonic() + 30
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.05)
            if server.started:
                webbrowser.open(url)

        threading.Thread(target=open_when_ready, daemon=True).start()
    from carnet.cli.jobs import start_worker_processes

    workers = start_worker_processes(location.tracking_uri, location.artifact_root, job_workers)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        for process in workers:  # they also stop by themselves once this process is gone
            process.terminate()

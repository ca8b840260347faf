"""``carnet server``: serve a tracking store over HTTP (the native API under ``/api/v1``)."""

from __future__ import annotations

import os
from typing import Annotated

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
) -> None:
    """Run the carnet tracking server; point the SDK at it with CARNET_TRACKING_URI=http://HOST:PORT."""
    import uvicorn

    from carnet.server.app import ENV_ARTIFACTS_DESTINATION, ENV_BACKEND_STORE_URI

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
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"carnet server: tracking {location.tracking_uri}", err=True)
    typer.echo(f"carnet server: artifacts in {location.artifact_root}", err=True)
    typer.echo(f"carnet server: listening on http://{shown}:{port} (API docs at /api/v1/docs)", err=True)
    uvicorn.run(
        "carnet.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        ws="none",
        lifespan="off",
    )

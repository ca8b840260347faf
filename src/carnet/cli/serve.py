"""``carnet serve MODEL_URI``: a model behind MLflow's scoring protocol on HTTP."""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer

from carnet.cli.common import AllowPickleOption, TrackingUriOption, TrustedTypesOption, state


def serve(
    ctx: typer.Context,
    model_uri: Annotated[
        str, typer.Argument(help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a folder.")
    ],
    host: Annotated[
        str, typer.Option(help="Interface to listen on (0.0.0.0 for every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: a free one).")] = 5001,
    workers: Annotated[
        int, typer.Option(min=1, help="Scoring processes, each with its own copy of the model.")
    ] = 1,
    allow_pickle: AllowPickleOption = False,
    trusted_types: TrustedTypesOption = None,
    max_body_bytes: Annotated[
        int, typer.Option(min=1, help="Largest request body, in bytes; larger ones get 413.")
    ] = 64 * 1024 * 1024,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Serve a model: POST /invocations (JSON or CSV), /ping, /health, /version, /metrics, /openapi.json."""
    from carnet.serving import server

    uri = tracking_uri or state(ctx).tracking_uri
    if uri:
        os.environ["CARNET_TRACKING_URI"] = uri
    if allow_pickle:
        os.environ["CARNET_ALLOW_PICKLE"] = "1"
    types = [t.strip() for t in (trusted_types or "").split(",") if t.strip()]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    server.watch_parent()
    started = time.perf_counter()
    if workers > 1:
        os.environ[server.ENV_MODEL_URI] = model_uri
        os.environ[server.ENV_TRUSTED_TYPES] = ",".join(types)
        os.environ[server.ENV_MAX_BODY_BYTES] = str(max_body_bytes)
        typer.echo(f"carnet serve: {model_uri} on http://{shown}:{port} with {workers} workers", err=True)
        server.run("carnet.serving.server:app_from_env", host=host, port=port, workers=workers)
        return
    sock = server.listening_socket(host, port)
    app = server.load_app(model_uri, trusted_types=types or None, max_body_bytes=max_body_bytes)
    port = sock.getsockname()[1]
    typer.echo(
        f"carnet serve: {model_uri} loaded in {time.perf_counter() - started:.2f} s; "
        f"listening on http://{shown}:{port} (POST /invocations, schema at /openapi.json)",
        err=True,
    )
    import gc

    gc.freeze()
    server.run(app, host=host, port=port, sock=sock)

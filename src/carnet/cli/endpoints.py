"""``carnet endpoints``: managed scoring endpoints on a carnet server.

The server runs and watches the scoring processes, so these commands talk to a server: pass
``-u http://HOST:PORT`` (or set CARNET_TRACKING_URI) to the one started with ``carnet server``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from carnet.cli import output
from carnet.cli.common import OutputOption, TrackingUriOption, state
from carnet.cli.output import OutputFormat
from carnet.deploy.client import EndpointsClient
from carnet.entities import DeploymentStatus, Endpoint
from carnet.exceptions import InvalidArgument
from carnet.store.endpoints import NewDeployment

app = typer.Typer(
    help="Managed scoring endpoints: create, list, get, update, delete, logs, invoke (on a carnet server).",
    no_args_is_help=True,
)

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="The model to serve: models:/NAME@ALIAS or models:/NAME/STAGE (followed when it moves), "
        "models:/NAME/VERSION or runs:/RUN_ID/PATH.",
        show_default=False,
    ),
]
DeploymentOption = Annotated[
    list[str] | None,
    typer.Option(
        "--deployment",
        "-d",
        help="NAME=MODEL_URI; give two for a blue/green split (with --traffic).",
        show_default=False,
    ),
]
TrafficOption = Annotated[
    list[str] | None,
    typer.Option(
        "--traffic", "-t", help="NAME=PERCENT for each deployment (they add up to 100).", show_default=False
    ),
]


@contextmanager
def _client(ctx: typer.Context, tracking_uri: str | None) -> Iterator[EndpointsClient]:
    uri = tracking_uri or state(ctx).tracking_uri
    if not uri:
        import os

        uri = os.environ.get("CARNET_TRACKING_URI")
    if not uri or not uri.startswith(("http://", "https://")):
        raise InvalidArgument(
            "tracking_uri: endpoints live on a carnet server, which runs their scoring processes",
            field="tracking_uri",
            hint="start one with `carnet server`, then pass -u http://127.0.0.1:5000 "
            "(or set CARNET_TRACKING_URI)",
        )
    client = EndpointsClient(uri)
    try:
        yield client
    finally:
        client.close()


def _deployments(
    model: str | None, deployments: list[str] | None, traffic: list[str] | None
) -> list[NewDeployment] | None:
    if model and deployments:
        raise InvalidArgument("--model and --deployment: give one or the other", field="model")
    if model:
        if traffic:
            raise InvalidArgument("--traffic: only with --deployment", field="traffic")
        return None
    if not deployments:
        return None
    pairs = []
    for item in deployments:
        name, sep, uri = item.partition("=")
        if not sep or not name or not uri:
            raise InvalidArgument(f"--deployment: {item!r} is not NAME=MODEL_URI", field="deployment")
        pairs.append((name.strip(), uri.strip()))
    shares: dict[str, int] = {}
    for item in traffic or ():
        name, sep, percent = item.partition("=")
        if not sep or not percent.strip().isdigit():
            raise InvalidArgument(f"--traffic: {item!r} is not NAME=PERCENT", field="traffic")
        if name.strip() not in dict(pairs):
            raise InvalidArgument(
                f"--traffic: {name.strip()!r} is not one of the deployments", field="traffic"
            )
        shares[name.strip()] = int(percent)
    if not shares:
        even = 100 // len(pairs)
        shares = {name: even for name, _ in pairs}
        shares[pairs[0][0]] += 100 - even * len(pairs)
    return [NewDeployment(name, uri, shares.get(name, 0)) for name, uri in pairs]


def _print(endpoint: Endpoint, fmt: OutputFormat) -> None:
    from carnet.schemas.endpoints import EndpointSchema

    if fmt is OutputFormat.json:
        output.print_json(EndpointSchema.of(endpoint).model_dump(mode="json"))
        return
    output.info(f"endpoint {endpoint.name}: {endpoint.status.value}")
    output.print_table(
        ["deployment", "model", "serving", "traffic", "status", "restarts", "message"],
        [
            [
                d.name,
                d.model_uri,
                d.resolved_uri or "",
                f"{d.traffic}%",
                d.status.value,
                d.restarts,
                d.message,
            ]
            for d in endpoint.deployments
        ],
        numeric=[False, False, False, True, False, True, False],
    )


def _wait(client: EndpointsClient, name: str, timeout: float) -> Endpoint:
    deadline = time.monotonic() + timeout
    with output.stderr_console().status(f"waiting for {name} to be Ready"):
        while True:
            endpoint = client.get(name)
            if (
                endpoint.status in (DeploymentStatus.READY, DeploymentStatus.FAILED)
                or time.monotonic() > deadline
            ):
                return endpoint
            time.sleep(0.5)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The endpoint's name (letters, digits, '_', '.', '-').")],
    model: ModelOption = None,
    deployment: DeploymentOption = None,
    traffic: TrafficOption = None,
    description: Annotated[str, typer.Option(help="A note shown with the endpoint.")] = "",
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait until it is Ready (or Failed).")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most.")] = 120.0,
    fmt: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Create an endpoint and print its key (shown once: callers send it as Authorization: Bearer KEY)."""
    split = _deployments(model, deployment, traffic)
    if model is None and split is None:
        raise InvalidArgument("--model: give the model to serve (or --deployment)", field="model")
    with _client(ctx, tracking_uri) as client:
        endpoint, key = client.create(name, model, split, description)
        if wait:
            endpoint = _wait(client, name, timeout)
        if fmt is OutputFormat.json:
            from carnet.schemas.endpoints import EndpointSchema

            output.print_json({"endpoint": EndpointSchema.of(endpoint).model_dump(mode="json"), "key": key})
        else:
            _print(endpoint, fmt)
            output.info(f"key: {key}")
            output.hint(
                "the key is not shown again; score with POST "
                f"{client.server_url}/endpoints/{name}/invocations and Authorization: Bearer <key>"
            )
    if endpoint.status is DeploymentStatus.FAILED:
        raise typer.Exit(1)


@app.command("list")
def list_(
    ctx: typer.Context, fmt: OutputOption = OutputFormat.table, tracking_uri: TrackingUriOption = None
) -> None:
    """List the server's endpoints and their status."""
    from carnet.schemas.endpoints import EndpointSchema

    with _client(ctx, tracking_uri) as client:
        endpoints = client.list()
    if fmt is OutputFormat.json:
        output.print_json([EndpointSchema.of(e).model_dump(mode="json") for e in endpoints])
        return
    output.print_table(
        ["name", "status", "deployments"],
        [
            [
                e.name,
                e.status.value,
                ", ".join(f"{d.name} {d.traffic}% {d.resolved_uri or d.model_uri}" for d in e.deployments),
            ]
            for e in endpoints
        ],
    )


@app.command("get")
def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The endpoint.")],
    fmt: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Show an endpoint: each deployment's model, the version it serves, traffic, status and message."""
    with _client(ctx, tracking_uri) as client:
        _print(client.get(name), fmt)


@app.command("update")
def update(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The endpoint.")],
    model: ModelOption = None,
    deployment: DeploymentOption = None,
    traffic: TrafficOption = None,
    description: Annotated[str | None, typer.Option(help="A new note.", show_default=False)] = None,
    fmt: OutputOption = OutputFormat.table,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Change the model or the deployments and their traffic (kept deployments keep running)."""
    split = _deployments(model, deployment, traffic)
    with _client(ctx, tracking_uri) as client:
        _print(client.update(name, model, split, description), fmt)


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The endpoint.")],
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Delete an endpoint; the server stops its scoring processes."""
    with _client(ctx, tracking_uri) as client:
        client.delete(name)
    output.info(f"deleted endpoint {name}")


@app.command("logs")
def logs(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The endpoint.")],
    deployment: Annotated[
        str | None, typer.Option(help="Only this deployment's log.", show_default=False)
    ] = None,
    tail: Annotated[int, typer.Option(min=1, help="Bytes from the end of each log.")] = 20_000,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Print the end of the scoring processes' logs."""
    with _client(ctx, tracking_uri) as client:
        found = client.logs(name, deployment, tail)
    for each, text in found.items():
        if len(found) > 1:
            output.info(f"== {each}")
        sys.stdout.write(text)


@app.command("invoke")
def invoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The endpoint.")],
    key: Annotated[
        str, typer.Option(envvar="CARNET_ENDPOINT_KEY", help="The endpoint's key (or CARNET_ENDPOINT_KEY).")
    ],
    data: Annotated[
        str | None, typer.Option("--data", help="The request body (JSON).", show_default=False)
    ] = None,
    input_path: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="A file with the body (.json or .csv).", show_default=False),
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="predict_proba, for probabilities.", show_default=False)
    ] = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Score with an endpoint: send a JSON body (MLflow's scoring protocol) or a CSV file."""
    if (data is None) == (input_path is None):
        raise InvalidArgument("--data or --input: give exactly one", field="data")
    if input_path is not None:
        body = input_path.read_bytes()
        content_type = "text/csv" if input_path.suffix.lower() == ".csv" else "application/json"
    else:
        body, content_type = str(data).encode(), "application/json"
    with _client(ctx, tracking_uri) as client:
        response = client.invoke(name, key, body, content_type, method)
    if response.is_success:
        sys.stdout.write(response.text + "\n")
        return
    try:
        message = str(response.json().get("message", response.text))
    except ValueError:
        message = response.text
    output.error(f"{response.status_code}: {message}")
    raise typer.Exit(1)

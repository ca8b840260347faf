"""``/api/v1/endpoints``: managed scoring endpoints (create, list, get, update, delete, logs), and
``POST /endpoints/{name}/invocations``, which checks the endpoint's key and forwards the request
to one of its deployments by their share of the traffic.

The server never loads a model: each deployment is a ``carnet serve`` process that
:class:`carnet.deploy.Supervisor` runs; this module only reads the state it records.
"""

from __future__ import annotations

import atexit
import json
import os
import time
from pathlib import Path
from typing import Annotated, Any, cast

import httpx
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from carnet.deploy import Supervisor, TrafficSplitter, hash_key, key_matches, new_key, usage
from carnet.deploy.supervisor import read_log
from carnet.entities import DeploymentStatus, Endpoint
from carnet.exceptions import CarnetError, InvalidArgument, InvalidState, NotFound
from carnet.schemas import API_PREFIX
from carnet.schemas.endpoints import (
    CreateEndpointRequest,
    DeploymentSpec,
    EndpointLogsResponse,
    EndpointResponse,
    EndpointSchema,
    EndpointsResponse,
    UpdateEndpointRequest,
    UseModelResponse,
)
from carnet.server.deps import StoreDep
from carnet.store.base import TrackingStore
from carnet.store.endpoints import EndpointStore, NewDeployment, check_name
from carnet.studio.endpoints import install_endpoint_pages

ENV_ENDPOINTS_DIR = "CARNET_SERVER_ENDPOINTS_DIR"
STATE_TTL = 0.5  # seconds a router trusts the deployments' state it read before reading it again

router = APIRouter(prefix="/endpoints", tags=["endpoints"])
use_router = APIRouter(prefix="/model-versions", tags=["endpoints"])
invoke_router = APIRouter(tags=["endpoints"])
Empty = dict[str, str]


class Unavailable(InvalidState):
    """No deployment of the endpoint can answer now (503; the message says what each is doing)."""

    http_status = 503


def get_endpoint_store(request: Request) -> EndpointStore:
    store = getattr(request.app.state, "endpoint_store", None)
    if store is None:
        raise InvalidState(
            "endpoints: this server's store keeps no endpoints (they need a SQL store)", field="endpoints"
        )
    return cast(EndpointStore, store)


EndpointStoreDep = Annotated[EndpointStore, Depends(get_endpoint_store)]


def _deployments(model_uri: str | None, specs: list[DeploymentSpec] | None) -> list[NewDeployment] | None:
    if model_uri is not None and specs is not None:
        raise InvalidArgument("model_uri: give model_uri or deployments, not both", field="model_uri")
    if model_uri is not None:
        return [NewDeployment("default", model_uri, 100)]
    if specs is not None:
        return [NewDeployment(s.name, s.model_uri, s.traffic) for s in specs]
    return None


@router.post("", response_model=EndpointResponse)
def create_endpoint(body: CreateEndpointRequest, store: EndpointStoreDep) -> EndpointResponse:
    deployments = _deployments(body.model_uri, body.deployments)
    if deployments is None:
        raise InvalidArgument("model_uri: give the model to serve (or deployments)", field="model_uri")
    key = new_key()
    endpoint = store.create_endpoint(body.name, deployments, hash_key(key), body.description)
    return EndpointResponse(endpoint=EndpointSchema.of(endpoint), key=key)


@router.get("", response_model=EndpointsResponse)
def list_endpoints(store: EndpointStoreDep) -> EndpointsResponse:
    return EndpointsResponse(endpoints=[EndpointSchema.of(e) for e in store.list_endpoints()])


@router.get("/{name}", response_model=EndpointResponse)
def get_endpoint(name: str, store: EndpointStoreDep) -> EndpointResponse:
    return EndpointResponse(endpoint=EndpointSchema.of(store.get_endpoint(name)))


@router.patch("/{name}", response_model=EndpointResponse)
def update_endpoint(name: str, body: UpdateEndpointRequest, store: EndpointStoreDep) -> EndpointResponse:
    endpoint = store.update_endpoint(name, _deployments(body.model_uri, body.deployments), body.description)
    return EndpointResponse(endpoint=EndpointSchema.of(endpoint))


@router.delete("/{name}", response_model=Empty)
def delete_endpoint(name: str, store: EndpointStoreDep) -> Empty:
    store.delete_endpoint(name)
    return {}


@router.get("/{name}/logs", response_model=EndpointLogsResponse)
def endpoint_logs(
    name: str,
    request: Request,
    store: EndpointStoreDep,
    deployment: str | None = None,
    tail: Annotated[int, Query(ge=1, le=1_000_000, description="Bytes from the end of each log.")] = 20_000,
) -> EndpointLogsResponse:
    endpoint = store.get_endpoint(name)
    names = [d.name for d in endpoint.deployments]
    if deployment is not None and deployment not in names:
        raise NotFound(
            f"deployment {deployment!r} is not one of {name!r}'s ({', '.join(names)})", field="deployment"
        )
    logs_dir = getattr(request.app.state, "endpoints_dir", None)
    wanted = [deployment] if deployment is not None else names
    if logs_dir is None:
        return EndpointLogsResponse(logs=dict.fromkeys(wanted, ""))
    return EndpointLogsResponse(logs={d: read_log(Path(logs_dir), name, d, tail) for d in wanted})


def _version_of(uri: str | None) -> tuple[str, int] | None:
    if not uri or not uri.startswith("models:/"):
        return None
    name, _, version = uri[len("models:/") :].rpartition("/")
    return (name, int(version)) if name and version.isdigit() else None


@router.get("/{name}/example", response_model=UseModelResponse)
def endpoint_example(
    name: str, request: Request, store: EndpointStoreDep, tracking: StoreDep
) -> UseModelResponse:
    """The input example of the model version the endpoint serves (its first deployment with
    traffic), as a request body; ``input_example`` is null when the model has none."""
    endpoint = store.get_endpoint(name)
    for deployment in sorted(endpoint.deployments, key=lambda d: -d.traffic):
        version = _version_of(deployment.resolved_uri)
        if version is not None:
            return UseModelResponse(
                model_uri=f"models:/{version[0]}/{version[1]}",
                endpoints=[name],
                input_example=_serving_example(tracking, *version),
            )
    return UseModelResponse(model_uri=endpoint.deployments[0].model_uri, endpoints=[name])


class TryRequest(BaseModel):
    """A scoring request body to send through the endpoint, and the method (predict by default)."""

    model_config = ConfigDict(extra="forbid")
    body: dict[str, Any]
    method: str | None = None


@router.post("/{name}/try")
async def try_endpoint(name: str, payload: TryRequest, request: Request) -> Response:
    """Score through the endpoint from the studio's "try it" box (the server's own API, so no
    endpoint key): the scoring answer as it is, with the deployment in ``x-carnet-deployment``."""
    store = get_endpoint_store(request)
    endpoint = store.get_endpoint(name)
    params = {"method": payload.method} if payload.method else {}
    body = json.dumps(payload.body).encode()
    return await _forward(request, name, endpoint, body, "application/json", params)


# -- use this model ------------------------------------------------------------------------------

MAX_EXAMPLE_BYTES = 1024 * 1024


def _serving_example(store: TrackingStore, name: str, version: int) -> dict[str, Any] | None:
    """The version's ``serving_input_example.json`` (a request body), when it has a small one."""
    try:
        location = store.get_model_version_download_uri(name, version)
        data = store.artifact_repository(location).read_bytes("serving_input_example.json")
    except (CarnetError, OSError, ValueError):
        return None
    if len(data) > MAX_EXAMPLE_BYTES:
        return None
    try:
        example = json.loads(data)
    except ValueError:
        return None
    return example if isinstance(example, dict) else None


@use_router.get("/use", response_model=UseModelResponse)
def use_model(
    request: Request,
    store: StoreDep,
    name: str,
    version: Annotated[int, Query(ge=1)],
    format: Annotated[str, Query(pattern="^(json|ipynb)$")] = "json",
) -> Any:
    """Code for a model version: a batch-inference notebook (``format=ipynb`` downloads it) and
    curl / Python / CLI snippets, aimed at the first endpoint serving the version, if any."""
    store.get_model_version(name, version)  # NotFound for an unknown model or version
    model_uri = f"models:/{name}/{version}"
    serving: list[Endpoint] = []
    endpoints = getattr(request.app.state, "endpoint_store", None)
    if endpoints is not None:
        serving = [
            e
            for e in cast(EndpointStore, endpoints).list_endpoints()
            if any(model_uri in (d.resolved_uri, d.model_uri) for d in e.deployments)
        ]
    server_url = str(request.base_url).rstrip("/")
    example = _serving_example(store, name, version)
    book = usage.notebook(model_uri, server_url, example)
    if format == "ipynb":
        return Response(
            json.dumps(book, indent=1).encode(),
            media_type="application/x-ipynb+json",
            headers={
                "content-disposition": f'attachment; filename="{name}-v{version}-batch-inference.ipynb"'
            },
        )
    return UseModelResponse(
        model_uri=model_uri,
        endpoints=[e.name for e in serving],
        input_example=example,
        snippets=usage.snippets(model_uri, server_url, example, serving),
        notebook=book,
    )


# -- invocations --------------------------------------------------------------------------------


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _endpoint_state(request: Request, store: EndpointStore, name: str) -> tuple[Endpoint, str]:
    cache: dict[str, tuple[float, Endpoint, str]] = request.app.state.endpoint_cache
    now = time.monotonic()
    hit = cache.get(name)
    if hit is not None and now - hit[0] < STATE_TTL:
        return hit[1], hit[2]
    endpoint = store.get_endpoint(name)
    key_hash = store.get_endpoint_key_hash(name)
    cache[name] = (now, endpoint, key_hash)
    return endpoint, key_hash


@invoke_router.post("/endpoints/{name}/invocations", include_in_schema=True)
async def invoke_endpoint(name: str, request: Request) -> Response:
    """Score with the endpoint: the body and content type are MLflow's scoring protocol, the key
    goes in ``Authorization: Bearer <key>``."""
    try:
        check_name(name)
        store = get_endpoint_store(request)
        endpoint, key_hash = _endpoint_state(request, store, name)
    except CarnetError as exc:
        return _error(exc)
    if not key_matches(_bearer(request), key_hash):
        return JSONResponse(
            {
                "error_code": "UNAUTHENTICATED",
                "message": "endpoint key: missing or wrong (Authorization: Bearer KEY)",
            },
            status_code=401,
            headers={"www-authenticate": "Bearer"},
        )
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json")
    return await _forward(request, name, endpoint, body, content_type, dict(request.query_params))


async def _forward(
    request: Request, name: str, endpoint: Endpoint, body: bytes, content_type: str, params: dict[str, str]
) -> Response:
    """Send a scoring request to one Ready deployment, chosen by traffic share."""
    ready = {d.name: d for d in endpoint.deployments if d.status is DeploymentStatus.READY and d.port}
    splitter: TrafficSplitter = request.app.state.traffic
    chosen = splitter.choose(name, [(d.name, d.traffic) for d in ready.values()])
    if chosen is None:
        states = "; ".join(f"{d.name}: {d.status.value} {d.message}".strip() for d in endpoint.deployments)
        return _error(Unavailable(f"endpoint {name!r} has no deployment ready ({states})", field="name"))
    client: httpx.AsyncClient = request.app.state.endpoint_client
    try:
        answer = await client.post(
            f"http://127.0.0.1:{ready[chosen].port}/invocations",
            content=body,
            headers={"content-type": content_type},
            params=params,
        )
    except httpx.HTTPError as exc:
        request.app.state.endpoint_cache.pop(name, None)
        return _error(
            Unavailable(f"endpoint {name!r}: deployment {chosen!r} did not answer ({exc})", field="name")
        )
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
        headers={"x-carnet-deployment": chosen},
    )


def _error(exc: CarnetError) -> JSONResponse:
    return JSONResponse({**exc.to_dict(), "error_class": type(exc).__name__}, status_code=exc.http_status)


# -- wiring -------------------------------------------------------------------------------------


def install(app: FastAPI, store: TrackingStore, endpoints_dir: str | os.PathLike[str] | None) -> None:
    """Give ``app`` its endpoint store (a SQL store's database) and, with ``endpoints_dir`` (where
    the scoring processes' logs go), a supervisor for their processes."""
    app.include_router(invoke_router)
    app.include_router(use_router, prefix=API_PREFIX)
    app.state.endpoint_cache = {}
    app.state.traffic = TrafficSplitter()
    # No kept-alive connections: the server has no shutdown hook to close them on, and a loopback
    # connect costs little beside a model call.
    app.state.endpoint_client = httpx.AsyncClient(
        timeout=httpx.Timeout(60.0, connect=5.0), limits=httpx.Limits(max_keepalive_connections=0)
    )
    app.state.endpoints_dir = endpoints_dir
    app.state.supervisor = None
    database_url = getattr(store, "database_url", None)
    if database_url is None:
        app.state.endpoint_store = None
        return
    from carnet.store.sql.endpoints import SqlEndpointStore

    app.state.endpoint_store = SqlEndpointStore(database_url)
    install_endpoint_pages(app)
    if endpoints_dir is None:
        return
    env = {"CARNET_TRACKING_URI": str(database_url)}
    artifact_root: Any = getattr(store, "artifact_root", None)
    if artifact_root:
        env["CARNET_ARTIFACT_ROOT"] = str(artifact_root)
    supervisor = Supervisor(app.state.endpoint_store, store, endpoints_dir, env)
    supervisor.start()
    app.state.supervisor = supervisor
    atexit.register(supervisor.stop)


def default_endpoints_dir(artifact_root: str) -> str:
    """``$CARNET_SERVER_ENDPOINTS_DIR``, else ``endpoints/`` beside a local artifact folder, else
    ``~/.carnet/endpoints``."""
    explicit = os.environ.get(ENV_ENDPOINTS_DIR)
    if explicit:
        return explicit
    if "://" not in artifact_root:
        return str(Path(artifact_root).parent / "endpoints")
    return str(Path.home() / ".carnet" / "endpoints")

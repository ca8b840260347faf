"""The app factory, the request size limit, and the factory ``carnet server --workers N`` uses."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carnet.schemas import API_PREFIX
from carnet.server import (
    datasets,
    experiments,
    info,
    job_files,
    logged_models,
    metrics,
    registry,
    runs,
    studio_data,
)
from carnet.server import endpoints as endpoints_api
from carnet.server import jobs as jobs_api
from carnet.server import mlflow as mlflow_api
from carnet.server.artifact_root import ArtifactRoot
from carnet.server.errors import PayloadTooLarge, install_error_handlers
from carnet.server.security import (
    CrossOriginWriteGuard,
    HostAllowlist,
    JsonContentTypeRequired,
    OriginAllowlist,
    SecurityHeaders,
    TrustedHostMiddleware,
    default_allowed_hosts,
    split_list,
)
from carnet.store.base import TrackingStore
from carnet.studio import install_studio
from carnet.studio.jobs import install_job_pages

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ARTIFACT_BYTES = 10 * 1024**3  # one artifact upload through the proxy; 0: no limit

# How `carnet server` hands its settings to every uvicorn worker (see app_from_env).
ENV_BACKEND_STORE_URI = "CARNET_SERVER_BACKEND_STORE_URI"
ENV_ARTIFACTS_DESTINATION = "CARNET_SERVER_ARTIFACTS_DESTINATION"
ENV_ALLOWED_HOSTS = "CARNET_SERVER_ALLOWED_HOSTS"
ENV_CORS_ALLOWED_ORIGINS = "CARNET_SERVER_CORS_ALLOWED_ORIGINS"
ENV_MAX_ARTIFACT_BYTES = "CARNET_SERVER_MAX_ARTIFACT_BYTES"

# Where a POST, PUT or PATCH must be application/json (CSRF); the artifact proxy is not here.
JSON_API_PREFIXES = (API_PREFIX, *mlflow_api.MLFLOW_PREFIXES)


def carnet_version() -> str:
    try:
        return _dist_version("carnet")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


class BodySizeLimit:
    """Answer 413 to a request whose body is over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt  # path prefixes with their own handling (artifact uploads stream to disk)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(f"request body too large: the limit is {self.max_bytes} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except PayloadTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error_code": "INVALID_PARAMETER_VALUE",
                "message": f"request body too large: the limit is {self.max_bytes} bytes",
                "error_class": "LimitExceeded",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def create_app(
    store: TrackingStore,
    *,
    version: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    artifact_root: str | os.PathLike[str] | None = None,
    allowed_hosts: Sequence[str] | None = None,
    cors_allowed_origins: Sequence[str] | None = None,
    max_artifact_bytes: int = DEFAULT_MAX_ARTIFACT_BYTES,
    endpoints_dir: str | os.PathLike[str] | None = None,
) -> FastAPI:
    """A carnet server app over ``store`` (kept in ``app.state.store``).

    ``artifact_root`` is the folder or ``s3://bucket/prefix`` the MLflow artifact proxy serves; by
    default the store's own ``artifact_root`` when it has one (the SQL store), else the proxy is off.
    ``allowed_hosts`` are the ``Host`` names the server answers (default: localhost, 127.0.0.1 and
    ::1 on any port; ``"*"`` for any host). ``cors_allowed_origins`` are the browser origins allowed
    cross-origin (default: localhost on any port). ``max_artifact_bytes`` caps one artifact upload
    (0: no limit). With ``endpoints_dir`` (where scoring processes write their logs) the server
    supervises the scoring processes of its managed endpoints.
    """
    version = version or carnet_version()
    app = FastAPI(
        title="carnet tracking server",
        version=version,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.store = store
    app.state.version = version
    install_error_handlers(app)
    app.include_router(experiments.router, prefix=API_PREFIX)
    app.include_router(runs.router, prefix=API_PREFIX)
    app.include_router(metrics.router, prefix=API_PREFIX)
    app.include_router(logged_models.router, prefix=API_PREFIX)
    app.include_router(logged_models.outputs_router, prefix=API_PREFIX)
    app.include_router(datasets.router, prefix=API_PREFIX)
    app.include_router(registry.router, prefix=API_PREFIX)
    app.include_router(registry.versions_router, prefix=API_PREFIX)
    app.include_router(info.router, prefix=API_PREFIX)
    app.include_router(studio_data.router, prefix=API_PREFIX)
    app.include_router(endpoints_api.router, prefix=API_PREFIX)
    endpoints_api.install(app, store, endpoints_dir)
    app.include_router(jobs_api.router, prefix=API_PREFIX)
    app.include_router(jobs_api.compute_router, prefix=API_PREFIX)
    app.include_router(job_files.router, prefix=API_PREFIX)
    root = artifact_root if artifact_root is not None else getattr(store, "artifact_root", None)
    app.state.artifact_root = ArtifactRoot.of(root) if root else None
    app.state.max_artifact_bytes = max_artifact_bytes
    tracking = mlflow_api.tracking_router()
    for prefix in mlflow_api.MLFLOW_PREFIXES:
        app.include_router(tracking, prefix=prefix)
    for prefix in mlflow_api.ARTIFACT_PREFIXES:
        app.include_router(mlflow_api.artifact_router, prefix=prefix)

    @app.get("/api/3.0/mlflow/server-info", include_in_schema=False)
    def server_info() -> dict[str, object]:
        return {
            "store_type": "SqlStore",
            "workspaces_enabled": False,
            "multipart_uploads_enabled": False,
            "multipart_downloads_enabled": False,
        }

    @app.get("/health", response_class=PlainTextResponse, include_in_schema=False)
    def health() -> str:
        return "OK"

    @app.get("/version", response_class=PlainTextResponse, include_in_schema=False)
    def get_version() -> str:
        return version

    install_studio(app)  # the web UI at /, after every API route
    install_job_pages(app)

    # Added innermost first: a request meets the host check, CORS, the origin and content-type
    # checks, then the body size limit.
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes, exempt=mlflow_api.ARTIFACT_PREFIXES)
    app.add_middleware(JsonContentTypeRequired, prefixes=JSON_API_PREFIXES)
    origins = OriginAllowlist(cors_allowed_origins)
    app.add_middleware(CrossOriginWriteGuard, origins=origins)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"] if origins.allow_all else [],
        allow_origin_regex=None if origins.allow_all else origins.regex,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
    )
    hosts = HostAllowlist(default_allowed_hosts() if allowed_hosts is None else allowed_hosts)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(SecurityHeaders)
    return app


def _int_from_env(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        from carnet.exceptions import InvalidArgument

        raise InvalidArgument(f"{name}: expected a number of bytes, got {text!r}", field=name) from None


def app_from_env() -> FastAPI:
    """The app ``carnet server`` runs in each uvicorn worker, configured from the environment
    (``CARNET_SERVER_BACKEND_STORE_URI``, ``CARNET_SERVER_ARTIFACTS_DESTINATION``,
    ``CARNET_SERVER_ALLOWED_HOSTS``, ``CARNET_SERVER_CORS_ALLOWED_ORIGINS`` and
    ``CARNET_SERVER_MAX_ARTIFACT_BYTES``; lists are comma-separated, unset means the default)."""
    from carnet.config import resolve_location
    from carnet.store import tracking_store

    uri = os.environ.get(ENV_BACKEND_STORE_URI) or None
    artifacts = os.environ.get(ENV_ARTIFACTS_DESTINATION) or None
    location = resolve_location(uri, artifacts)
    if location.server_url:
        from carnet.exceptions import InvalidArgument

        raise InvalidArgument(
            "backend_store_uri: a server cannot use another carnet server as its store; "
            "use sqlite:///file.db, postgresql://... or a folder",
            field="backend_store_uri",
        )
    hosts = os.environ.get(ENV_ALLOWED_HOSTS)
    origins = os.environ.get(ENV_CORS_ALLOWED_ORIGINS)
    app = create_app(
        tracking_store(location),
        artifact_root=location.artifact_root,
        allowed_hosts=None if hosts is None else split_list(hosts),
        cors_allowed_origins=None if origins is None else split_list(origins),
        max_artifact_bytes=_int_from_env(ENV_MAX_ARTIFACT_BYTES, DEFAULT_MAX_ARTIFACT_BYTES),
        endpoints_dir=endpoints_api.default_endpoints_dir(location.artifact_root),
    )
    # Everything loaded so far lives as long as the process: keep it out of the cyclic collector's
    # full passes, which otherwise walk it again and again while requests allocate.
    gc.freeze()
    return app

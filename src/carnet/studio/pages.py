"""The studio's page routes, its navigation, its static files and its 404 page.

A page is a route that calls :func:`render_page` with a title, the JavaScript module that fills
it and the values that module needs (``props``, handed over as JSON in a ``data-`` attribute).
The navigation lists :data:`NAV` (see :func:`add_nav_entry`). Unknown page addresses get the
studio's 404 page when a browser asks (``Accept: text/html``); unknown API addresses, and any
client that does not ask for HTML, keep the JSON 404.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import jinja2
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from carnet.exceptions import CarnetError, NotFound
from carnet.store.base import TrackingStore
from carnet.studio.assets import AssetStore

STATIC_PREFIX = "/studio/static"
# API and tool prefixes whose unknown addresses answer JSON, never the HTML 404 page.
API_PREFIXES = ("/api/", "/ajax-api/", "/health", "/version")
# Pages run only the studio's scripts and plotly's; plotly sets inline styles and its charts use
# data: and blob: images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


@dataclass(frozen=True)
class NavEntry:
    """One link of the navigation bar: ``href`` is highlighted for every page under ``section``."""

    label: str
    href: str
    section: str
    order: int = 100


NAV: list[NavEntry] = [
    NavEntry("Experiments", "/", "/experiments", 10),
    NavEntry("Models", "/models", "/models", 20),
]


def add_nav_entry(entry: NavEntry) -> None:
    """Add a link to the navigation bar (kept sorted by ``order``); adding one twice is a no-op."""
    if entry not in NAV:
        NAV.append(entry)
        NAV.sort(key=lambda e: e.order)


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("carnet.studio", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _version(request: Request) -> str:
    return str(getattr(request.app.state, "version", "0"))


def _section_of(path: str) -> str:
    if path == "/" or path.startswith(("/experiments", "/runs", "/compare")):
        return "/experiments"
    return "/" + path.strip("/").split("/", 1)[0]


def render_page(
    request: Request,
    title: str,
    script: str,
    props: dict[str, Any] | None = None,
    *,
    template: str = "page.html",
    status_code: int = 200,
    charts: bool = False,
) -> HTMLResponse:
    """A studio page: the layout (navigation, theme switch, error area) around ``template``,
    running ``static/<script>`` as a module with ``props``. ``charts`` loads plotly.js first."""
    section = _section_of(request.url.path)
    html = _templates.get_template(template).render(
        title=title,
        script=script,
        props=json.dumps(props or {}),
        nav=[(e, e.section == section) for e in NAV],
        version=_version(request),
        static=STATIC_PREFIX,
        charts=charts,
    )
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def not_found_page(request: Request, message: str) -> HTMLResponse:
    """The 404 page: what was not found, and where to go from here."""
    return render_page(
        request, "Not found", "notfound.js", {"message": message, "path": request.url.path}, status_code=404
    )


def _store(request: Request) -> TrackingStore:
    return cast(TrackingStore, request.app.state.store)


router = APIRouter(include_in_schema=False)


@router.get("/")
def experiments_page(request: Request) -> HTMLResponse:
    return render_page(request, "Experiments", "experiments.js")


@router.get("/experiments/{experiment_id}")
def experiment_page(request: Request, experiment_id: str) -> HTMLResponse:
    try:
        experiment = _store(request).get_experiment(experiment_id)
    except CarnetError:  # unknown, or not an id at all: the same answer
        return not_found_page(request, f"There is no experiment {experiment_id!r}.")
    props = {"experiment_id": experiment.experiment_id, "name": experiment.name}
    return render_page(request, experiment.name, "experiment.js", props)


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str) -> HTMLResponse:
    try:
        run = _store(request).get_run(run_id)
    except CarnetError:
        return not_found_page(request, f"There is no run {run_id!r}.")
    props = {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id}
    return render_page(request, run.info.run_name or run.info.run_id, "run.js", props, charts=True)


@router.get("/compare")
def compare_page(request: Request) -> HTMLResponse:
    return render_page(request, "Compare runs", "compare.js", charts=True)


@router.get("/models")
def models_page(request: Request) -> HTMLResponse:
    return render_page(request, "Models", "models.js")


@router.get("/models/{name}")
def model_page(request: Request, name: str) -> HTMLResponse:
    try:
        _store(request).get_registered_model(name)
    except CarnetError:
        return not_found_page(request, f"There is no registered model {name!r}.")
    return render_page(request, name, "model.js", {"name": name})


@router.get("/models/{name}/versions/{version}")
def version_page(request: Request, name: str, version: str) -> HTMLResponse:
    try:
        _store(request).get_model_version(name, version)
    except CarnetError:
        return not_found_page(request, f"There is no version {version!r} of the registered model {name!r}.")
    return render_page(request, f"{name} v{version}", "version.js", {"name": name, "version": version})


@router.get(STATIC_PREFIX + "/{name}")
def static_file(request: Request, name: str) -> Response:
    assets = cast(AssetStore, request.app.state.studio_assets)
    try:
        asset = assets.get(name)
    except NotFound:
        return Response(status_code=404)
    headers = {"ETag": asset.etag, "Cache-Control": "public, max-age=604800", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _wants_page(request: Request) -> bool:
    """A browser asking for a page (it accepts HTML) at an address outside the API."""
    path = request.url.path
    return (
        request.method in ("GET", "HEAD")
        and not path.startswith(API_PREFIXES)
        and "text/html" in request.headers.get("accept", "")
    )


def install_studio(app: FastAPI) -> None:
    """Serve the studio on ``app`` (whose ``app.state.store`` it reads): the pages, the static
    files, and the 404 page for unknown page addresses (API addresses keep their JSON errors)."""
    app.state.studio_assets = AssetStore()
    app.include_router(router)
    json_handler = cast(
        Callable[[Request, Exception], Awaitable[Response]], app.exception_handlers[StarletteHTTPException]
    )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and _wants_page(request):
            return not_found_page(request, f"There is no page at {request.url.path}.")
        return await json_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)

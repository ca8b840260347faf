"""The studio's endpoint pages: every managed endpoint with its status, and one endpoint's
deployments, logs and a "try it" box pre-filled with its model's input example. Installed by
``carnet.server.endpoints.install`` on servers that keep endpoints."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from carnet.exceptions import CarnetError
from carnet.studio.pages import NavEntry, add_nav_entry, not_found_page, render_page

router = APIRouter(include_in_schema=False)


@router.get("/endpoints")
def endpoints_page(request: Request) -> HTMLResponse:
    return render_page(request, "Endpoints", "endpoints.js")


@router.get("/endpoints/{name}")
def endpoint_page(request: Request, name: str) -> HTMLResponse:
    store = getattr(request.app.state, "endpoint_store", None)
    try:
        if store is None:
            raise CarnetError("no endpoints here")
        store.get_endpoint(name)
    except CarnetError:
        return not_found_page(request, f"There is no endpoint {name!r}.")
    return render_page(request, name, "endpoint.js", {"name": name})


def install_endpoint_pages(app: FastAPI) -> None:
    app.include_router(router)
    add_nav_entry(NavEntry("Endpoints", "/endpoints", "/endpoints", 30))

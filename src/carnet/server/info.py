"""``GET /api/v1/server-info``: the server's version and the root its artifact proxy serves."""

from __future__ import annotations

from fastapi import APIRouter, Request

from carnet.schemas.server_info import ServerInfoResponse

router = APIRouter()


@router.get("/server-info")
def server_info(request: Request) -> ServerInfoResponse:
    root = request.app.state.artifact_root
    return ServerInfoResponse(
        version=request.app.state.version, artifact_proxy_root=None if root is None else root.uri
    )

"""What a carnet server says about itself (``GET /api/v1/server-info``)."""

from __future__ import annotations

from pydantic import BaseModel


class ServerInfoResponse(BaseModel):
    version: str
    # The folder or ``s3://`` prefix the artifact proxy serves (``/api/2.0/mlflow-artifacts``); None
    # when the proxy is off. Clients send the files of runs located under it through the proxy.
    artifact_proxy_root: str | None = None

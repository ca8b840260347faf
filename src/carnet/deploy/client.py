"""A client of a carnet server's endpoints API (what ``carnet endpoints`` calls)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from carnet.entities import Endpoint
from carnet.schemas.endpoints import (
    DeploymentSpec,
    EndpointLogsResponse,
    EndpointResponse,
    EndpointsResponse,
)
from carnet.store.endpoints import NewDeployment
from carnet.store.rest.client import RestClient

PREFIX = "/api/v1/endpoints"


def _specs(deployments: Sequence[NewDeployment] | None) -> list[dict[str, Any]] | None:
    if deployments is None:
        return None
    return [
        DeploymentSpec(name=d.name, model_uri=d.model_uri, traffic=d.traffic).model_dump()
        for d in deployments
    ]


class EndpointsClient:
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url.rstrip("/")
        self._rest = RestClient(self.server_url, max_retries=2)

    def close(self) -> None:
        self._rest.close()

    def create(
        self,
        name: str,
        model_uri: str | None = None,
        deployments: Sequence[NewDeployment] | None = None,
        description: str = "",
    ) -> tuple[Endpoint, str]:
        """The new endpoint and its key (shown this once)."""
        body = {
            "name": name,
            "model_uri": model_uri,
            "deployments": _specs(deployments),
            "description": description,
        }
        answer = EndpointResponse.model_validate(self._rest.request("POST", PREFIX, json=body))
        return answer.endpoint.to_entity(), str(answer.key)

    def list(self) -> list[Endpoint]:
        answer = EndpointsResponse.model_validate(self._rest.request("GET", PREFIX))
        return [e.to_entity() for e in answer.endpoints]

    def get(self, name: str) -> Endpoint:
        return EndpointResponse.model_validate(
            self._rest.request("GET", f"{PREFIX}/{name}")
        ).endpoint.to_entity()

    def update(
        self,
        name: str,
        model_uri: str | None = None,
        deployments: Sequence[NewDeployment] | None = None,
        description: str | None = None,
    ) -> Endpoint:
        body = {"model_uri": model_uri, "deployments": _specs(deployments), "description": description}
        answer = self._rest.request(
            "PATCH", f"{PREFIX}/{name}", json={k: v for k, v in body.items() if v is not None}
        )
        return EndpointResponse.model_validate(answer).endpoint.to_entity()

    def delete(self, name: str) -> None:
        self._rest.request("DELETE", f"{PREFIX}/{name}")

    def logs(self, name: str, deployment: str | None = None, tail: int = 20_000) -> dict[str, str]:
        params: dict[str, Any] = {"tail": tail}
        if deployment is not None:
            params["deployment"] = deployment
        answer = self._rest.request("GET", f"{PREFIX}/{name}/logs", params=params)
        return EndpointLogsResponse.model_validate(answer).logs

    def invoke(
        self,
        name: str,
        key: str,
        body: bytes,
        content_type: str = "application/json",
        method: str | None = None,
    ) -> httpx.Response:
        """Score through the server's router; the raw answer (status, JSON body, the deployment
        that answered in ``x-carnet-deployment``)."""
        headers = {"content-type": content_type}
        if key:
            headers["authorization"] = f"Bearer {key}"
        return httpx.post(
            f"{self.server_url}/endpoints/{name}/invocations",
            content=body,
            headers=headers,
            params={"method": method} if method else None,
            timeout=60,
        )

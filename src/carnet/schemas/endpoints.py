"""Pydantic models of the native API for managed endpoints (``/api/v1/endpoints``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from carnet.entities import Deployment, DeploymentStatus, Endpoint
from carnet.schemas.models import _Model, _Response


class DeploymentSpec(_Model):
    """A deployment as a caller asks for it."""

    name: str
    model_uri: str
    traffic: int = 100


class DeploymentSchema(_Response):
    name: str
    model_uri: str
    traffic: int
    status: DeploymentStatus
    message: str = ""
    resolved_uri: str | None = None
    port: int | None = None
    pid: int | None = None
    restarts: int = 0
    updated_at: int = 0

    @classmethod
    def of(cls, d: Deployment) -> DeploymentSchema:
        return cls.model_validate(d, from_attributes=True)

    def to_entity(self) -> Deployment:
        return Deployment(**{name: getattr(self, name) for name in DeploymentSchema.model_fields})


class EndpointSchema(_Response):
    name: str
    status: DeploymentStatus
    deployments: list[DeploymentSchema]
    created_at: int
    updated_at: int
    description: str = ""

    @classmethod
    def of(cls, e: Endpoint) -> EndpointSchema:
        return cls(
            name=e.name,
            status=e.status,
            deployments=[DeploymentSchema.of(d) for d in e.deployments],
            created_at=e.created_at,
            updated_at=e.updated_at,
            description=e.description,
        )

    def to_entity(self) -> Endpoint:
        return Endpoint(
            name=self.name,
            deployments=tuple(d.to_entity() for d in self.deployments),
            created_at=self.created_at,
            updated_at=self.updated_at,
            description=self.description,
        )


class CreateEndpointRequest(_Model):
    """``model_uri`` for one deployment named ``default`` with all the traffic, or ``deployments``."""

    name: str
    model_uri: str | None = None
    deployments: list[DeploymentSpec] | None = None
    description: str = ""


class UpdateEndpointRequest(_Model):
    model_uri: str | None = None
    deployments: list[DeploymentSpec] | None = None
    description: str | None = None


class EndpointResponse(_Response):
    endpoint: EndpointSchema
    # Only in the answer to a create: the key callers present; it is stored hashed, never shown again.
    key: str | None = None


class EndpointsResponse(_Response):
    endpoints: list[EndpointSchema] = Field(default_factory=list)


class EndpointLogsResponse(_Response):
    logs: dict[str, str] = Field(default_factory=dict)


class UseModelResponse(_Response):
    """What "use this model" shows for a model version: code to copy and a notebook to download."""

    model_uri: str
    endpoints: list[str] = Field(default_factory=list)
    input_example: dict[str, Any] | None = None
    snippets: dict[str, str] = Field(default_factory=dict)
    notebook: dict[str, Any] = Field(default_factory=dict)

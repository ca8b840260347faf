"""The contract of the managed-endpoint store: endpoints, the deployments behind each, and the
state the supervisor records for their scoring processes.

Implementations are thread-safe and return frozen entities (:class:`~carnet.entities.Endpoint`).
``NotFound`` for an unknown endpoint, ``AlreadyExists`` for a taken name, ``InvalidValue`` (naming
the field) for a bad name, model URI or traffic split.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Sequence
from typing import NamedTuple

from carnet.entities import DeploymentStatus, Endpoint
from carnet.exceptions import InvalidName, InvalidValue

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_DEPLOYMENTS = 2
MAX_MODEL_URI = 1000


class NewDeployment(NamedTuple):
    """A deployment as a caller asks for it: a name, a model URI, a share of traffic in percent."""

    name: str
    model_uri: str
    traffic: int


class DeploymentState(NamedTuple):
    """What the supervisor saw of a deployment's scoring process."""

    status: DeploymentStatus
    message: str = ""
    resolved_uri: str | None = None
    port: int | None = None
    pid: int | None = None
    restarts: int = 0


def check_name(name: object, field: str = "name") -> str:
    """An endpoint or deployment name: letters, digits, ``_ . -``, at most 64, not starting with a
    symbol (it also names the folder of its logs)."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InvalidName(
            f"{field}: {name!r} is not a valid name (1 to 64 letters, digits, '_', '.' or '-', starting "
            "with a letter or digit)",
            field=field,
        )
    return name


def check_deployments(deployments: Sequence[NewDeployment]) -> list[NewDeployment]:
    """One or two deployments with distinct names, model URIs, and traffic that adds up to 100."""
    if not 1 <= len(deployments) <= MAX_DEPLOYMENTS:
        raise InvalidValue(
            f"deployments: an endpoint has 1 or {MAX_DEPLOYMENTS} deployments, got {len(deployments)}",
            field="deployments",
        )
    seen: set[str] = set()
    for d in deployments:
        check_name(d.name, "deployments.name")
        if d.name in seen:
            raise InvalidValue(f"deployments.name: {d.name!r} is given twice", field="deployments.name")
        seen.add(d.name)
        uri = d.model_uri
        # Registry and run URIs only: an endpoint never loads an arbitrary path of the server's disk.
        if (
            not isinstance(uri, str)
            or not uri.strip().startswith(("models:/", "runs:/"))
            or len(uri) > MAX_MODEL_URI
            or "\n" in uri
            or ".." in uri.split("/")
        ):
            raise InvalidValue(
                f"model_uri: {uri!r} is not a registry or run URI (models:/NAME@ALIAS, "
                "models:/NAME/VERSION, models:/NAME/STAGE or runs:/RUN_ID/PATH)",
                field="model_uri",
            )
        if isinstance(d.traffic, bool) or not isinstance(d.traffic, int) or not 0 <= d.traffic <= 100:
            raise InvalidValue(
                f"traffic: {d.traffic!r} is not a percentage from 0 to 100", field="deployments.traffic"
            )
    total = sum(d.traffic for d in deployments)
    if total != 100:
        raise InvalidValue(
            f"traffic: the deployments' traffic adds up to {total}, it must be 100",
            field="deployments.traffic",
        )
    return list(deployments)


class EndpointStore(abc.ABC):
    @abc.abstractmethod
    def create_endpoint(
        self, name: str, deployments: Sequence[NewDeployment], key_hash: str, description: str = ""
    ) -> Endpoint:
        """A new endpoint whose deployments start Pending (the supervisor starts them)."""

    @abc.abstractmethod
    def get_endpoint(self, name: str) -> Endpoint: ...

    @abc.abstractmethod
    def list_endpoints(self) -> list[Endpoint]:
        """Every endpoint, by name."""

    @abc.abstractmethod
    def update_endpoint(
        self, name: str, deployments: Sequence[NewDeployment] | None = None, description: str | None = None
    ) -> Endpoint:
        """Replace the deployments (one kept with the same name and model URI keeps its process and
        state; a new or changed one starts Pending) and/or the description."""

    @abc.abstractmethod
    def delete_endpoint(self, name: str) -> None:
        """The supervisor stops its processes when it next looks."""

    @abc.abstractmethod
    def get_endpoint_key_hash(self, name: str) -> str:
        """The SHA-256 (hex) of the key callers of the endpoint present."""

    @abc.abstractmethod
    def record_deployment_state(self, name: str, deployment: str, state: DeploymentState) -> None:
        """Store what the supervisor saw; a deployment deleted meanwhile is ignored."""

"""The SQL endpoint store: endpoints and their deployments, one session scope per call."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carnet.entities import Deployment, DeploymentStatus, Endpoint
from carnet.exceptions import AlreadyExists, NotFound
from carnet.store.endpoints import (
    DeploymentState,
    EndpointStore,
    NewDeployment,
    check_deployments,
    check_name,
)
from carnet.store.sql.engine import SessionFactory, get_engine
from carnet.store.sql.models import DeploymentRow, EndpointRow


def _now() -> int:
    return int(time.time() * 1000)


def _load(session: Session, name: str) -> EndpointRow:
    row = session.scalar(select(EndpointRow).where(EndpointRow.name == name))
    if row is None:
        raise NotFound(f"endpoint {name!r} does not exist", field="name")
    return row


def _entity(session: Session, row: EndpointRow) -> Endpoint:
    deployments = session.scalars(
        select(DeploymentRow)
        .where(DeploymentRow.endpoint_key == row.endpoint_key)
        .order_by(DeploymentRow.name)
    )
    return Endpoint(
        name=row.name,
        deployments=tuple(
            Deployment(
                name=d.name,
                model_uri=d.model_uri,
                traffic=d.traffic,
                status=DeploymentStatus(d.status),
                message=d.message,
                resolved_uri=d.resolved_uri,
                port=d.port,
                pid=d.pid,
                restarts=d.restarts,
                updated_at=d.updated_at,
            )
            for d in deployments
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
    )


def _pending(endpoint_key: int, d: NewDeployment, now: int) -> DeploymentRow:
    return DeploymentRow(
        endpoint_key=endpoint_key,
        name=d.name,
        model_uri=d.model_uri.strip(),
        traffic=d.traffic,
        status=DeploymentStatus.PENDING.value,
        message="",
        restarts=0,
        updated_at=now,
    )


class SqlEndpointStore(EndpointStore):
    """Endpoints in the tracking database (``database_url``, the SQL store's own engine)."""

    def __init__(self, database_url: str) -> None:
        self._sessions = SessionFactory(get_engine(database_url))

    def create_endpoint(
        self, name: str, deployments: Sequence[NewDeployment], key_hash: str, description: str = ""
    ) -> Endpoint:
        check_name(name)
        wanted = check_deployments(deployments)
        now = _now()
        with self._sessions.begin() as session:
            if session.scalar(select(EndpointRow.endpoint_key).where(EndpointRow.name == name)) is not None:
                raise AlreadyExists(f"endpoint {name!r} already exists", field="name")
            row = EndpointRow(
                name=name, description=description, key_hash=key_hash, created_at=now, updated_at=now
            )
            session.add(row)
            session.flush()
            session.add_all(_pending(row.endpoint_key, d, now) for d in wanted)
            session.flush()
            return _entity(session, row)

    def get_endpoint(self, name: str) -> Endpoint:
        with self._sessions.read() as session:
            return _entity(session, _load(session, name))

    def list_endpoints(self) -> list[Endpoint]:
        with self._sessions.read() as session:
            rows = session.scalars(select(EndpointRow).order_by(EndpointRow.name)).all()
            return [_entity(session, row) for row in rows]

    def update_endpoint(
        self, name: str, deployments: Sequence[NewDeployment] | None = None, description: str | None = None
    ) -> Endpoint:
        wanted = check_deployments(deployments) if deployments is not None else None
        now = _now()
        with self._sessions.begin() as session:
            row = _load(session, name)
            if description is not None:
                row.description = description
            if wanted is not None:
                current = {
                    d.name: d
                    for d in session.scalars(
                        select(DeploymentRow).where(DeploymentRow.endpoint_key == row.endpoint_key)
                    )
                }
                for d in wanted:
                    kept = current.pop(d.name, None)
                    if kept is not None and kept.model_uri == d.model_uri.strip():
                        kept.traffic = d.traffic
                        kept.updated_at = now
                        continue
                    if kept is not None:
                        session.delete(kept)
                        session.flush()
                    session.add(_pending(row.endpoint_key, d, now))
                for gone in current.values():
                    session.delete(gone)
            row.updated_at = now
            session.flush()
            return _entity(session, row)

    def delete_endpoint(self, name: str) -> None:
        with self._sessions.begin() as session:
            row = _load(session, name)
            session.execute(delete(DeploymentRow).where(DeploymentRow.endpoint_key == row.endpoint_key))
            session.delete(row)

    def get_endpoint_key_hash(self, name: str) -> str:
        with self._sessions.read() as session:
            return _load(session, name).key_hash

    def record_deployment_state(self, name: str, deployment: str, state: DeploymentState) -> None:
        with self._sessions.begin() as session:
            row = session.scalar(
                select(DeploymentRow)
                .join(EndpointRow, EndpointRow.endpoint_key == DeploymentRow.endpoint_key)
                .where(EndpointRow.name == name, DeploymentRow.name == deployment)
            )
            if row is None:
                return
            row.status = state.status.value
            row.message = state.message
            row.resolved_uri = state.resolved_uri
            row.port = state.port
            row.pid = state.pid
            row.restarts = state.restarts
            row.updated_at = _now()

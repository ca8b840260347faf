"""Stores: where experiments, runs and files live. ``open_stores`` picks them from a location."""

from __future__ import annotations

from typing import TYPE_CHECKING

from carnet.store.base import (
    LogBatch,
    MetricDeclaration,
    NewLoggedModel,
    NewRun,
    RecordWrite,
    TrackingStore,
)
from carnet.store.registry import RegistryStore

if TYPE_CHECKING:
    from carnet.config import Location
    from carnet.store.artifacts.base import ArtifactRepository

__all__ = [
    "LogBatch",
    "MetricDeclaration",
    "NewLoggedModel",
    "NewRun",
    "RecordWrite",
    "RegistryStore",
    "TrackingStore",
    "artifact_repository",
    "tracking_store",
]


def tracking_store(location: Location) -> TrackingStore:
    """The tracking store for a resolved location: the REST store for a carnet server's URL, the SQL
    store for a database."""
    if location.server_url:
        from carnet.store.rest.store import RestTrackingStore

        return RestTrackingStore(location.server_url, location.artifact_root)
    from carnet.store.sql.store import SqlTrackingStore

    return SqlTrackingStore(location.database_url, location.artifact_root)


def artifact_repository(artifact_uri: str) -> ArtifactRepository:
    """The artifact repository for a location itself: S3 for ``s3://``, else a local folder. A
    store's :meth:`TrackingStore.artifact_repository` may reach the same files another way."""
    from carnet.store.artifacts import open_repository

    return open_repository(artifact_uri)

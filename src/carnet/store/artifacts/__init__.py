"""Artifact repositories: where a run's files live."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carnet.store.artifacts.base import ArtifactRepository


def open_repository(artifact_uri: str) -> ArtifactRepository:
    """The repository for the location itself: S3 for ``s3://``, else a local folder."""
    if artifact_uri.startswith("s3://"):
        from carnet.store.artifacts.s3 import S3ArtifactRepository

        return S3ArtifactRepository(artifact_uri)
    from carnet.store.artifacts.local import LocalArtifactRepository

    return LocalArtifactRepository(artifact_uri)

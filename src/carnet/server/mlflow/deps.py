"""The artifact root the proxy serves (``app.state.artifact_root``, None when there is none)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from carnet.server.artifact_root import ArtifactRoot


def get_artifact_root(request: Request) -> ArtifactRoot | None:
    return cast("ArtifactRoot | None", getattr(request.app.state, "artifact_root", None))


def get_max_artifact_bytes(request: Request) -> int:
    """The largest artifact upload the proxy accepts, in bytes (0: no limit)."""
    return int(getattr(request.app.state, "max_artifact_bytes", 0))


ArtifactRootDep = Annotated[ArtifactRoot | None, Depends(get_artifact_root)]
MaxArtifactBytesDep = Annotated[int, Depends(get_max_artifact_bytes)]

"""The artifact root the proxy serves (``app.state.artifact_root``, None when there is none)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

from fastapi import Depends, Request


def get_artifact_root(request: Request) -> Path | None:
    return cast("Path | None", getattr(request.app.state, "artifact_root", None))


ArtifactRootDep = Annotated["Path | None", Depends(get_artifact_root)]

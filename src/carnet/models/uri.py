"""Model URIs to local folders: a path, ``file://``, ``s3://``, ``runs:/`` or ``models:/``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from carnet.exceptions import NotFound
from carnet.sdk.registry import ModelSource, resolve_source
from carnet.sdk.workspace import Workspace

if TYPE_CHECKING:
    from carnet.store.base import TrackingStore


def local_model_path(
    model_uri: str | Path, dst_path: str | Path | None = None, tracking_uri: str | None = None
) -> Path:
    """A local folder holding the model ``model_uri`` names (downloaded when it is remote)."""
    uri = str(model_uri)
    if uri.startswith(("runs:/", "models:/")):
        store = _workspace(tracking_uri).store
        return _fetch(resolve_source(store, uri), dst_path, store)
    return _fetch(ModelSource(uri), dst_path)


def _workspace(tracking_uri: str | None) -> Workspace:
    if tracking_uri is not None:
        return Workspace(tracking_uri)
    from carnet.sdk import fluent

    return fluent.default_workspace()


def _fetch(source: ModelSource, dst_path: str | Path | None, store: TrackingStore | None = None) -> Path:
    location = source.location
    parent, _, leaf = location.rstrip("/").rpartition("/")
    if store is not None:
        from carnet.store.artifacts.local import LocalArtifactRepository

        repository = store.artifact_repository(parent)
        if not isinstance(repository, LocalArtifactRepository):  # e.g. through a server's proxy
            return repository.download(leaf, _download_folder(dst_path) / leaf)
    parsed = urlparse(location)
    if parsed.scheme in ("", "file") or (len(parsed.scheme) == 1 and location[1:3] in (":\\", ":/")):
        path = Path(parsed.path if parsed.scheme == "file" else location)
        if not path.exists():
            raise NotFound(f"model: nothing at {location!r}", field="model_uri")
        return path
    from carnet.store import artifact_repository

    return artifact_repository(parent).download(leaf, _download_folder(dst_path) / leaf)


def _download_folder(dst_path: str | Path | None) -> Path:
    return Path(dst_path) if dst_path is not None else Path(tempfile.mkdtemp(prefix="carnet-model-"))

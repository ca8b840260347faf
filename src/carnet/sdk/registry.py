"""Model URIs and registration, as thin calls into the tracking store.

``runs:/<run_id>/<path>``, ``models:/<model_id>`` (an MLflow 3 logged model, ``m-...``) and the
registry forms ``models:/<name>/<version>``, ``models:/<name>/<stage>``, ``models:/<name>/latest``
and ``models:/<name>@<alias>`` resolve here to a storage location (a folder, ``file://`` or
``s3://`` URI); :mod:`carnet.models.uri` fetches the files from there.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from carnet.entities import ModelStage, ModelVersion
from carnet.exceptions import AlreadyExists, InvalidArgument, InvalidValue, NotFound
from carnet.store.base import TrackingStore


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files are, and the run and logged model it came from (when known)."""

    location: str
    run_id: str | None = None
    model_id: str | None = None


def resolve_source(store: TrackingStore, uri: str) -> ModelSource:
    """The storage location of a model URI; local paths and storage URIs come back unchanged."""
    if uri.startswith("runs:/"):
        return _run_source(store, uri)
    if uri.startswith("models:/"):
        return _models_source(store, uri.removeprefix("models:/").strip("/"), uri)
    return ModelSource(uri)


def _run_source(store: TrackingStore, uri: str) -> ModelSource:
    run_id, _, path = uri.removeprefix("runs:/").strip("/").partition("/")
    if not run_id or not path:
        raise InvalidArgument(f"model_uri: {uri!r} is not runs:/<run_id>/<path>", field="model_uri")
    run = store.get_run(run_id)
    # As in MLflow 3: a model logged from the run under this name lives with the logged model.
    for output in store.get_run_outputs(run_id):
        try:
            logged = store.get_logged_model(output.model_id)
        except NotFound:
            continue
        if logged.name == path:
            return ModelSource(logged.artifact_location, run_id, logged.model_id)
    return ModelSource(f"{run.info.artifact_uri.rstrip('/')}/{path}", run_id)


def _models_source(store: TrackingStore, rest: str, uri: str) -> ModelSource:
    if not rest:
        raise InvalidArgument(f"model_uri: {uri!r} names no model", field="model_uri")
    if "/" not in rest and "@" not in rest:
        logged = store.get_logged_model(rest)
        return ModelSource(logged.artifact_location, logged.source_run_id, logged.model_id)
    version = model_version_of(store, rest, uri)
    location = str(store.get_model_version_download_uri(version.name, int(version.version)))
    if location.startswith(("runs:/", "models:/")):
        return resolve_source(store, location)
    return ModelSource(location, version.run_id, version.model_id)


def model_version_of(store: TrackingStore, rest: str, uri: str) -> ModelVersion:
    """The registered version ``name/<version|stage|latest>`` or ``name@alias`` points at."""
    if "@" in rest:
        name, _, alias = rest.partition("@")
        return store.get_model_version_by_alias(name, alias)
    name, _, which = rest.rpartition("/")
    if not name or not which:
        raise InvalidArgument(f"model_uri: {uri!r} is not models:/<name>/<version>", field="model_uri")
    if which.isdigit():
        return store.get_model_version(name, int(which))
    if which.lower() == "latest":
        versions = store.get_latest_versions(name, None)
    else:
        try:
            stage = ModelStage.parse(which)
        except InvalidValue:
            raise InvalidArgument(
                f"model_uri: {which!r} is neither a version number, 'latest' nor a stage "
                f"({', '.join(s.value for s in ModelStage)})",
                field="model_uri",
            ) from None
        versions = store.get_latest_versions(name, [stage])
    if not versions:
        raise NotFound(f"model {name!r} has no version in stage {which!r}", field="model_uri")
    return max(versions, key=lambda v: int(v.version))


def register_model(
    store: TrackingStore,
    model_uri: str,
    name: str,
    tags: dict[str, str] | None = None,
    description: str | None = None,
) -> Any:
    """Create the registered model ``name`` if needed, then a new version of it from ``model_uri``."""
    source = resolve_source(store, model_uri)
    try:
        store.get_registered_model(name)
    except NotFound:
        # Registered by someone else in between: add the version to theirs.
        with contextlib.suppress(AlreadyExists):
            store.create_registered_model(name)
    return store.create_model_version(
        name,
        source.location,
        run_id=source.run_id,
        model_id=source.model_id,
        tags=tags,
        description=description,
    )

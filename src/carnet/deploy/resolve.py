"""Which model version a deployment's URI names right now: an alias or a stage is followed to its
current version (``models:/iris@live`` → ``models:/iris/3``), so the supervisor notices a move."""

from __future__ import annotations

from carnet.entities import ModelStage
from carnet.exceptions import NotFound
from carnet.store.registry import RegistryStore

_STAGES = {s.value.lower(): s for s in ModelStage}


def resolve_model_uri(uri: str, registry: RegistryStore) -> str:
    """``uri`` with an alias, a stage or ``latest`` replaced by the version it points at; any other
    URI (a version, ``models:/<model id>``, ``runs:/``, a folder) as it is. ``NotFound`` when the
    alias, stage or model does not exist."""
    if not uri.startswith("models:/"):
        return uri
    rest = uri[len("models:/") :]
    if "@" in rest:
        name, alias = rest.rsplit("@", 1)
        version = registry.get_model_version_by_alias(name, alias)
        return f"models:/{name}/{version.version}"
    if "/" not in rest:
        return uri  # models:/<model id>
    name, which = rest.rsplit("/", 1)
    if which.isdigit():
        return uri
    if which.lower() == "latest":
        versions = registry.get_latest_versions(name)
    elif which.lower() in _STAGES:
        versions = registry.get_latest_versions(name, [_STAGES[which.lower()]])
    else:
        return uri
    if not versions:
        raise NotFound(f"model_uri: registered model {name!r} has no version in {which!r}", field="model_uri")
    return f"models:/{name}/{max(v.version for v in versions)}"

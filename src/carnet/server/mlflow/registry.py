"""``registered-models/*`` and ``model-versions/*``: MLflow's model registry.

What ``log_model(..., registered_model_name=...)``, ``MlflowClient``'s registry calls and
``mlflow.pyfunc.load_model("models:/<name>/<version|stage|latest>")`` or ``"models:/<name>@<alias>"``
send. Sources and download URIs travel as ``mlflow-artifacts:/...`` when they lie under the artifact
proxy's root, so the client fetches the files through the proxy; the store checks every source
against its run or logged model (see ``carnet.store.sql.model_sources``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter

from carnet.entities import ModelVersion, RegisteredModel
from carnet.exceptions import InvalidArgument, InvalidValue, NotFound
from carnet.server.artifact_root import ArtifactRoot
from carnet.server.deps import StoreDep
from carnet.server.mlflow import convert
from carnet.server.mlflow.deps import ArtifactRootDep
from carnet.server.mlflow.request import Body, Message, Query, as_int, as_list, key_values, text
from carnet.store.registry import SEARCH_MODELS_MAX_RESULTS, SEARCH_VERSIONS_MAX_RESULTS
from carnet.utils import join_uri
from carnet.validation import check_model_source_text

models_router = APIRouter(prefix="/registered-models")
versions_router = APIRouter(prefix="/model-versions")

_PROXY_SCHEME = "mlflow-artifacts"


# -- conversions ----------------------------------------------------------------------------------


def model_version(version: ModelVersion, root: ArtifactRoot | None) -> Message:
    """A version as MLflow's ``ModelVersion`` message (``version`` is a string)."""
    out: Message = {
        "name": version.name,
        "version": str(version.version),
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "user_id": version.user_id,
        "current_stage": version.current_stage.value,
        "description": version.description,
        "source": _wire_source(version.source, root),
        "status": version.status,
        "tags": [{"key": k, "value": v} for k, v in version.tags.items()],
        "aliases": list(version.aliases),
    }
    if version.run_id:
        out["run_id"] = version.run_id
    if version.model_id:
        out["model_id"] = version.model_id
    return out


def registered_model(model: RegisteredModel, root: ArtifactRoot | None) -> Message:
    return {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "description": model.description,
        "latest_versions": [model_version(v, root) for v in model.latest_versions],
        "tags": [{"key": k, "value": v} for k, v in model.tags.items()],
        "aliases": [{"alias": a, "version": str(v)} for a, v in model.aliases.items()],
    }


def _wire_source(source: str, root: ArtifactRoot | None) -> str:
    scheme = urlparse(source).scheme.lower()
    if scheme in ("models", "runs"):
        return source
    return convert.proxy_uri(source, root)


def store_source(source: str, root: ArtifactRoot | None) -> str:
    """An ``mlflow-artifacts:/<path>`` source as the location under the proxy's root it names; any
    other source unchanged (the store decides whether it is acceptable)."""
    check_model_source_text(source)
    parsed = urlparse(source)
    if parsed.scheme.lower() != _PROXY_SCHEME:
        return source
    if root is None:
        raise InvalidValue(
            f"source: {source!r}: this server has no artifact proxy to resolve it", field="source"
        )
    relative = parsed.path.strip("/")
    return join_uri(root.uri, *relative.split("/")) if relative else root.uri


def _order_by(value: Any) -> list[str] | None:
    items = [str(item) for item in as_list(value) if str(item).strip()]
    return items or None


def _max_results(msg: Message, default: int, limit: int) -> int:
    max_results = as_int(msg, "max_results", default) or default
    if not 0 < max_results <= limit:
        raise InvalidArgument(
            f"Invalid value {max_results} for parameter 'max_results': it must be from 1 to {limit}",
            field="max_results",
        )
    return max_results


# -- registered models ----------------------------------------------------------------------------


@models_router.post("/create")
def create_model(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    tags = dict(key_values(body.get("tags"), "tags"))
    model = store.create_registered_model(text(body, "name"), tags, body.get("description") or None)
    return {"registered_model": registered_model(model, root)}


@models_router.get("/get")
def get_model(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    return {"registered_model": registered_model(store.get_registered_model(text(query, "name")), root)}


@models_router.post("/rename")
def rename_model(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    model = store.rename_registered_model(text(body, "name"), text(body, "new_name"))
    return {"registered_model": registered_model(model, root)}


@models_router.patch("/update")
def update_model(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    model = store.update_registered_model(text(body, "name"), str(body.get("description") or ""))
    return {"registered_model": registered_model(model, root)}


@models_router.delete("/delete")
def delete_model(body: Body, store: StoreDep) -> Message:
    store.delete_registered_model(text(body, "name"))
    return {}


@models_router.get("/search")
def search_models(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    page = store.search_registered_models(
        str(query.get("filter") or "") or None,
        _max_results(query, 100, SEARCH_MODELS_MAX_RESULTS),
        _order_by(query.get("order_by")),
        str(query.get("page_token") or "") or None,
    )
    out: Message = {"registered_models": [registered_model(m, root) for m in page.models]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


def _latest_versions(msg: Message, store: StoreDep, root: ArtifactRoot | None) -> Message:
    stages = [str(s) for s in as_list(msg.get("stages"))]
    found = store.get_latest_versions(text(msg, "name"), stages or None)
    return {"model_versions": [model_version(v, root) for v in found]}


@models_router.post("/get-latest-versions")
def latest_versions(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    return _latest_versions(body, store, root)


@models_router.get("/get-latest-versions")
def latest_versions_by_query(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    return _latest_versions(query, store, root)


@models_router.post("/set-tag")
def set_model_tag(body: Body, store: StoreDep) -> Message:
    value = body.get("value")
    store.set_registered_model_tag(text(body, "name"), text(body, "key"), "" if value is None else str(value))
    return {}


@models_router.delete("/delete-tag")
def delete_model_tag(body: Body, store: StoreDep) -> Message:
    store.delete_registered_model_tag(text(body, "name"), text(body, "key"))
    return {}


# -- aliases --------------------------------------------------------------------------------------


@models_router.post("/alias")
def set_alias(body: Body, store: StoreDep) -> Message:
    store.set_registered_model_alias(text(body, "name"), text(body, "alias"), text(body, "version"))
    return {}


@models_router.delete("/alias")
def delete_alias(body: Body, store: StoreDep) -> Message:
    store.delete_registered_model_alias(text(body, "name"), text(body, "alias"))
    return {}


@models_router.get("/alias")
def get_by_alias(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    name, alias = text(query, "name"), text(query, "alias")
    try:
        version = store.get_model_version_by_alias(name, alias)
    except NotFound as exc:
        if exc.field != "alias":
            raise
        # MLflow answers an unknown alias with 400 INVALID_PARAMETER_VALUE, not 404.
        raise InvalidArgument(f"Registered model alias {alias} not found.", field="alias") from None
    return {"model_version": model_version(version, root)}


# -- model versions -------------------------------------------------------------------------------


@versions_router.post("/create")
def create_version(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    version = store.create_model_version(
        text(body, "name"),
        store_source(text(body, "source"), root),
        run_id=str(body.get("run_id") or "") or None,
        model_id=str(body.get("model_id") or "") or None,
        tags=dict(key_values(body.get("tags"), "tags")),
        description=body.get("description") or None,
    )
    return {"model_version": model_version(version, root)}


@versions_router.get("/get")
def get_version(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    version = store.get_model_version(text(query, "name"), text(query, "version"))
    return {"model_version": model_version(version, root)}


@versions_router.patch("/update")
def update_version(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    version = store.update_model_version(
        text(body, "name"), text(body, "version"), str(body.get("description") or "")
    )
    return {"model_version": model_version(version, root)}


@versions_router.delete("/delete")
def delete_version(body: Body, store: StoreDep) -> Message:
    store.delete_model_version(text(body, "name"), text(body, "version"))
    return {}


@versions_router.get("/search")
def search_versions(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    page = store.search_model_versions(
        str(query.get("filter") or "") or None,
        _max_results(query, 10_000, SEARCH_VERSIONS_MAX_RESULTS),
        _order_by(query.get("order_by")),
        str(query.get("page_token") or "") or None,
    )
    out: Message = {"model_versions": [model_version(v, root) for v in page.versions]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


@versions_router.post("/transition-stage")
def transition_stage(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    archive = body.get("archive_existing_versions", False)
    if not isinstance(archive, bool):
        archive = str(archive).strip().lower() == "true"
    version = store.transition_model_version_stage(
        text(body, "name"), text(body, "version"), text(body, "stage"), archive
    )
    return {"model_version": model_version(version, root)}


@versions_router.get("/get-download-uri")
def download_uri(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    location = store.get_model_version_download_uri(text(query, "name"), text(query, "version"))
    return {"artifact_uri": convert.proxy_uri(location, root)}


@versions_router.post("/set-tag")
def set_version_tag(body: Body, store: StoreDep) -> Message:
    value = body.get("value")
    store.set_model_version_tag(
        text(body, "name"), text(body, "version"), text(body, "key"), "" if value is None else str(value)
    )
    return {}


@versions_router.delete("/delete-tag")
def delete_version_tag(body: Body, store: StoreDep) -> Message:
    store.delete_model_version_tag(text(body, "name"), text(body, "version"), text(body, "key"))
    return {}


__all__ = ["models_router", "versions_router"]

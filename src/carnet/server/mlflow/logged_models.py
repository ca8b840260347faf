"""``logged-models/*``: MLflow 3's logged models (what ``mlflow.<flavor>.log_model`` creates), and
``runs/outputs``, which records that a run produced a model.

``log_model`` creates a model (Pending), uploads its files through the artifact proxy to the
model's ``artifact_uri`` (``mlflow-artifacts:/<exp>/models/<m-id>/artifacts``), then finalizes it
(Ready). ``models:/<m-id>`` reads the model back; ``runs:/<run>/<name>`` finds it by searching
``name = '<name>'``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from carnet.entities import LoggedModel, LoggedModelStatus, ModelOutput
from carnet.exceptions import InvalidArgument, InvalidValue
from carnet.server import checks
from carnet.server.artifact_root import ArtifactRoot
from carnet.server.deps import StoreDep
from carnet.server.mlflow import artifacts, convert
from carnet.server.mlflow.deps import ArtifactRootDep
from carnet.server.mlflow.request import (
    Body,
    Message,
    Query,
    as_int,
    as_list,
    key_values,
    required,
    run_id_of,
    text,
)
from carnet.store.base import NewLoggedModel

router = APIRouter(prefix="/logged-models")
outputs_router = APIRouter(prefix="/runs")

SEARCH_MAX_RESULTS = 50_000

# MLflow's LoggedModelStatus enum: proto names and numbers.
_WIRE_STATUS = {
    LoggedModelStatus.PENDING: "LOGGED_MODEL_PENDING",
    LoggedModelStatus.READY: "LOGGED_MODEL_READY",
    LoggedModelStatus.UPLOAD_FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
}
_STATUS_NUMBERS = {
    1: LoggedModelStatus.PENDING,
    2: LoggedModelStatus.READY,
    3: LoggedModelStatus.UPLOAD_FAILED,
}


def status_of(value: Any) -> LoggedModelStatus:
    """A status as the client sends it: ``LOGGED_MODEL_READY`` (or its number, 2)."""
    if value is None or value == "":
        raise InvalidArgument("Missing value for required parameter 'status'", field="status")
    if isinstance(value, int) and not isinstance(value, bool):
        if value in _STATUS_NUMBERS:
            return _STATUS_NUMBERS[value]
        raise InvalidValue(f"status: unknown logged model status {value!r}", field="status")
    if isinstance(value, str) and value.strip().isdigit():
        return status_of(int(value.strip()))
    if not isinstance(value, str):
        raise InvalidValue(f"status: unknown logged model status {value!r}", field="status")
    return LoggedModelStatus.parse(value)


def logged_model(model: LoggedModel, artifact_root: ArtifactRoot | None) -> Message:
    """A model as MLflow's ``LoggedModel`` message (``info`` and ``data``)."""
    info: Message = {
        "model_id": model.model_id,
        "experiment_id": model.experiment_id,
        "name": model.name,
        "creation_timestamp_ms": model.creation_timestamp_ms,
        "last_updated_timestamp_ms": model.last_updated_timestamp_ms,
        "artifact_uri": convert.proxy_uri(model.artifact_location, artifact_root),
        "status": _WIRE_STATUS[model.status],
        "tags": [{"key": k, "value": v} for k, v in model.tags.items()],
        "registrations": [],
    }
    # MLflow's creator_id is a number (a Databricks user id); carnet's user names are not sent.
    for key, value in (
        ("model_type", model.model_type),
        ("source_run_id", model.source_run_id),
        ("status_message", model.status_message),
    ):
        if value:
            info[key] = value
    data = {"params": [{"key": k, "value": v} for k, v in model.params.items()], "metrics": []}
    return {"info": info, "data": data}


def _tags(items: Any) -> dict[str, str]:
    tags = dict(key_values(items, "tags"))
    checks.check_tags(tags)
    return tags


def _params(items: Any) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in key_values(items, "params"):
        if key in params and params[key] != value:
            raise InvalidArgument(
                f"Duplicate parameter keys have been submitted: {key!r} appears more than once",
                field="params",
            )
        params[key] = value
    checks.check_params(params.items())
    return params


@router.post("")
def create(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    name = str(body.get("name") or "") or None
    checks.check_optional_name(name, "name")
    tags = _tags(body.get("tags"))
    new = NewLoggedModel(
        experiment_id=text(body, "experiment_id"),
        name=name,
        model_type=str(body.get("model_type") or ""),
        source_run_id=str(body.get("source_run_id") or "") or None,
        creator_id=tags.get(convert.USER_TAG, ""),
        tags=tags,
        params=_params(body.get("params")),
    )
    return {"model": logged_model(store.create_logged_model(new), root)}


@router.post("/search")
def search(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    max_results = as_int(body, "max_results", 100) or 100
    if not 0 < max_results <= SEARCH_MAX_RESULTS:
        raise InvalidArgument(
            f"Invalid value {max_results} for parameter 'max_results': "
            f"it must be from 1 to {SEARCH_MAX_RESULTS}",
            field="max_results",
        )
    order_by = []
    for item in as_list(body.get("order_by")):
        if not isinstance(item, dict):
            raise InvalidArgument("order_by: each entry must be an object with field_name", field="order_by")
        field_name = text(item, "field_name")
        ascending = item.get("ascending", True)
        order_by.append(f"{field_name} {'ASC' if ascending in (True, 'true', None) else 'DESC'}")
    page = store.search_logged_models(
        [str(e) for e in as_list(body.get("experiment_ids"))],
        str(body.get("filter") or "") or None,
        order_by or None,
        max_results,
        str(body.get("page_token") or "") or None,
    )
    out: Message = {"models": [logged_model(m, root) for m in page.models]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


@router.get("/{model_id}")
def get(model_id: str, store: StoreDep, root: ArtifactRootDep) -> Message:
    return {"model": logged_model(store.get_logged_model(model_id), root)}


@router.patch("/{model_id}")
def finalize(model_id: str, body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    status = status_of(body.get("status"))
    return {"model": logged_model(store.finalize_logged_model(model_id, status), root)}


@router.delete("/{model_id}")
def delete(model_id: str, store: StoreDep) -> Message:
    store.delete_logged_model(model_id)
    return {}


@router.patch("/{model_id}/tags")
def set_tags(model_id: str, body: Body, store: StoreDep) -> Message:
    store.set_logged_model_tags(model_id, _tags(body.get("tags")))
    return {}


@router.delete("/{model_id}/tags/{tag_key:path}")
def delete_tag(model_id: str, tag_key: str, store: StoreDep) -> Message:
    store.delete_logged_model_tag(model_id, tag_key)
    return {}


@router.post("/{model_id}/params")
def log_params(model_id: str, body: Body, store: StoreDep) -> Message:
    store.log_logged_model_params(model_id, _params(body.get("params")))
    return {}


@router.get("/{model_id}/artifacts/directories")
def list_artifacts(model_id: str, query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    """The files of the model (or of a folder inside it), paths relative to the model's root."""
    model = store.get_logged_model(model_id)
    uri = convert.proxy_uri(model.artifact_location, root)
    if not uri.startswith("mlflow-artifacts:/"):
        raise InvalidArgument(
            "this server does not serve the files of this model: its artifact location is outside "
            "the artifact proxy's root",
            field="model_id",
        )
    folder = str(query.get("artifact_directory_path") or "").strip("/")
    base = uri.removeprefix("mlflow-artifacts:/")
    listed = artifacts.list_artifacts({"path": f"{base}/{folder}" if folder else base}, root)
    files = [
        {**entry, "path": f"{folder}/{entry['path']}" if folder else entry["path"]}
        for entry in listed.get("files", [])
    ]
    out: Message = {"root_uri": uri}
    if files:
        out["files"] = files
    return out


@outputs_router.post("/outputs")
def log_outputs(body: Body, store: StoreDep) -> Message:
    outputs = []
    for item in as_list(body.get("models")):
        if not isinstance(item, dict):
            raise InvalidArgument("models: each entry must be an object with model_id", field="models")
        outputs.append(ModelOutput(str(required(item, "model_id")), as_int(item, "step", 0) or 0))
    store.log_run_outputs(run_id_of(body), outputs)
    return {}

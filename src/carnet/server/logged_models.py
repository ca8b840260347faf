"""``/api/v1/logged-models``: create, read, finalize, tag, params, delete and search logged models;
``/api/v1/runs/{run_id}/outputs``: the models a run produced."""

from __future__ import annotations

from fastapi import APIRouter

from carnet.entities import LoggedModelStatus
from carnet.schemas import (
    FinalizeLoggedModelRequest,
    LoggedModelResponse,
    LoggedModelSchema,
    LogLoggedModelParamsRequest,
    ModelOutputSchema,
    NewLoggedModelRequest,
    RunOutputsRequest,
    RunOutputsResponse,
    SearchLoggedModelsRequest,
    SearchLoggedModelsResponse,
    SetLoggedModelTagsRequest,
)
from carnet.server import checks
from carnet.server.deps import StoreDep
from carnet.server.routing import JSONRoute
from carnet.store.base import NewLoggedModel

router = APIRouter(prefix="/logged-models", tags=["logged models"], route_class=JSONRoute)
outputs_router = APIRouter(prefix="/runs", tags=["runs"], route_class=JSONRoute)


@router.post("", status_code=201)
def create_logged_model(body: NewLoggedModelRequest, store: StoreDep) -> LoggedModelResponse:
    checks.check_optional_name(body.name, "name")
    checks.check_tags(body.tags)
    checks.check_params(body.params.items())
    model = store.create_logged_model(NewLoggedModel(**body.model_dump()))
    return LoggedModelResponse(model=LoggedModelSchema.of(model))


@router.post("/search")
def search_logged_models(body: SearchLoggedModelsRequest, store: StoreDep) -> SearchLoggedModelsResponse:
    page = store.search_logged_models(
        body.experiment_ids, body.filter, body.order_by, body.max_results, body.page_token
    )
    return SearchLoggedModelsResponse.of(page)


@router.get("/{model_id}")
def get_logged_model(model_id: str, store: StoreDep) -> LoggedModelResponse:
    return LoggedModelResponse(model=LoggedModelSchema.of(store.get_logged_model(model_id)))


@router.patch("/{model_id}")
def finalize_logged_model(
    model_id: str, body: FinalizeLoggedModelRequest, store: StoreDep
) -> LoggedModelResponse:
    status = LoggedModelStatus.parse(body.status)
    model = store.finalize_logged_model(model_id, status, body.status_message)
    return LoggedModelResponse(model=LoggedModelSchema.of(model))


@router.delete("/{model_id}")
def delete_logged_model(model_id: str, store: StoreDep) -> dict[str, str]:
    store.delete_logged_model(model_id)
    return {}


@router.patch("/{model_id}/tags")
def set_logged_model_tags(model_id: str, body: SetLoggedModelTagsRequest, store: StoreDep) -> dict[str, str]:
    checks.check_tags(body.tags)
    store.set_logged_model_tags(model_id, body.tags)
    return {}


@router.delete("/{model_id}/tags/{key:path}")
def delete_logged_model_tag(model_id: str, key: str, store: StoreDep) -> dict[str, str]:
    store.delete_logged_model_tag(model_id, key)
    return {}


@router.post("/{model_id}/params")
def log_logged_model_params(
    model_id: str, body: LogLoggedModelParamsRequest, store: StoreDep
) -> dict[str, str]:
    checks.check_params(body.params.items())
    store.log_logged_model_params(model_id, body.params)
    return {}


@outputs_router.post("/{run_id}/outputs")
def log_run_outputs(run_id: str, body: RunOutputsRequest, store: StoreDep) -> dict[str, str]:
    store.log_run_outputs(run_id, [m.to_entity() for m in body.models])
    return {}


@outputs_router.get("/{run_id}/outputs")
def get_run_outputs(run_id: str, store: StoreDep) -> RunOutputsResponse:
    outputs = store.get_run_outputs(run_id)
    return RunOutputsResponse(models=[ModelOutputSchema(model_id=o.model_id, step=o.step) for o in outputs])

"""``/api/v1/registered-models``: the model registry's native API (models, versions, stages,
aliases, tags, history), and ``/api/v1/model-versions/search``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from carnet.entities import ModelVersion
from carnet.exceptions import NotFound
from carnet.schemas import (
    DatasetInputSchema,
    DownloadUriResponse,
    ModelVersionEventSchema,
    ModelVersionHistoryResponse,
    ModelVersionResponse,
    ModelVersionSchema,
    ModelVersionsResponse,
    NewModelVersionRequest,
    NewRegisteredModelRequest,
    RegisteredModelResponse,
    RegisteredModelSchema,
    RegistryTagRequest,
    SearchModelVersionsResponse,
    SearchRegisteredModelsResponse,
    SearchRegistryRequest,
    SetAliasRequest,
    TransitionStageRequest,
    UpdateModelVersionRequest,
    UpdateRegisteredModelRequest,
)
from carnet.server.deps import StoreDep
from carnet.store.base import TrackingStore

router = APIRouter(prefix="/registered-models", tags=["model registry"])
versions_router = APIRouter(prefix="/model-versions", tags=["model registry"])

Empty = dict[str, str]


def _model(model: RegisteredModelSchema) -> RegisteredModelResponse:
    return RegisteredModelResponse(registered_model=model)


def version_response(version: ModelVersion, store: TrackingStore) -> ModelVersionResponse:
    """The version and, for lineage, the experiment of its run (or of its logged model) and the
    datasets that run logged as inputs."""
    experiment_id = None
    datasets: list[DatasetInputSchema] = []
    try:
        run_id = version.run_id
        if run_id:
            experiment_id = store.get_run(run_id).info.experiment_id
        elif version.model_id:
            model = store.get_logged_model(version.model_id)
            experiment_id, run_id = model.experiment_id, model.source_run_id
        if run_id:
            datasets = [DatasetInputSchema.of(i) for i in store.get_run_inputs(run_id)]
    except NotFound:  # the run or logged model was deleted since; the version stays readable
        pass
    return ModelVersionResponse(
        model_version=ModelVersionSchema.of(version), experiment_id=experiment_id, datasets=datasets
    )


# -- registered models ----------------------------------------------------------------------------


@router.post("", status_code=201)
def create_registered_model(body: NewRegisteredModelRequest, store: StoreDep) -> RegisteredModelResponse:
    model = store.create_registered_model(body.name, body.tags, body.description)
    return _model(RegisteredModelSchema.of(model))


@router.post("/search")
def search_registered_models(body: SearchRegistryRequest, store: StoreDep) -> SearchRegisteredModelsResponse:
    page = store.search_registered_models(body.filter, body.max_results, body.order_by, body.page_token)
    return SearchRegisteredModelsResponse.of(page)


@router.get("/{name}")
def get_registered_model(name: str, store: StoreDep) -> RegisteredModelResponse:
    return _model(RegisteredModelSchema.of(store.get_registered_model(name)))


@router.patch("/{name}")
def update_registered_model(
    name: str, body: UpdateRegisteredModelRequest, store: StoreDep
) -> RegisteredModelResponse:
    model = store.get_registered_model(name)
    if body.description is not None:
        model = store.update_registered_model(name, body.description)
    if body.new_name is not None:
        model = store.rename_registered_model(name, body.new_name)
    return _model(RegisteredModelSchema.of(model))


@router.delete("/{name}")
def delete_registered_model(name: str, store: StoreDep) -> Empty:
    store.delete_registered_model(name)
    return {}


@router.put("/{name}/tags/{key:path}")
def set_registered_model_tag(name: str, key: str, body: RegistryTagRequest, store: StoreDep) -> Empty:
    store.set_registered_model_tag(name, key, body.value)
    return {}


@router.delete("/{name}/tags/{key:path}")
def delete_registered_model_tag(name: str, key: str, store: StoreDep) -> Empty:
    store.delete_registered_model_tag(name, key)
    return {}


@router.get("/{name}/latest-versions")
def get_latest_versions(
    name: str, store: StoreDep, stages: Annotated[list[str] | None, Query()] = None
) -> ModelVersionsResponse:
    found = store.get_latest_versions(name, stages or None)
    return ModelVersionsResponse(model_versions=[ModelVersionSchema.of(v) for v in found])


@router.get("/{name}/history")
def get_model_version_history(
    name: str, store: StoreDep, version: int | None = None
) -> ModelVersionHistoryResponse:
    events = store.get_model_version_history(name, version)
    return ModelVersionHistoryResponse(
        events=[ModelVersionEventSchema.model_validate(e, from_attributes=True) for e in events]
    )


# -- aliases --------------------------------------------------------------------------------------


@router.put("/{name}/aliases/{alias}")
def set_registered_model_alias(name: str, alias: str, body: SetAliasRequest, store: StoreDep) -> Empty:
    store.set_registered_model_alias(name, alias, body.version, body.user_id)
    return {}


@router.delete("/{name}/aliases/{alias}")
def delete_registered_model_alias(name: str, alias: str, store: StoreDep, user_id: str = "") -> Empty:
    store.delete_registered_model_alias(name, alias, user_id)
    return {}


@router.get("/{name}/aliases/{alias}")
def get_model_version_by_alias(name: str, alias: str, store: StoreDep) -> ModelVersionResponse:
    return version_response(store.get_model_version_by_alias(name, alias), store)


# -- versions -------------------------------------------------------------------------------------


@router.post("/{name}/versions", status_code=201)
def create_model_version(name: str, body: NewModelVersionRequest, store: StoreDep) -> ModelVersionResponse:
    version = store.create_model_version(
        name, body.source, body.run_id, body.model_id, body.tags, body.description, body.user_id
    )
    return version_response(version, store)


@router.get("/{name}/versions/{version}")
def get_model_version(name: str, version: str, store: StoreDep) -> ModelVersionResponse:
    return version_response(store.get_model_version(name, version), store)


@router.patch("/{name}/versions/{version}")
def update_model_version(
    name: str, version: str, body: UpdateModelVersionRequest, store: StoreDep
) -> ModelVersionResponse:
    return version_response(store.update_model_version(name, version, body.description), store)


@router.delete("/{name}/versions/{version}")
def delete_model_version(name: str, version: str, store: StoreDep) -> Empty:
    store.delete_model_version(name, version)
    return {}


@router.post("/{name}/versions/{version}/stage")
def transition_model_version_stage(
    name: str, version: str, body: TransitionStageRequest, store: StoreDep
) -> ModelVersionResponse:
    moved = store.transition_model_version_stage(
        name, version, body.stage, body.archive_existing_versions, body.user_id
    )
    return version_response(moved, store)


@router.put("/{name}/versions/{version}/tags/{key:path}")
def set_model_version_tag(
    name: str, version: str, key: str, body: RegistryTagRequest, store: StoreDep
) -> Empty:
    store.set_model_version_tag(name, version, key, body.value)
    return {}


@router.delete("/{name}/versions/{version}/tags/{key:path}")
def delete_model_version_tag(name: str, version: str, key: str, store: StoreDep) -> Empty:
    store.delete_model_version_tag(name, version, key)
    return {}


@router.get("/{name}/versions/{version}/download-uri")
def get_model_version_download_uri(name: str, version: str, store: StoreDep) -> DownloadUriResponse:
    return DownloadUriResponse(artifact_uri=store.get_model_version_download_uri(name, version))


@versions_router.post("/search")
def search_model_versions(body: SearchRegistryRequest, store: StoreDep) -> SearchModelVersionsResponse:
    page = store.search_model_versions(body.filter, body.max_results, body.order_by, body.page_token)
    return SearchModelVersionsResponse.of(page)

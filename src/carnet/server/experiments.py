"""``/api/v1/experiments``: create, read, list, rename, soft delete, restore, tag."""

from __future__ import annotations

from fastapi import APIRouter, Query

from carnet.entities import ViewType
from carnet.exceptions import NotFound
from carnet.schemas import (
    CreateExperimentRequest,
    CreateExperimentResponse,
    ExperimentResponse,
    ExperimentSchema,
    ExperimentsResponse,
    RenameExperimentRequest,
    SetTagRequest,
)
from carnet.server import checks
from carnet.server.deps import StoreDep
from carnet.server.routing import JSONRoute

router = APIRouter(prefix="/experiments", tags=["experiments"], route_class=JSONRoute)


@router.post("", status_code=201)
def create_experiment(body: CreateExperimentRequest, store: StoreDep) -> CreateExperimentResponse:
    checks.check_entity_name(body.name, "name")
    if body.artifact_location:
        checks.check_artifact_location(body.artifact_location)
    checks.check_tags(body.tags or {})
    experiment_id = store.create_experiment(body.name, body.artifact_location, body.tags)
    return CreateExperimentResponse(experiment_id=experiment_id)


@router.get("")
def search_experiments(
    store: StoreDep,
    view: ViewType = ViewType.ACTIVE_ONLY,
    name_like: str | None = Query(default=None, description="an SQL LIKE pattern on the name"),
) -> ExperimentsResponse:
    found = store.search_experiments(view, name_like)
    return ExperimentsResponse(experiments=[ExperimentSchema.of(e) for e in found])


@router.get("/by-name/{name:path}")
def get_experiment_by_name(name: str, store: StoreDep) -> ExperimentResponse:
    experiment = store.get_experiment_by_name(name)
    if experiment is None:
        raise NotFound(f"experiment {name!r} does not exist", field="name")
    return ExperimentResponse(experiment=ExperimentSchema.of(experiment))


@router.get("/{experiment_id}")
def get_experiment(experiment_id: str, store: StoreDep) -> ExperimentResponse:
    return ExperimentResponse(experiment=ExperimentSchema.of(store.get_experiment(experiment_id)))


@router.patch("/{experiment_id}")
def rename_experiment(experiment_id: str, body: RenameExperimentRequest, store: StoreDep) -> dict[str, str]:
    checks.check_entity_name(body.name, "name")
    store.rename_experiment(experiment_id, body.name)
    return {}


@router.delete("/{experiment_id}")
def delete_experiment(experiment_id: str, store: StoreDep) -> dict[str, str]:
    store.delete_experiment(experiment_id)
    return {}


@router.post("/{experiment_id}/restore")
def restore_experiment(experiment_id: str, store: StoreDep) -> dict[str, str]:
    store.restore_experiment(experiment_id)
    return {}


@router.put("/{experiment_id}/tags/{key:path}")
def set_experiment_tag(experiment_id: str, key: str, body: SetTagRequest, store: StoreDep) -> dict[str, str]:
    checks.check_tags({key: body.value}, "key")
    store.set_experiment_tag(experiment_id, key, body.value)
    return {}

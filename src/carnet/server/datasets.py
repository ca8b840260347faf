"""``/api/v1/runs/{run_id}/inputs``: the datasets a run logged as inputs."""

from __future__ import annotations

from fastapi import APIRouter

from carnet.schemas import DatasetInputSchema, RunInputsRequest, RunInputsResponse
from carnet.server.deps import StoreDep
from carnet.server.routing import JSONRoute

router = APIRouter(prefix="/runs", tags=["runs"], route_class=JSONRoute)


@router.post("/{run_id}/inputs")
def log_run_inputs(run_id: str, body: RunInputsRequest, store: StoreDep) -> dict[str, str]:
    store.log_inputs(run_id, [i.to_entity() for i in body.datasets])
    return {}


@router.get("/{run_id}/inputs")
def get_run_inputs(run_id: str, store: StoreDep) -> RunInputsResponse:
    return RunInputsResponse(datasets=[DatasetInputSchema.of(i) for i in store.get_run_inputs(run_id)])

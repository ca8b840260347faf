"""``/api/v1/runs/{run_id}/metrics``: per-metric summaries, numeric histories, structured records."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from carnet.schemas import (
    MetricColumnsResponse,
    MetricHistoryResponse,
    MetricInfoSchema,
    MetricInfosResponse,
    MetricPointSchema,
    MetricRecordSchema,
    MetricRecordsResponse,
)
from carnet.server.deps import StoreDep
from carnet.server.routing import JSONRoute

router = APIRouter(prefix="/runs/{run_id}/metrics", tags=["metrics"], route_class=JSONRoute)


@router.get("")
def get_metric_infos(run_id: str, store: StoreDep) -> MetricInfosResponse:
    return MetricInfosResponse(metrics=[MetricInfoSchema.of(i) for i in store.get_metric_infos(run_id)])


@router.get(
    "/{key:path}/history",
    response_model=MetricHistoryResponse | MetricColumnsResponse,
    responses={200: {"description": "the points, as objects or (``layout=columns``) as arrays"}},
)
def get_metric_history(
    run_id: str,
    key: str,
    store: StoreDep,
    layout: Annotated[
        Literal["points", "columns"],
        Query(description="``points``: a list of objects; ``columns``: aligned arrays, for long series"),
    ] = "points",
) -> Response:
    columns = store.get_metric_columns(run_id, key)
    if layout == "columns":
        return Response(MetricColumnsResponse.encode(columns), media_type="application/json")
    body = MetricHistoryResponse(metrics=[MetricPointSchema.of(m) for m in columns.to_metrics()])
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/{key:path}/records")
def get_metric_records(run_id: str, key: str, store: StoreDep) -> MetricRecordsResponse:
    return MetricRecordsResponse(
        records=[MetricRecordSchema.of(r) for r in store.get_metric_records(run_id, key)]
    )

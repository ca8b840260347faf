"""``/api/v1/runs/{run_id}/metrics``: per-metric summaries, numeric histories, structured records."""

from __future__ import annotations

from fastapi import APIRouter

from carnet.schemas import (
    MetricHistoryResponse,
    MetricInfoSchema,
    MetricInfosResponse,
    MetricPointSchema,
    MetricRecordSchema,
    MetricRecordsResponse,
)
from carnet.server.deps import StoreDep

router = APIRouter(prefix="/runs/{run_id}/metrics", tags=["metrics"])


@router.get("")
def get_metric_infos(run_id: str, store: StoreDep) -> MetricInfosResponse:
    return MetricInfosResponse(metrics=[MetricInfoSchema.of(i) for i in store.get_metric_infos(run_id)])


@router.get("/{key:path}/history")
def get_metric_history(run_id: str, key: str, store: StoreDep) -> MetricHistoryResponse:
    return MetricHistoryResponse(
        metrics=[MetricPointSchema.of(m) for m in store.get_metric_history(run_id, key)]
    )


@router.get("/{key:path}/records")
def get_metric_records(run_id: str, key: str, store: StoreDep) -> MetricRecordsResponse:
    return MetricRecordsResponse(
        records=[MetricRecordSchema.of(r) for r in store.get_metric_records(run_id, key)]
    )

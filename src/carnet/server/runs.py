"""``/api/v1/runs``: create, read, update, delete, restore, log batches, search."""

from __future__ import annotations

from fastapi import APIRouter, Response

from carnet.entities import Param, RunStatus, RunTag
from carnet.exceptions import LimitExceeded
from carnet.schemas import (
    LogBatchRequest,
    NewRunRequest,
    RunInfoResponse,
    RunInfoSchema,
    RunResponse,
    RunSchema,
    SearchRunsRequest,
    SearchRunsResponse,
    UpdateRunRequest,
    decode_payload,
    point_of,
    run_to_wire,
    to_json,
)
from carnet.server import checks
from carnet.server.deps import StoreDep
from carnet.server.routing import JSONRoute
from carnet.store.base import LogBatch, MetricDeclaration, NewRun, RecordWrite
from carnet.validation import MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MAX_BATCH_TAGS

router = APIRouter(prefix="/runs", tags=["runs"], route_class=JSONRoute)


@router.post("", status_code=201)
def create_run(body: NewRunRequest, store: StoreDep) -> RunResponse:
    checks.check_optional_name(body.run_name, "run_name")
    checks.check_tags(body.tags or {})
    checks.check_description(body.description)
    run = store.create_run(NewRun(**body.model_dump()))
    return RunResponse(run=RunSchema.of(run))


@router.post("/search", response_model=SearchRunsResponse)
def search_runs(body: SearchRunsRequest, store: StoreDep) -> Response:
    page = store.search_runs(
        body.experiment_ids, body.filter, body.view, body.max_results, body.order_by, body.page_token
    )
    answer = {"runs": [run_to_wire(r) for r in page.runs], "next_page_token": page.next_page_token}
    return Response(to_json(answer), media_type="application/json")


@router.get("/{run_id}", response_model=RunResponse)
def get_run(run_id: str, store: StoreDep) -> Response:
    return Response(to_json({"run": run_to_wire(store.get_run(run_id))}), media_type="application/json")


@router.patch("/{run_id}")
def update_run(run_id: str, body: UpdateRunRequest, store: StoreDep) -> RunInfoResponse:
    checks.check_optional_name(body.run_name, "run_name")
    if body.description is not None:
        checks.check_description(body.description)
    status = RunStatus.parse(body.status) if body.status is not None else None
    info = store.update_run(run_id, status, body.end_time, body.run_name, body.description)
    return RunInfoResponse(info=RunInfoSchema.of(info))


@router.delete("/{run_id}")
def delete_run(run_id: str, store: StoreDep) -> dict[str, str]:
    store.delete_run(run_id)
    return {}


@router.post("/{run_id}/restore")
def restore_run(run_id: str, store: StoreDep) -> dict[str, str]:
    store.restore_run(run_id)
    return {}


@router.post("/{run_id}/batches")
def log_batch(run_id: str, body: LogBatchRequest, store: StoreDep) -> dict[str, str]:
    points = len(body.metrics) + sum(len(s.steps) for s in body.series)
    if points > MAX_BATCH_METRICS:
        raise LimitExceeded(
            f"metrics: {points} points in one batch; the limit is {MAX_BATCH_METRICS} (send several batches)",
            field="metrics",
        )
    for name, items, limit in (
        ("params", body.params, MAX_BATCH_PARAMS),
        ("tags", body.tags, MAX_BATCH_TAGS),
    ):
        if len(items) > limit:
            raise LimitExceeded(
                f"{name}: {len(items)} in one batch; the limit is {limit} (send several batches)", field=name
            )
    checks.check_metric_keys(m["key"] for m in body.metrics)
    checks.check_metric_keys((s.key for s in body.series), "series")
    checks.check_metric_keys((r.key for r in body.records), "records")
    checks.check_metric_keys((d.key for d in body.declarations), "declarations")
    checks.check_params((p.key, p.value) for p in body.params)
    checks.check_tags({t.key: t.value for t in body.tags})
    batch = LogBatch(
        metrics=[point_of(m) for m in body.metrics],
        series=[s.to_entity() for s in body.series],
        params=[Param(p.key, p.value) for p in body.params],
        tags=[RunTag(t.key, t.value) for t in body.tags],
        records=[RecordWrite(r.key, r.kind, decode_payload(r.payload), r.timestamp) for r in body.records],
        declarations=[
            MetricDeclaration(d.key, d.kind, d.description, tuple(d.columns)) for d in body.declarations
        ],
        batch_id=body.batch_id,
        deleted_tags=tuple(body.deleted_tags),
    )
    store.log_batch(run_id, batch)
    return {}

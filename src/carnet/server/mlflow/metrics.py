"""``metrics/get-history`` and ``metrics/get-history-bulk-interval``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from carnet.entities import Metric
from carnet.exceptions import InvalidArgument
from carnet.search import decode_page_token, encode_page_token
from carnet.server.deps import StoreDep
from carnet.server.mlflow import convert
from carnet.server.mlflow.request import Message, Query, answer, as_int, as_list, run_id_of, text

router = APIRouter(prefix="/metrics")

HISTORY_PAGE = 25_000
BULK_MAX_RUNS = 100
BULK_MAX_RESULTS = 2500


@router.get("/get-history")
def get_history(query: Query, store: StoreDep) -> Response:
    run_id = run_id_of(query)
    key = text(query, "metric_key")
    max_results = as_int(query, "max_results", HISTORY_PAGE) or HISTORY_PAGE
    if max_results < 1:
        raise InvalidArgument("max_results must be positive", field="max_results")
    offset = decode_page_token(str(query.get("page_token") or "") or None)
    store.get_run(run_id)  # NotFound for an unknown run
    columns = store.get_metric_columns(run_id, key)
    end = offset + max_results
    page = zip(
        columns.values[offset:end].tolist(),
        columns.timestamps[offset:end].tolist(),
        columns.steps[offset:end].tolist(),
        strict=True,
    )
    out: Message = {"metrics": [{"key": key, "value": v, "timestamp": t, "step": s} for v, t, s in page]}
    if end < len(columns):
        out["next_page_token"] = encode_page_token(end)
    return answer(out)


def _sample(points: list[Metric], n: int) -> list[Metric]:
    """At most ``n`` points spread evenly over the steps, keeping the first and the last."""
    if len(points) <= n:
        return points
    if n == 1:
        return points[-1:]
    picks = sorted({round(i * (len(points) - 1) / (n - 1)) for i in range(n)})
    return [points[i] for i in picks]


@router.get("/get-history-bulk-interval")
def get_history_bulk_interval(query: Query, store: StoreDep) -> Response:
    run_ids = [str(r) for r in as_list(query.get("run_ids"))]
    if not run_ids:
        raise InvalidArgument("Missing value for required parameter 'run_ids'", field="run_ids")
    if len(run_ids) > BULK_MAX_RUNS:
        raise InvalidArgument(
            f"GetMetricHistoryBulkInterval request must specify at most {BULK_MAX_RUNS} run_ids. "
            f"Received {len(run_ids)} run_ids.",
            field="run_ids",
        )
    key = text(query, "metric_key")
    start, end = as_int(query, "start_step"), as_int(query, "end_step")
    if (start is None) != (end is None):
        raise InvalidArgument("If either start step or end step are specified, both must be specified.")
    if start is not None and end is not None and start > end:
        raise InvalidArgument("end_step must be greater than start_step.", field="end_step")
    max_results = as_int(query, "max_results", BULK_MAX_RESULTS) or BULK_MAX_RESULTS
    if not 0 < max_results <= BULK_MAX_RESULTS:
        raise InvalidArgument(f"max_results must be between 1 and {BULK_MAX_RESULTS}", field="max_results")
    out: list[Message] = []
    for run_id in run_ids:
        store.get_run(run_id)
        points = sorted(store.get_metric_history(run_id, key), key=lambda m: (m.step, m.timestamp))
        if start is not None and end is not None:
            points = [m for m in points if start <= m.step <= end]
        out.extend(convert.metric(m, run_id) for m in _sample(points, max_results))
    return answer({"metrics": out})

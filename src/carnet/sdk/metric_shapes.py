"""``get_metrics()`` shapes, as Azure ML users rely on them."""

from __future__ import annotations

from typing import Any

from carnet.entities import MetricKind
from carnet.store.base import TrackingStore


def collect_metrics(store: TrackingStore, run_id: str, name: str | None = None) -> dict[str, Any]:
    """``{name: value}`` for every metric (or the one named) of a run.

    series logged once → the value; logged more often → list in step order; list → list;
    row/table → dict of column lists (``None`` where a row lacked a column); image → the file
    name in the run, or a list of names when logged more than once.
    """
    out: dict[str, Any] = {}
    for info in store.get_metric_infos(run_id):
        if name is not None and info.name != name:
            continue
        if info.kind is MetricKind.SERIES:
            values = [m.value for m in store.get_metric_history(run_id, info.name)]
            out[info.name] = values[0] if len(values) == 1 else values
        elif info.kind is MetricKind.LIST:
            out[info.name] = [m.value for m in store.get_metric_history(run_id, info.name)]
        elif info.kind in (MetricKind.ROW, MetricKind.TABLE):
            out[info.name] = _columns(store, run_id, info.name, info.kind)
        elif info.kind is MetricKind.IMAGE:
            paths = [r.payload["path"] for r in store.get_metric_records(run_id, info.name)]
            out[info.name] = paths[0] if len(paths) == 1 else paths
    return out


def _columns(store: TrackingStore, run_id: str, name: str, kind: MetricKind) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    length = 0
    for record in store.get_metric_records(run_id, name):
        chunk: dict[str, list[Any]] = (
            {k: [v] for k, v in record.payload.items()} if kind is MetricKind.ROW else record.payload
        )
        rows = len(next(iter(chunk.values()))) if chunk else 0
        for column in chunk:
            if column not in columns:
                columns[column] = [None] * length
        for column, values in columns.items():
            values.extend(chunk.get(column, [None] * rows))
        length += rows
    return columns

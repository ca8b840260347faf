"""The write hot path: one batch of params, tags, metric points and records in one transaction.

A batch costs a fixed handful of statements whatever its size: one ``executemany`` per table,
never one statement per point, and its numeric points become one packed chunk per series.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from carnet.entities import LifecycleStage, Metric, MetricColumns, MetricKind, RunTag
from carnet.exceptions import InvalidValue, ParamConflict, RunNotActive
from carnet.store.base import LogBatch, MetricDeclaration, RecordWrite
from carnet.store.sql import runs
from carnet.store.sql.chunks import Chunk
from carnet.store.sql.models import MetricSeriesRow, ParamRow, TagRow, WriteBatchRow
from carnet.utils import now_ms


def apply_batch(session: Session, run_id: str, batch: LogBatch) -> None:
    run = runs.load_active(session, run_id)
    if batch.batch_id is not None and not _claim_batch_id(session, run.run_key, batch.batch_id):
        return  # applied before: a resend after a lost reply
    if batch.params:
        _write_params(session, run, batch.params)
    if batch.tags or batch.deleted_tags:
        _write_tags(session, run.run_key, batch.tags, batch.deleted_tags)
    if batch.metrics or batch.series or batch.records or batch.declarations:
        series = _resolve_series(session, run.run_key, batch)
        if batch.metrics or batch.series:
            _write_points(session, series, batch.metrics, batch.series)
        if batch.records:
            _write_records(session, series, batch.records)


def set_tags(session: Session, run_id: str, tags: dict[str, str], deleted: Sequence[str]) -> None:
    """Tag a run whatever its status (not a deleted one): labels are not logged by the run."""
    row = runs.load(session, run_id, for_update=True)
    if row.lifecycle_stage != LifecycleStage.ACTIVE.value:
        raise RunNotActive(f"run {run_id} is deleted: restore it before tagging it", field="run_id")
    _write_tags(session, row.run_key, [RunTag(k, v) for k, v in tags.items()], deleted)


_BATCHES = cast(Table, WriteBatchRow.__table__)
_PARAMS = cast(Table, ParamRow.__table__)
_TAGS = cast(Table, TagRow.__table__)
_SERIES = cast(Table, MetricSeriesRow.__table__)
_SERIES_COLUMNS = (
    _SERIES.c.name,
    _SERIES.c.series_id,
    _SERIES.c.kind,
    _SERIES.c.count,
    _SERIES.c.last_step,
    _SERIES.c.last_timestamp,
    _SERIES.c.last_value,
    _SERIES.c.columns,
    _SERIES.c.description,
)


def _claim_batch_id(session: Session, run_key: int, batch_id: str) -> bool:
    conn = session.connection()
    exists = conn.execute(
        select(_BATCHES.c.batch_id).where(_BATCHES.c.run_key == run_key, _BATCHES.c.batch_id == batch_id)
    ).first()
    if exists is not None:
        return False
    conn.execute(insert(_BATCHES), {"run_key": run_key, "batch_id": batch_id, "applied_time": now_ms()})
    return True


def _write_params(session: Session, run: runs.ActiveRun, params: Sequence[Any]) -> None:
    wanted: dict[str, str] = {}
    for param in params:
        seen = wanted.setdefault(param.key, param.value)
        if seen != param.value:
            raise ParamConflict(
                f"param {param.key!r} appears twice in one batch with different values "
                f"({seen!r} and {param.value!r})",
                field=f"params.{param.key}",
            )
    conn = session.connection()
    stored = dict(
        conn.execute(
            select(_PARAMS.c.key, _PARAMS.c.value).where(
                _PARAMS.c.run_key == run.run_key, _PARAMS.c.key.in_(list(wanted))
            )
        ).all()
    )
    for key, value in wanted.items():
        if key in stored and stored[key] != value:
            raise ParamConflict(
                f"param {key!r} of run {run.run_id} is {stored[key]!r} already "
                f"and cannot change to {value!r}: "
                "params are immutable; log the new value under another name or in a new run",
                field=f"params.{key}",
            )
    new = [{"run_key": run.run_key, "key": k, "value": v} for k, v in wanted.items() if k not in stored]
    if new:
        conn.execute(insert(_PARAMS), new)


def _write_tags(session: Session, run_key: int, tags: Sequence[Any], deleted: Sequence[str]) -> None:
    latest = {tag.key: tag.value for tag in tags}  # the last value of a key in a batch wins
    keys = list(latest) + [k for k in deleted if k not in latest]
    conn = session.connection()
    if keys:
        conn.execute(delete(_TAGS).where(_TAGS.c.run_key == run_key, _TAGS.c.key.in_(keys)))
    if latest:
        conn.execute(insert(_TAGS), [{"run_key": run_key, "key": k, "value": v} for k, v in latest.items()])


class _Series:
    """A metric series row, as the batch sees it while it writes."""

    __slots__ = ("columns", "count", "kind", "last_step", "last_timestamp", "last_value", "series_id")

    def __init__(self, row: Any) -> None:  # a row of _SERIES_COLUMNS
        _name, self.series_id, kind, self.count, self.last_step, self.last_timestamp, self.last_value = row[
            :7
        ]
        self.kind = MetricKind(kind)
        self.columns: list[str] = json.loads(row[7]) if row[7] else []


def _resolve_series(session: Session, run_key: int, batch: LogBatch) -> dict[str, _Series]:
    """Find or create the series every metric of the batch writes to; check that kinds agree."""
    wanted: dict[str, MetricDeclaration] = {}
    for decl in batch.declarations:
        wanted[decl.key] = decl
    for record in batch.records:
        wanted.setdefault(record.key, MetricDeclaration(record.key, record.kind))
    # Undeclared points default to a series but may extend any numeric metric (a list too).
    # dict.fromkeys, not a set: new series are created in first-logged order.
    numeric_keys = [metric.key for metric in batch.metrics] + [c.key for c in batch.series]
    implied = set(numeric_keys) - wanted.keys()
    for key in dict.fromkeys(numeric_keys):
        wanted.setdefault(key, MetricDeclaration(key, MetricKind.SERIES))

    conn = session.connection()
    stmt = select(*_SERIES_COLUMNS).where(_SERIES.c.run_key == run_key, _SERIES.c.name.in_(list(wanted)))
    existing = {row[0]: row for row in conn.execute(stmt)}
    missing = [decl for name, decl in wanted.items() if name not in existing]
    if missing:
        conn.execute(
            insert(_SERIES),
            [
                {
                    "run_key": run_key,
                    "name": d.key,
                    "kind": d.kind.value,
                    "description": d.description,
                    "count": 0,
                    "columns": json.dumps(list(d.columns)) if d.columns else None,
                }
                for d in missing
            ],
        )
        stmt = select(*_SERIES_COLUMNS).where(
            _SERIES.c.run_key == run_key, _SERIES.c.name.in_([d.key for d in missing])
        )
        existing.update({row[0]: row for row in conn.execute(stmt)})
    series: dict[str, _Series] = {}
    described = []
    for name, decl in wanted.items():
        row = existing[name]
        s = _Series(row)
        if s.kind is not decl.kind and not (name in implied and s.kind.is_numeric):
            raise InvalidValue(
                f"metric {name!r} was first logged as a {s.kind.value} and cannot be logged as a "
                f"{decl.kind.value}; use another name",
                field=f"metrics.{name}",
            )
        if decl.description and not row[8]:
            described.append({"sid": s.series_id, "description": decl.description})
        series[name] = s
    if described:
        conn.execute(
            update(_SERIES)
            .where(_SERIES.c.series_id == bindparam("sid"))
            .values(description=bindparam("description")),
            described,
        )
    for record in batch.records:
        if record.kind is not series[record.key].kind:
            raise InvalidValue(
                f"metric {record.key!r} is a {series[record.key].kind.value}, not a {record.kind.value}",
                field=f"metrics.{record.key}",
            )
    return series


def _write_points(
    session: Session,
    series: dict[str, _Series],
    metrics: Sequence[Metric],
    given: Sequence[MetricColumns] = (),
) -> None:
    # Group the batch's points by series, then write one chunk row per series.
    grouped: dict[str, list[Chunk]] = {}
    lists: dict[str, tuple[list[int], list[int], list[float]]] = {}
    for key, value, timestamp, step in metrics:
        columns = lists.get(key)
        if columns is None:
            columns = lists[key] = ([], [], [])
        columns[0].append(step)
        columns[1].append(timestamp)
        columns[2].append(value)
    for key, (steps, timestamps, values) in lists.items():
        grouped.setdefault(key, []).append(Chunk.pack(key, steps, timestamps, values))
    for arrays in given:
        if len(arrays):
            grouped.setdefault(arrays.key, []).append(
                Chunk.pack(arrays.key, arrays.steps, arrays.timestamps, arrays.values)
            )
    rows = []
    updates = []
    for key, parts in grouped.items():
        s = series[key]
        if not s.kind.is_numeric:
            raise InvalidValue(f"metric {key!r} is a {s.kind.value}; it takes no numeric points", field=key)
        chunk = parts[0] if len(parts) == 1 else Chunk.join(parts)
        rows.append(
            (
                s.series_id,
                s.count,
                chunk.n,
                chunk.min_step,
                chunk.max_step,
                chunk.step_data,
                chunk.timestamp_data,
                chunk.value_data,
            )
        )
        s.count += chunk.n
        step, timestamp, value = chunk.last
        if s.last_step is None or (step, timestamp) >= (s.last_step, s.last_timestamp or 0):
            s.last_step, s.last_timestamp, s.last_value = step, timestamp, value
        # metric_series.last_value is a REAL column that search compares: NaN goes in as NULL.
        last = None if s.last_value is None or math.isnan(s.last_value) else s.last_value
        updates.append((s.count, last, s.last_step, s.last_timestamp, s.series_id))
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        "INSERT INTO metric_chunks (series_id, seq, n, min_step, max_step, step_data, timestamp_data, "
        f"value_data) VALUES ({', '.join([marker] * 8)})",
        rows,
    )
    conn.exec_driver_sql(
        f"UPDATE metric_series SET count = {marker}, last_value = {marker}, last_step = {marker}, "
        f"last_timestamp = {marker} WHERE series_id = {marker}",
        updates,
    )


def _write_records(session: Session, series: dict[str, _Series], records: Sequence[RecordWrite]) -> None:
    rows = []
    touched: set[str] = set()
    for record in records:
        s = series[record.key]
        rows.append((s.series_id, s.count, record.timestamp, json.dumps(record.payload, allow_nan=True)))
        s.count += 1
        touched.add(record.key)
        if isinstance(record.payload, dict) and record.kind in (MetricKind.ROW, MetricKind.TABLE):
            s.columns.extend(c for c in record.payload if c not in s.columns)
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO metric_records (series_id, seq, timestamp, payload) VALUES ({marker}, {marker}, "
        f"{marker}, {marker})",
        rows,
    )
    conn.exec_driver_sql(
        f"UPDATE metric_series SET count = {marker}, columns = {marker} WHERE series_id = {marker}",
        [
            (
                series[k].count,
                json.dumps(series[k].columns) if series[k].columns else None,
                series[k].series_id,
            )
            for k in touched
        ],
    )

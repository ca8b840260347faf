"""Reading metrics back: long numeric series, per-metric summaries and structured records."""

from __future__ import annotations

import gc
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from carnet.entities import Metric, MetricInfo, MetricKind, MetricRecord
from carnet.store.sql.models import MetricRecordRow, MetricSeriesRow

_NAN = float("nan")


def _series_id(session: Session, run_key: int, key: str) -> int | None:
    return session.scalar(
        select(MetricSeriesRow.series_id).where(
            MetricSeriesRow.run_key == run_key, MetricSeriesRow.name == key
        )
    )


def history(session: Session, run_key: int, key: str) -> list[Metric]:
    """Every point, ordered by step and then logging order (the order the index keeps them in)."""
    series_id = _series_id(session, run_key, key)
    if series_id is None:
        return []
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    # The DB-API cursor directly: SQLAlchemy's result layer costs as much as the fetch itself on a
    # million rows. Rows come back in Metric's field order, so each becomes a Metric as it is; the
    # collector is paused because a million new tuples would trigger it again and again.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        cursor.execute(
            f"SELECT {marker}, value, timestamp, step FROM metric_points "
            f"WHERE series_id = {marker} ORDER BY step, point_id",
            (key, series_id),
        )
        points = list(map(Metric._make, cursor.fetchall()))
    finally:
        cursor.close()
        if gc_was_enabled:
            gc.enable()
    if any(p[1] is None for p in points):  # NaN is stored as NULL
        points = [p if p.value is not None else p._replace(value=_NAN) for p in points]
    return points


def infos(session: Session, run_key: int) -> list[MetricInfo]:
    rows = session.scalars(
        select(MetricSeriesRow).where(MetricSeriesRow.run_key == run_key).order_by(MetricSeriesRow.series_id)
    )
    return [
        MetricInfo(
            name=row.name,
            kind=MetricKind(row.kind),
            description=row.description,
            count=row.count,
            last_value=(_NAN if row.last_value is None else row.last_value)
            if row.last_step is not None
            else None,
            last_step=row.last_step,
            last_timestamp=row.last_timestamp,
        )
        for row in rows
    ]


def records(session: Session, run_key: int, key: str) -> list[MetricRecord]:
    row = session.scalar(
        select(MetricSeriesRow).where(MetricSeriesRow.run_key == run_key, MetricSeriesRow.name == key)
    )
    if row is None:
        return []
    kind = MetricKind(row.kind)
    stmt = (
        select(MetricRecordRow)
        .where(MetricRecordRow.series_id == row.series_id)
        .order_by(MetricRecordRow.seq)
    )
    return [
        MetricRecord(name=key, kind=kind, seq=r.seq, payload=json.loads(r.payload), timestamp=r.timestamp)
        for r in session.scalars(stmt)
    ]

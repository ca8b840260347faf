"""Reading metrics back: long numeric series, per-metric summaries and structured records."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from carnet.entities import Metric, MetricColumns, MetricInfo, MetricKind, MetricRecord
from carnet.store.sql import chunks
from carnet.store.sql.models import MetricRecordRow, MetricSeriesRow

_NAN = float("nan")


def _series_id(session: Session, run_key: int, key: str) -> int | None:
    return session.scalar(
        select(MetricSeriesRow.series_id).where(
            MetricSeriesRow.run_key == run_key, MetricSeriesRow.name == key
        )
    )


def columns(session: Session, run_key: int, key: str) -> MetricColumns:
    """Every point, ordered by step and then logging order."""
    series_id = _series_id(session, run_key, key)
    if series_id is None:
        return MetricColumns.empty(key)
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    # The DB-API cursor directly: a long history is hundreds of blobs, and SQLAlchemy's result
    # layer would cost more than the fetch.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            "SELECT step_data, timestamp_data, value_data FROM metric_chunks "
            f"WHERE series_id = {marker} ORDER BY seq",
            (series_id,),
        )
        return chunks.decode(key, cursor.fetchall())
    finally:
        cursor.close()


def history(session: Session, run_key: int, key: str) -> list[Metric]:
    return columns(session, run_key, key).to_metrics()


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

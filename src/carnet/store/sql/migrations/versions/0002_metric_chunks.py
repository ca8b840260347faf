"""Numeric points stored as packed chunks (one row per series per logged batch).

Existing points move over series by series, in chunks of at most 10,000 points in their stored
order (step, then logging order); NULL values (how NaN was stored) become NaN again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import math

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CHUNK = 10_000
_CHUNK_COLUMNS = (
    "series_id",
    "seq",
    "n",
    "min_step",
    "max_step",
    "step_data",
    "timestamp_data",
    "value_data",
)


def upgrade() -> None:
    op.create_table(
        "metric_chunks",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("min_step", sa.BigInteger(), nullable=False),
        sa.Column("max_step", sa.BigInteger(), nullable=False),
        sa.Column("step_data", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp_data", sa.LargeBinary(), nullable=False),
        sa.Column("value_data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("series_id", "seq", name="pk_metric_chunks"),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["metric_series.series_id"],
            name="fk_metric_chunks_series_id_metric_series",
            ondelete="CASCADE",
        ),
    )
    _move_points()
    op.drop_index("ix_metric_points_series_step", table_name="metric_points")
    op.drop_table("metric_points")


def _move_points() -> None:
    bind = op.get_bind()
    chunks = sa.table(
        "metric_chunks",
        *(sa.column(name) for name in _CHUNK_COLUMNS),
    )
    series_ids = [
        row[0] for row in bind.execute(sa.text("SELECT DISTINCT series_id FROM metric_points")).all()
    ]
    for series_id in series_ids:
        points = bind.execute(
            sa.text(
                "SELECT step, timestamp, value FROM metric_points WHERE series_id = :s "
                "ORDER BY step, point_id"
            ),
            {"s": series_id},
        ).all()
        rows = []
        for start in range(0, len(points), _CHUNK):
            part = points[start : start + _CHUNK]
            steps = np.array([p[0] for p in part], dtype="<i8")
            stamps = np.array([p[1] for p in part], dtype="<i8")
            values = np.array([math.nan if p[2] is None else p[2] for p in part], dtype="<f8")
            rows.append(
                {
                    "series_id": series_id,
                    "seq": start,
                    "n": len(part),
                    "min_step": int(steps.min()),
                    "max_step": int(steps.max()),
                    "step_data": steps.tobytes(),
                    "timestamp_data": stamps.tobytes(),
                    "value_data": values.tobytes(),
                }
            )
        bind.execute(sa.insert(chunks), rows)


def downgrade() -> None:
    op.create_table(
        "metric_points",
        sa.Column("point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=True),
        sa.PrimaryKeyConstraint("point_id", name="pk_metric_points"),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["metric_series.series_id"],
            name="fk_metric_points_series_id_metric_series",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_metric_points_series_step", "metric_points", ["series_id", "step"])
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT series_id, step_data, timestamp_data, value_data FROM metric_chunks "
            "ORDER BY series_id, seq"
        )
    ).all()
    points = sa.table(
        "metric_points", sa.column("series_id"), sa.column("step"), sa.column("timestamp"), sa.column("value")
    )
    for series_id, step_data, timestamp_data, value_data in rows:
        steps = np.frombuffer(step_data, "<i8").tolist()
        stamps = np.frombuffer(timestamp_data, "<i8").tolist()
        values = np.frombuffer(value_data, "<f8").tolist()
        bind.execute(
            sa.insert(points),
            [
                {"series_id": series_id, "step": s, "timestamp": t, "value": None if math.isnan(v) else v}
                for s, t, v in zip(steps, stamps, values, strict=True)
            ],
        )
    op.drop_table("metric_chunks")

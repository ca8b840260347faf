"""Tracking core: experiments, runs, params, tags, metric series, points and records.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _bigint() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _bigint_pk() -> sa.types.TypeEngine[int]:
    # SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a bigserial.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _create_value_indexes(table: str) -> None:
    # PostgreSQL limits a B-tree entry to ~2.7 kB and values may be longer: hash the value there.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(f"ix_{table}_key_run", table, ["key", "run_key"])
        op.create_index(f"ix_{table}_value_hash", table, ["value"], postgresql_using="hash")
    else:
        op.create_index(f"ix_{table}_key_value", table, ["key", "value", "run_key"])


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("artifact_location", sa.Text(), nullable=False),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("creation_time", sa.BigInteger(), nullable=False),
        sa.Column("last_update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", name="pk_experiments"),
        sa.UniqueConstraint("name", name="uq_experiments_name"),
    )
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", "key", name="pk_experiment_tags"),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name="fk_experiment_tags_experiment_id_experiments",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "runs",
        sa.Column("run_key", _bigint_pk(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("run_name", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("parent_run_id", sa.String(32), nullable=True),
        sa.Column("source_type", sa.String(20), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.Column("git_dirty", sa.Boolean(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_key", name="pk_runs"),
        sa.UniqueConstraint("run_id", name="uq_runs_run_id"),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name="fk_runs_experiment_id_experiments",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time"])
    op.create_index("ix_runs_parent", "runs", ["parent_run_id"])
    for table, value_type in (("params", sa.String(6000)), ("tags", sa.Text())):
        op.create_table(
            table,
            sa.Column("run_key", _bigint(), nullable=False),
            sa.Column("key", sa.String(250), nullable=False),
            sa.Column("value", value_type, nullable=False),
            sa.PrimaryKeyConstraint("run_key", "key", name=f"pk_{table}"),
            sa.ForeignKeyConstraint(
                ["run_key"], ["runs.run_key"], name=f"fk_{table}_run_key_runs", ondelete="CASCADE"
            ),
        )
        _create_value_indexes(table)
    op.create_table(
        "metric_series",
        sa.Column("series_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_key", _bigint(), nullable=False),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("last_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("columns", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("series_id", name="pk_metric_series"),
        sa.UniqueConstraint("run_key", "name", name="uq_metric_series_run_key_name"),
        sa.ForeignKeyConstraint(
            ["run_key"], ["runs.run_key"], name="fk_metric_series_run_key_runs", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_metric_series_name_last_value", "metric_series", ["name", "last_value", "run_key"])
    op.create_table(
        "metric_points",
        sa.Column("point_id", _bigint_pk(), primary_key=True, autoincrement=True),
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
    op.create_table(
        "metric_records",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("series_id", "seq", name="pk_metric_records"),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["metric_series.series_id"],
            name="fk_metric_records_series_id_metric_series",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "write_batches",
        sa.Column("run_key", _bigint(), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("applied_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_key", "batch_id", name="pk_write_batches"),
        sa.ForeignKeyConstraint(
            ["run_key"], ["runs.run_key"], name="fk_write_batches_run_key_runs", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    for table in (
        "write_batches",
        "metric_records",
        "metric_points",
        "metric_series",
        "tags",
        "params",
        "runs",
        "experiment_tags",
        "experiments",
    ):
        op.drop_table(table)

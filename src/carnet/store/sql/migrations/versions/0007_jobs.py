"""Jobs: compute targets, the job queue (one job per run) and the jobs' output.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _bigint() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "compute_targets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("max_concurrent_jobs", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_compute_targets"),
    )
    op.create_table(
        "jobs",
        sa.Column("run_key", _bigint(), nullable=False),
        sa.Column("compute", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("environment_kind", sa.String(16), nullable=False),
        sa.Column("environment", sa.Text(), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=True),
        sa.Column("running_time", sa.BigInteger(), nullable=True),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("heartbeat_time", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("run_key", name="pk_jobs"),
        sa.ForeignKeyConstraint(
            ["run_key"], ["runs.run_key"], name="fk_jobs_run_key_runs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["compute"], ["compute_targets.name"], name="fk_jobs_compute_compute_targets", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_jobs_status_compute_created", "jobs", ["status", "compute", "created_time"])
    op.create_index("ix_jobs_created", "jobs", ["created_time"])
    op.create_table(
        "job_logs",
        sa.Column("run_key", _bigint(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_key", "seq", name="pk_job_logs"),
        sa.ForeignKeyConstraint(
            ["run_key"], ["jobs.run_key"], name="fk_job_logs_run_key_jobs", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("job_logs")
    op.drop_index("ix_jobs_created", table_name="jobs")
    op.drop_index("ix_jobs_status_compute_created", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("compute_targets")

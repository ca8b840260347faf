"""Logged models (MLflow 3's ``log_model``): models, their tags and params, and run outputs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _bigint() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _model_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["model_id"],
        ["logged_models.model_id"],
        name=f"fk_{table}_model_id_logged_models",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(34), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("artifact_location", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("creator_id", sa.String(256), nullable=False),
        sa.Column("model_type", sa.String(256), nullable=False),
        sa.Column("source_run_id", sa.String(32), nullable=True),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("creation_timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", name="pk_logged_models"),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name="fk_logged_models_experiment_id_experiments",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_logged_models_experiment_created", "logged_models", ["experiment_id", "creation_timestamp_ms"]
    )
    for table, value_type in (("logged_model_tags", sa.Text()), ("logged_model_params", sa.String(6000))):
        op.create_table(
            table,
            sa.Column("model_id", sa.String(34), nullable=False),
            sa.Column("key", sa.String(250), nullable=False),
            sa.Column("value", value_type, nullable=False),
            sa.PrimaryKeyConstraint("model_id", "key", name=f"pk_{table}"),
            _model_fk(table),
        )
    op.create_table(
        "run_outputs",
        sa.Column("run_key", _bigint(), nullable=False),
        sa.Column("model_id", sa.String(34), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_key", "model_id", name="pk_run_outputs"),
        sa.ForeignKeyConstraint(
            ["run_key"], ["runs.run_key"], name="fk_run_outputs_run_key_runs", ondelete="CASCADE"
        ),
        _model_fk("run_outputs"),
    )
    op.create_index("ix_run_outputs_model_id", "run_outputs", ["model_id"])


def downgrade() -> None:
    op.drop_index("ix_run_outputs_model_id", table_name="run_outputs")
    op.drop_table("run_outputs")
    op.drop_table("logged_model_params")
    op.drop_table("logged_model_tags")
    op.drop_index("ix_logged_models_experiment_created", table_name="logged_models")
    op.drop_table("logged_models")

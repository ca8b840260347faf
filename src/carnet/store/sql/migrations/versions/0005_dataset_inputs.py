"""Dataset inputs (MLflow's ``log_input``): the datasets of an experiment, the datasets each run
logged as inputs, and the inputs' tags.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _bigint() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("dataset_key", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(36), nullable=False),
        sa.Column("source_type", sa.String(36), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("schema", sa.Text(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("dataset_key", name="pk_datasets"),
        sa.UniqueConstraint("experiment_id", "name", "digest", name="uq_datasets_experiment_id_name_digest"),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name="fk_datasets_experiment_id_experiments",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "run_inputs",
        sa.Column("input_key", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_key", _bigint(), nullable=False),
        sa.Column("dataset_key", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("input_key", name="pk_run_inputs"),
        sa.UniqueConstraint("run_key", "dataset_key", name="uq_run_inputs_run_key_dataset_key"),
        sa.ForeignKeyConstraint(
            ["run_key"], ["runs.run_key"], name="fk_run_inputs_run_key_runs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["dataset_key"],
            ["datasets.dataset_key"],
            name="fk_run_inputs_dataset_key_datasets",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_run_inputs_dataset_key", "run_inputs", ["dataset_key"])
    op.create_table(
        "run_input_tags",
        sa.Column("input_key", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("input_key", "key", name="pk_run_input_tags"),
        sa.ForeignKeyConstraint(
            ["input_key"],
            ["run_inputs.input_key"],
            name="fk_run_input_tags_input_key_run_inputs",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("run_input_tags")
    op.drop_index("ix_run_inputs_dataset_key", table_name="run_inputs")
    op.drop_table("run_inputs")
    op.drop_table("datasets")

"""Managed scoring endpoints: the endpoints and the deployments behind each.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "endpoints",
        sa.Column("endpoint_key", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("endpoint_key", name="pk_endpoints"),
        sa.UniqueConstraint("name", name="uq_endpoints_name"),
    )
    op.create_table(
        "endpoint_deployments",
        sa.Column("endpoint_key", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("model_uri", sa.Text(), nullable=False),
        sa.Column("traffic", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("resolved_uri", sa.Text(), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("endpoint_key", "name", name="pk_endpoint_deployments"),
        sa.ForeignKeyConstraint(
            ["endpoint_key"],
            ["endpoints.endpoint_key"],
            name="fk_endpoint_deployments_endpoint_key_endpoints",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("endpoint_deployments")
    op.drop_table("endpoints")

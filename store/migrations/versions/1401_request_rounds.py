"""every round of a request kept: its terms and chain in request_round

Each existing request gets the row of its current round, from the request
itself; the terms of rounds superseded before this revision were not kept and
stay unknown (their decisions are kept in `decision`).

Revision ID: 1401_request_rounds
Revises: 1201_claim_lease_anchor
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "1401_request_rounds"
down_revision = "1201_claim_lease_anchor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("payee", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("chain", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "round"),
    )
    with op.batch_alter_table("request_round", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_round_request_id"), ["request_id"], unique=False
        )
    op.execute(
        "INSERT INTO request_round "
        "(request_id, round, amount, payee, purpose, category, documents, chain, submitted_at) "
        "SELECT id, round, amount, payee, purpose, category, documents, chain, submitted_at "
        "FROM request"
    )


def downgrade() -> None:
    with op.batch_alter_table("request_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_round_request_id"))
    op.drop_table("request_round")

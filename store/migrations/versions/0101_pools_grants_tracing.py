"""pools, allocations, grants and source tracing (tables of store.pools)

Revision ID: 0101
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0101"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("pool", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("community", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("proposed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("booked_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("booked_on", sa.Date(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_allocation_community"), ["community"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_street"), ["street"], unique=False)

    op.create_table(
        "grant_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("enterprise", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("fund", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("agreement", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("awarded_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("refund", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("grant_award", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_award_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_grant_award_enterprise"), ["enterprise"], unique=False)

    op.create_table(
        "pledge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("fund", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("income", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("pledged_on", sa.Date(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("receipt_no", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("bank_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("received_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pledge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_pledge_department"), ["department"], unique=False)

    op.create_table(
        "trace_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trace_lot", schema=None) as batch_op:
        batch_op.create_index("ix_trace_lot_fund", ["fund"], unique=False)

    op.create_table(
        "trace_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("fund", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("payee", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trace_part", schema=None) as batch_op:
        batch_op.create_index("ix_trace_part_ref", ["ref"], unique=False)
        batch_op.create_index("ix_trace_part_source", ["source"], unique=False)

    op.create_table(
        "trace_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("fund", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("origin"),
    )
    op.create_table(
        "trace_seed",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "grant_tranche",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("milestone", sa.Text(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("released_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("bank_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grant_award.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("grant_id", "number"),
    )
    with op.batch_alter_table("grant_tranche", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_tranche_grant_id"), ["grant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grant_tranche", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_tranche_grant_id"))

    op.drop_table("grant_tranche")
    op.drop_table("trace_seed")
    op.drop_table("trace_receipt")
    with op.batch_alter_table("trace_part", schema=None) as batch_op:
        batch_op.drop_index("ix_trace_part_source")
        batch_op.drop_index("ix_trace_part_ref")

    op.drop_table("trace_part")
    with op.batch_alter_table("trace_lot", schema=None) as batch_op:
        batch_op.drop_index("ix_trace_lot_fund")

    op.drop_table("trace_lot")
    with op.batch_alter_table("pledge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_department"))
        batch_op.drop_index(batch_op.f("ix_pledge_code"))

    op.drop_table("pledge")
    with op.batch_alter_table("grant_award", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_award_enterprise"))
        batch_op.drop_index(batch_op.f("ix_grant_award_code"))

    op.drop_table("grant_award")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_street"))
        batch_op.drop_index(batch_op.f("ix_allocation_status"))
        batch_op.drop_index(batch_op.f("ix_allocation_community"))
        batch_op.drop_index(batch_op.f("ix_allocation_code"))

    op.drop_table("allocation")

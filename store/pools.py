"""SQLModel tables of the pooled funds' workflow: pledges, allocations, grants, tracing.

Workflow state only; the book stays the book of record. The tracing tables
hold the lots of `funds.tracing` (what each source still has in each traced
fund) so that attributions are computed inside one database session, under
the fund's lock, by whichever worker books the movement; each attribution is
also written into the book's metadata. Created by migration 0101.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.tables import utcnow


def _money() -> Column[Decimal]:
    return Column(Numeric(18, 2), nullable=False)


def _moment(*, nullable: bool = False) -> Column[datetime.datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Pledge(SQLModel, table=True):
    """A department's pledge to a pool: a receivable until the money arrives."""

    __tablename__ = "pledge"

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=20, unique=True, index=True)
    fund: str = Field(max_length=40)
    department: str = Field(max_length=40, index=True)
    amount: Decimal = Field(sa_column=_money())
    income: str = Field(max_length=20)
    pledged_on: datetime.date
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=20)  # pledged, received
    recorded_by: str = Field(max_length=200)
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    received_on: datetime.date | None = None
    receipt_no: str | None = Field(default=None, max_length=100)
    bank_reference: str | None = Field(default=None, max_length=100)
    received_by: str | None = Field(default=None, max_length=200)


class Allocation(SQLModel, table=True):
    """A street's proposal to give part of a pool to one of its communities."""

    __tablename__ = "allocation"

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=20, unique=True, index=True)
    pool: str = Field(max_length=40)
    community: str = Field(max_length=40, index=True)
    street: str = Field(max_length=40, index=True)
    target: str = Field(max_length=40)
    amount: Decimal = Field(sa_column=_money())
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=20, index=True)  # pending, approved, rejected, booked
    proposed_by: str = Field(max_length=200)
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    updated_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime.datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    decision: str | None = Field(default=None, max_length=10)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    booked_by: str | None = Field(default=None, max_length=200)
    booked_on: datetime.date | None = None
    # JSON object {source: "amount"} once booked.
    sources: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class GrantRow(SQLModel, table=True):
    """An awarded grant to a social-enterprise project."""

    __tablename__ = "grant_award"

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=20, unique=True, index=True)
    enterprise: str = Field(max_length=40, index=True)
    project: str = Field(sa_column=Column(Text, nullable=False))
    fund: str = Field(max_length=40)
    agreement: str = Field(max_length=100)
    total: Decimal = Field(sa_column=_money())
    status: str = Field(max_length=20)  # active, closed, cancelled
    awarded_by: str = Field(max_length=200)
    awarded_on: datetime.date
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    ended_by: str | None = Field(default=None, max_length=200)
    ended_on: datetime.date | None = None
    refund: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 2), nullable=True))


class TrancheRow(SQLModel, table=True):
    """One tranche of a grant; `state` follows `funds.grants.TrancheState`."""

    __tablename__ = "grant_tranche"
    __table_args__ = (UniqueConstraint("grant_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="grant_award.id", index=True)
    number: int
    amount: Decimal = Field(sa_column=_money())
    due: datetime.date
    milestone: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(max_length=20)
    report: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reported_at: datetime.datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    accepted_by: str | None = Field(default=None, max_length=200)
    released_by: str | None = Field(default=None, max_length=200)
    released_at: datetime.datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    paid_by: str | None = Field(default=None, max_length=200)
    paid_on: datetime.date | None = None
    bank_reference: str | None = Field(default=None, max_length=100)


class TraceReceipt(SQLModel, table=True):
    """Money received into a traced fund: the origin of a lot (once per book entry)."""

    __tablename__ = "trace_receipt"

    id: int | None = Field(default=None, primary_key=True)
    origin: str = Field(max_length=80, unique=True)  # the receipt's fb_id (or book position)
    fund: str = Field(max_length=40)
    source: str = Field(max_length=40)
    amount: Decimal = Field(sa_column=_money())
    received_on: datetime.date


class TraceLot(SQLModel, table=True):
    """What is left of a receipt in one traced fund (pieces move with allocations)."""

    __tablename__ = "trace_lot"
    __table_args__ = (Index("ix_trace_lot_fund", "fund"),)

    id: int | None = Field(default=None, primary_key=True)
    fund: str = Field(max_length=40)
    seq: int  # the TraceReceipt's id: the order of receipt within a date
    source: str = Field(max_length=40)
    received_on: datetime.date
    amount: Decimal = Field(sa_column=_money())


class TracePart(SQLModel, table=True):
    """One source's part of an allocation or a payment out of a traced fund."""

    __tablename__ = "trace_part"
    __table_args__ = (Index("ix_trace_part_source", "source"), Index("ix_trace_part_ref", "ref"))

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # allocation, payment
    ref: str = Field(max_length=40)  # A000007, R000042, G000003-T2
    fund: str = Field(max_length=40)
    target: str | None = Field(default=None, max_length=40)
    source: str = Field(max_length=40)
    amount: Decimal = Field(sa_column=_money())
    booked_on: datetime.date
    payee: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class TraceSeed(SQLModel, table=True):
    """What seeding from the book's history found, once: a row per name.

    "book" marks that the tracing tables were seeded (value: receipts read);
    "max-A", "max-G", "max-P" hold the highest allocation, grant and pledge
    numbers already in the book, so that new codes never reuse one.
    """

    __tablename__ = "trace_seed"

    name: str = Field(primary_key=True, max_length=40)
    seeded_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    value: int = 0

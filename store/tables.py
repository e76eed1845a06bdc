"""SQLModel tables of the workflow database.

Money columns are `Numeric(18, 2)` and read back as `Decimal`. Timestamps are
stored as timezone-aware UTC values. Every change of schema goes through an
Alembic migration in `store/migrations/versions`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _money() -> Column[Decimal]:
    return Column(Numeric(18, 2), nullable=False)


def _moment(*, nullable: bool = False) -> Column[datetime.datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Token(SQLModel, table=True):
    """An API token: only the sha256 of the secret is kept."""

    __tablename__ = "token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=32)
    org: str | None = Field(default=None, max_length=40)
    name: str = Field(max_length=200)
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    revoked: bool = Field(default=False)
    # After this moment the token is refused (None: it does not expire).
    expires_at: datetime.datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    revoked_at: datetime.datetime | None = Field(default=None, sa_column=_moment(nullable=True))


class AccessLog(SQLModel, table=True):
    """One use of a token: who, in which role, on which route, with what answer.

    It keeps neither the token nor any body, query or path value: the route is
    its template (`/v1/disbursements/{code}`).
    """

    __tablename__ = "access_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    token_id: int | None = Field(default=None, index=True)
    person: str = Field(max_length=200, index=True)
    role: str = Field(max_length=32)
    org: str | None = Field(default=None, max_length=40)
    method: str = Field(max_length=10)
    route: str = Field(max_length=200)
    status: int


class FundState(SQLModel, table=True):
    """One row per fund: what check-and-hold locks (SELECT ... FOR UPDATE)."""

    __tablename__ = "fund_state"

    fund: str = Field(primary_key=True, max_length=40)
    version: int = Field(default=0)


class Request(SQLModel, table=True):
    """A disbursement request and its current state.

    While `status` is pending or returned the amount is held against the fund.
    """

    __tablename__ = "request"
    __table_args__ = (Index("ix_request_fund_status", "fund", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=20, unique=True, index=True)
    fund: str = Field(max_length=40)
    amount: Decimal = Field(sa_column=_money())
    payee: str = Field(sa_column=Column(Text, nullable=False))
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    category: str | None = Field(default=None, max_length=100)
    documents: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=20)
    requested_by: str = Field(max_length=200)
    requested_org: str | None = Field(default=None, max_length=40)
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    submitted_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    updated_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    round: int = Field(default=1)
    # JSON list of {role, org}: the resolved approval chain of the current round.
    chain: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    ledger_entries: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    paid_on: datetime.date | None = None
    bank_reference: str | None = Field(default=None, max_length=100)
    void_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class RequestRound(SQLModel, table=True):
    """One submission of a request: what it asked for and the chain it climbed.

    A resubmission adds the next round; a round is never changed afterwards,
    so a request's earlier terms survive every return and resubmission.
    """

    __tablename__ = "request_round"
    __table_args__ = (UniqueConstraint("request_id", "round"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    round: int
    amount: Decimal = Field(sa_column=_money())
    payee: str = Field(sa_column=Column(Text, nullable=False))
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    category: str | None = Field(default=None, max_length=100)
    documents: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    # JSON list of {role, org}: the round's resolved approval chain.
    chain: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    submitted_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())


class Decision(SQLModel, table=True):
    """One decision on one step of one round of a request's approval chain."""

    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("request_id", "round", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    round: int
    step: int
    role: str = Field(max_length=32)
    org: str = Field(max_length=40)
    decision: str = Field(max_length=10)
    by: str = Field(max_length=200)
    at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))


class Contribution(SQLModel, table=True):
    """Money received into a fund, as recorded by an accountant."""

    __tablename__ = "contribution"

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=20, unique=True, index=True)
    fund: str = Field(max_length=40)
    amount: Decimal = Field(sa_column=_money())
    source_kind: str = Field(max_length=20)
    source_org: str | None = Field(default=None, max_length=40)
    source_name: str = Field(sa_column=Column(Text, nullable=False))
    income: str = Field(max_length=20)
    received_on: datetime.date
    receipt_no: str | None = Field(default=None, max_length=100)
    recorded_by: str = Field(max_length=200)
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    fb_id: str = Field(max_length=60)


class Outbox(SQLModel, table=True):
    """A posting on its way to the book.

    Written in the same session as the state change it records; delivered by
    the writer's `append_missing` (so exactly once) and then marked done.
    `delta` is the posting's effect on the fund's balance (net assets).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_fund_done", "fund", "done"),)

    id: int | None = Field(default=None, primary_key=True)
    fb_id: str = Field(max_length=60, unique=True)
    fund: str = Field(max_length=40)
    delta: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    done: bool = Field(default=False, index=True)
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    done_at: datetime.datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    # why delivery could not write the row's entry to the book (then it is kept
    # aside: later rows are delivered, `fundbook check` and the integrity report name it)
    aside: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class IdempotencyKey(SQLModel, table=True):
    """A state-changing POST seen with an Idempotency-Key, and its first response."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("caller", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    caller: str = Field(max_length=64)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int | None = None
    response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())
    # The claim's lease: who runs the work and until when; a retry takes over a
    # claim whose owner died or whose lease ran out (`api.service.idempotency`).
    owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime.datetime | None = Field(default=None, sa_column=_moment(nullable=True))


class ChainAnchor(SQLModel, table=True):
    """The hash chain's head as the database last saw it, kept outside the book.

    `head` is moved forward on each delivery to the book; `adopted` is the
    head the book had when the database first served it (entries up to there
    are the book's own history, not the database's). `signature` is an
    HMAC of the head under the foundation's key, when one is configured.
    """

    __tablename__ = "chain_anchor"

    name: str = Field(primary_key=True, max_length=20)
    seq: int
    hash: str = Field(max_length=64)
    signature: str | None = Field(default=None, max_length=64)
    updated_at: datetime.datetime = Field(default_factory=utcnow, sa_column=_moment())

"""Holds: money a fund has promised but not yet booked.

    available = balance in the book
              - amounts of requests still being decided (pending or returned)
              - decreases of the fund still in the outbox
              - allocations of a pool proposed or approved, not booked yet

The check and the hold happen inside the fund's lock (`store.locks.lock_fund`),
and the database is read *before* the book: an outbox row already marked done
was appended before, so the book shows it; one not yet done is counted even if
the book already has it, which errs on the safe side. So no interleaving of
threads, processes or workers can promise more than the fund has.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from api.service.book import BookState
from api.service.errors import InsufficientFunds
from funds import requests
from funds.money import ZERO, format_amount
from store.pools import Allocation
from store.tables import Outbox, Request

HOLDING = tuple(sorted(requests.HOLDING))  # statuses of requests that hold their amount
ALLOCATION_HOLDING = ("pending", "approved")  # allocations of a pool (api.service.allocations)


@dataclass(frozen=True, slots=True)
class Availability:
    """A fund's balance, what is held against it, and what is left."""

    balance: Decimal
    held: Decimal

    @property
    def available(self) -> Decimal:
        return max(self.balance - self.held, ZERO)


def held_by_requests(session: Session, fund: str, *, excluding: int | None = None) -> Decimal:
    statement = select(func.coalesce(func.sum(Request.amount), 0)).where(
        Request.fund == fund, col(Request.status).in_(HOLDING)
    )
    if excluding is not None:
        statement = statement.where(Request.id != excluding)
    return Decimal(session.exec(statement).one())


def unbooked_decreases(session: Session, fund: str) -> Decimal:
    statement = select(func.coalesce(func.sum(Outbox.delta), 0)).where(
        Outbox.fund == fund, col(Outbox.done).is_(False), Outbox.delta < 0
    )
    return -Decimal(session.exec(statement).one())


def held_everywhere(session: Session) -> dict[str, Decimal]:
    """Held amounts of every fund with a hold (requests and unbooked decreases)."""
    held: dict[str, Decimal] = {}
    requests = (
        select(Request.fund, func.sum(Request.amount))
        .where(col(Request.status).in_(HOLDING))
        .group_by(Request.fund)
    )
    for fund, amount in session.exec(requests):
        held[fund] = held.get(fund, ZERO) + Decimal(amount)
    outbox = (
        select(Outbox.fund, func.sum(Outbox.delta))
        .where(col(Outbox.done).is_(False), Outbox.delta < 0)
        .group_by(Outbox.fund)
    )
    for fund, delta in session.exec(outbox):
        held[fund] = held.get(fund, ZERO) - Decimal(delta)
    allocations = (
        select(Allocation.pool, func.sum(Allocation.amount))
        .where(col(Allocation.status).in_(ALLOCATION_HOLDING))
        .group_by(Allocation.pool)
    )
    for fund, amount in session.exec(allocations):
        held[fund] = held.get(fund, ZERO) + Decimal(amount)
    return held


def held_by_allocations(session: Session, pool: str) -> Decimal:
    """Allocations proposed or approved from a pool and not booked yet."""
    statement = select(func.coalesce(func.sum(Allocation.amount), 0)).where(
        Allocation.pool == pool, col(Allocation.status).in_(ALLOCATION_HOLDING)
    )
    return Decimal(session.exec(statement).one())


def availability(
    session: Session, book: BookState, fund: str, *, excluding: int | None = None
) -> Availability:
    """Database first, then the book (see the module docstring)."""
    held = (
        held_by_requests(session, fund, excluding=excluding)
        + unbooked_decreases(session, fund)
        + held_by_allocations(session, fund)
    )
    return Availability(book.balance(fund), held)


def check_available(
    session: Session, book: BookState, fund: str, amount: Decimal, *, excluding: int | None = None
) -> None:
    """Raise InsufficientFunds unless `amount` fits; call with the fund's lock held."""
    state = availability(session, book, fund, excluding=excluding)
    if amount > state.balance - state.held:
        raise InsufficientFunds(
            f"fund {fund} has {format_amount(max(state.balance - state.held, ZERO))} available; "
            f"{format_amount(amount)} requested"
        )


def expire_stale(session: Session, fund: str, *, cutoff: datetime.datetime) -> int:
    """Expire the fund's requests undecided since before `cutoff`; call with its lock held."""
    result = session.exec(  # type: ignore[call-overload]
        update(Request)
        .where(
            Request.fund == fund, col(Request.status).in_(HOLDING), col(Request.updated_at) < cutoff
        )
        .values(
            status=requests.Status.EXPIRED.value, updated_at=datetime.datetime.now(datetime.UTC)
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def funds_with_stale(session: Session, *, cutoff: datetime.datetime) -> list[str]:
    statement = (
        select(Request.fund)
        .where(col(Request.status).in_(HOLDING), col(Request.updated_at) < cutoff)
        .distinct()
    )
    return list(session.exec(statement))

"""Holds: money a fund has promised but not yet booked, checked before a use case holds more.

    available = balance in the book - held    (what is held: `store.workflow.held`)

The check and the hold happen inside the fund's lock (`store.locks.lock_fund`),
and the database is read *before* the book: an outbox row already marked done
was appended before, so the book shows it; one not yet done is held unless the
book, as just read for the balance, already counts its entry. So no interleaving of
threads, processes or workers can promise more than the fund has.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.service.book import BookState
from api.service.errors import InsufficientFunds
from funds import requests
from funds.money import ZERO, format_amount
from store import workflow
from store.tables import Request

HOLDING = workflow.HOLDING
ALLOCATION_HOLDING = workflow.ALLOCATION_HOLDING


@dataclass(frozen=True, slots=True)
class Availability:
    """A fund's balance, what is held against it, and what is left."""

    balance: Decimal
    held: Decimal

    @property
    def available(self) -> Decimal:
        return workflow.available(self.balance, self.held)


def holdings(
    session: Session, book: BookState, funds: list[str] | None, *, excluding: int | None = None
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Balances and holds of `funds` (all if None): the database first, then the book.

    An outbox row is held while the book does not hold its entry: rows are
    marked done lazily (`api.service.outbox`), so a row still undone may
    already be in the balance; it is counted once, in the balance.
    """
    undelivered = workflow.undelivered(session, funds)
    held = workflow.held(session, funds, excluding=excluding, outbox=False)
    codes = funds if funds is not None else sorted({*held, *(f for f, _ in undelivered.values())})
    balances = book.balances(codes)
    booked = book.booked(list(undelivered), refresh=False)
    for fb_id, (fund, decrease) in undelivered.items():
        if fb_id not in booked:
            held[fund] = held.get(fund, ZERO) + decrease
    return balances, held


def held_by_allocations(session: Session, pool: str) -> Decimal:
    """Allocations proposed or approved from a pool and not booked yet."""
    return workflow.held_by_allocations(session, pool)


def availability(
    session: Session, book: BookState, fund: str, *, excluding: int | None = None
) -> Availability:
    """Database first, then the book (see the module docstring)."""
    balances, held = holdings(session, book, [fund], excluding=excluding)
    return Availability(balances[fund], held.get(fund, ZERO))


def check_available(
    session: Session, book: BookState, fund: str, amount: Decimal, *, excluding: int | None = None
) -> None:
    """Raise InsufficientFunds unless `amount` fits; call with the fund's lock held."""
    state = availability(session, book, fund, excluding=excluding)
    if amount > state.balance - state.held:
        raise InsufficientFunds(
            f"fund {fund} has {format_amount(state.available)} available; "
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

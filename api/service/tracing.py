"""Source tracing in the service: the lots of the traced funds, kept in the database.

The rule is `funds.tracing`'s (first in, first out by receipt date). The lots
live in `store.pools` tables so that any worker can attribute a movement inside
its own session, under the fund's lock (`store.locks.lock_fund`), and write the
attribution into the same outbox payload as the movement: `src_<CODE>` keys
in the book, `trace_part` rows here.

- The service's start seeds the tables from the book's history
  (`ledger.sources.trace_book` over the load done at start), once per
  database, under the `~tracing` lock.
- Money received into a traced fund becomes a lot: pledge receipts directly,
  contributions (`POST /v1/contributions`) when the fund is next consumed.
- An allocation or a payment out of a traced fund consumes its lots.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Sequence
from decimal import Decimal

from beancount.core import data
from sqlmodel import Session, col, select

from api.service.context import Services
from api.service.errors import InsufficientFunds
from funds.model import FundKind
from funds.money import ZERO
from funds.registry import Registry
from funds.tracing import Attribution, Lot, Refusal, Traced, TracingState, allocate, spend
from ledger import loading
from ledger.sources import (
    ALLOCATION,
    OTHER_SOURCE,
    PAYMENT,
    RECEIPT,
    Movement,
    trace_book,
)
from store.locks import lock_fund
from store.pools import TraceLot, TracePart, TraceReceipt, TraceSeed
from store.tables import Contribution

log = logging.getLogger("fundbook.api.tracing")

LOCK = "~tracing"
SEED = "book"
TRACED_KINDS = frozenset({FundKind.GUARANTEE_POOL, FundKind.INCENTIVE_POOL, FundKind.ALLOCATION})
REF_PREFIXES = ("alloc-", "req-", "grant-", "pledge-")
# Codes are numbered after the book's history, so that a posting id such as
# "R000042-payment" can never name an entry the book already holds.
CODE_LINKS = {"alloc": "A", "grant": "G", "pledge": "P", "req": "R"}
_CODE_LINK = re.compile(r"(alloc|grant|pledge|req)-[AGPR]([0-9]+)")
_CONTRIBUTION = re.compile(r"C([0-9]+)")


def is_traced(registry: Registry, fund: str) -> bool:
    found = registry.funds.get(fund)
    return found is not None and found.kind in TRACED_KINDS


# ---------------------------------------------------------------- seeding from the book


def _ref(movement: Movement) -> str:
    for link in sorted(movement.links):
        for prefix in REF_PREFIXES:
            if link.startswith(prefix):
                return link.removeprefix(prefix)
    return movement.fb_id or "book"


def seed(services: Services, entries: Sequence[data.Directive]) -> None:
    """Seed from the load the process did at start, once per database, under the lock."""
    with services.read() as session:
        seeded = session.get(TraceSeed, SEED) is not None
        session.rollback()
    if seeded:
        return
    with services.session_factory() as session:
        ensure_seeded(session, services, entries=entries)
        session.commit()


def warm(services: Services) -> None:
    """Make sure the tables are seeded before a use case takes its locks.

    The service seeds them at start (`seed`), so this is one read; only a
    database emptied under a running service makes it load the book again.
    """
    with services.read() as session:
        seeded = session.get(TraceSeed, SEED) is not None
        session.rollback()
    if seeded:
        return
    entries, _errors, _options = loading.load_book(services.book.layout)
    seed(services, entries)


def ensure_seeded(
    session: Session, services: Services, *, entries: Sequence[data.Directive] | None = None
) -> None:
    """Seed the tracing tables from the book the first time they are used.

    Movements written after `entries` were loaded cannot be missed: every
    traced movement seeds first, and contributions become lots from their table.
    """
    if session.get(TraceSeed, SEED) is not None:
        return
    lock_fund(session, LOCK)
    if session.exec(select(TraceSeed).where(TraceSeed.name == SEED)).first() is not None:
        return
    if entries is None:
        entries, _errors, _options = loading.load_book(services.book.layout)
    traced = trace_book(entries, services.book.registry)
    for error in traced.errors:
        log.warning("source tracing of the book: %s", error.message)
    seq_to_id: dict[int, int] = {}
    seen: set[str] = set()
    receipts = [m for m in traced.movements if m.kind == RECEIPT]
    for seq, movement in enumerate(receipts, start=1):
        origin = movement.fb_id or f"book-{seq}"
        while origin in seen:
            origin += "+"
        seen.add(origin)
        ((source, amount),) = movement.attribution.parts
        row = TraceReceipt(
            origin=origin,
            fund=movement.fund,
            source=source,
            amount=amount,
            received_on=movement.date,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        seq_to_id[seq] = row.id
    for fund, lots in traced.state.lots.items():
        for lot in lots:
            session.add(
                TraceLot(
                    fund=fund,
                    seq=seq_to_id[lot.seq],
                    source=lot.source,
                    received_on=lot.received_on,
                    amount=lot.amount,
                )
            )
    for movement in traced.movements:
        if movement.kind in (ALLOCATION, PAYMENT):
            for source, part in movement.attribution.parts:
                session.add(
                    TracePart(
                        kind=movement.kind,
                        ref=_ref(movement),
                        fund=movement.fund,
                        target=movement.target,
                        source=source,
                        amount=part,
                        booked_on=movement.date,
                        payee=movement.payee,
                    )
                )
    for prefix, number in _highest_codes(entries).items():
        session.add(TraceSeed(name=f"max-{prefix}", value=number))
    session.add(TraceSeed(name=SEED, value=len(receipts)))
    session.flush()


def _highest_codes(entries: Sequence[object]) -> dict[str, int]:
    """The highest number of each code prefix linked in the book (A000007 -> 7), and of
    the contributions the service wrote (meta `contribution: "C000012"`, no link)."""
    highest = dict.fromkeys([*CODE_LINKS.values(), "C"], 0)
    for entry in entries:
        match = _CONTRIBUTION.fullmatch(
            str((getattr(entry, "meta", None) or {}).get("contribution", ""))
        )
        if match:
            highest["C"] = max(highest["C"], int(match.group(1)))
        for link in getattr(entry, "links", None) or ():
            match = _CODE_LINK.fullmatch(link)
            if match:
                prefix = CODE_LINKS[match.group(1)]
                highest[prefix] = max(highest[prefix], int(match.group(2)))
    return highest


def code(session: Session, services: Services, prefix: str, row_id: int) -> str:
    """The code of the row `row_id` of a table numbered after the book's history."""
    ensure_seeded(session, services)
    found = session.get(TraceSeed, f"max-{prefix}")
    return f"{prefix}{row_id + (found.value if found else 0):06d}"


# ---------------------------------------------------------------- receipts


def add_receipt(
    session: Session,
    *,
    origin: str,
    fund: str,
    source: str,
    amount: Decimal,
    received_on: datetime.date,
) -> None:
    """Money of `source` received into traced `fund`: a new lot (once per origin)."""
    row = TraceReceipt(
        origin=origin, fund=fund, source=source, amount=amount, received_on=received_on
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add(
        TraceLot(fund=fund, seq=row.id, source=source, received_on=received_on, amount=amount)
    )
    session.flush()


def ingest_contributions(session: Session, fund: str) -> None:
    """Contributions recorded into `fund` that are not lots yet become lots."""
    known = select(TraceReceipt.origin).where(TraceReceipt.fund == fund)
    rows = session.exec(
        select(Contribution)
        .where(Contribution.fund == fund, col(Contribution.fb_id).not_in(known))
        .order_by(col(Contribution.id))
    ).all()
    for row in rows:
        add_receipt(
            session,
            origin=row.fb_id,
            fund=fund,
            source=row.source_org or OTHER_SOURCE,
            amount=row.amount,
            received_on=row.received_on,
        )


# ---------------------------------------------------------------- consuming


def lots_of(session: Session, fund: str) -> list[TraceLot]:
    statement = (
        select(TraceLot)
        .where(TraceLot.fund == fund)
        .order_by(col(TraceLot.received_on), col(TraceLot.seq), col(TraceLot.id))
    )
    return list(session.exec(statement))


def traced_cash(session: Session, services: Services, fund: str) -> Decimal:
    """What `fund` holds with a known source (what allocations and payments may use)."""
    ensure_seeded(session, services)
    ingest_contributions(session, fund)
    return sum((row.amount for row in lots_of(session, fund)), ZERO)


def consume(
    session: Session,
    services: Services,
    *,
    kind: str,
    ref: str,
    fund: str,
    amount: Decimal,
    booked_on: datetime.date,
    target: str | None = None,
    payee: str | None = None,
) -> Attribution:
    """Attribute `amount` leaving `fund` (to `target`, or paid out); call under the fund's lock.

    Raises InsufficientFunds when the fund has not received that much money.
    """
    ensure_seeded(session, services)
    ingest_contributions(session, fund)
    rows = lots_of(session, fund)
    state = TracingState(
        lots={fund: tuple(Lot(r.source, r.received_on, r.seq, r.amount) for r in rows)}
    )
    result: Traced | Refusal
    if target is None:
        result = spend(state, fund=fund, amount=amount)
    else:
        result = allocate(state, pool=fund, target=target, amount=amount)
    if isinstance(result, Refusal):
        raise InsufficientFunds(f"fund {fund}: {result.detail}")
    left = result.state.lots_of(fund)
    consumed = len(rows) - len(left)
    for row in rows[:consumed]:
        session.delete(row)
    if left and rows[consumed].amount != left[0].amount:
        rows[consumed].amount = left[0].amount
        session.add(rows[consumed])
    if target is not None:
        for piece in result.state.lots_of(target):
            session.add(
                TraceLot(
                    fund=target,
                    seq=piece.seq,
                    source=piece.source,
                    received_on=piece.received_on,
                    amount=piece.amount,
                )
            )
    for source, part in result.attribution.parts:
        session.add(
            TracePart(
                kind=ALLOCATION if target else PAYMENT,
                ref=ref,
                fund=fund,
                target=target,
                source=source,
                amount=part,
                booked_on=booked_on,
                payee=payee,
            )
        )
    session.flush()
    return result.attribution


def payment_sources(
    session: Session,
    services: Services,
    *,
    ref: str,
    fund: str,
    amount: Decimal,
    paid_on: datetime.date,
    payee: str | None,
) -> dict[str, str]:
    """The `src_<CODE>` metadata of a payment out of `fund` ({} for an untraced fund)."""
    if not is_traced(services.book.registry, fund):
        return {}
    return consume(
        session,
        services,
        kind=PAYMENT,
        ref=ref,
        fund=fund,
        amount=amount,
        booked_on=paid_on,
        payee=payee,
    ).to_meta()


def parts_of(session: Session, refs: Sequence[str]) -> dict[str, Attribution]:
    """The recorded attribution of each allocation or payment reference."""
    rows = session.exec(select(TracePart).where(col(TracePart.ref).in_(list(refs)))).all()
    totals: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        by_source = totals.setdefault(row.ref, {})
        by_source[row.source] = by_source.get(row.source, ZERO) + row.amount
    return {ref: Attribution.of(parts) for ref, parts in totals.items()}

"""The outbox: postings recorded in the database with the state change they belong to.

A use case adds an outbox row (the builder's arguments as JSON) in the same
session as its state change. After the commit, `deliver` builds the entries
and hands them to the writer's `append_missing`, which appends, under one
cross-process lock, only the fb_ids not yet in the journal; then the rows are
marked done, and the chain's head they reached is recorded in the database
(`api.service.witness`). A crash anywhere in between leaves undone rows that the next
`deliver` (on start, before reads that need it, periodically) completes:
every posting reaches the book exactly once.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from api.service.book import BookState
from api.service.errors import ServiceError
from api.service.witness import anchor_head
from ledger import entries as build
from ledger.accounts import IncomeKind
from ledger.entries import InvalidEntry
from ledger.writer import DuplicatePosting
from store.tables import Outbox, utcnow

Payload = Mapping[str, Any]


class KeptAside(RuntimeError):
    """Rows of the outbox could not be written to the book and were kept aside."""


log = logging.getLogger("fundbook.outbox")


def add(session: Session, *, fb_id: str, fund: str, delta: Decimal, payload: Payload) -> None:
    """Record a posting to deliver once `session` commits."""
    session.add(
        Outbox(
            fb_id=fb_id,
            fund=fund,
            delta=delta,
            payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        )
    )


def build_entry(book: BookState, payload: Payload) -> data.Transaction:
    """The transaction an outbox payload describes."""
    registry = book.registry
    kind = payload["builder"]
    common: dict[str, Any] = {
        "fb_id": payload["fb_id"],
        "date": datetime.date.fromisoformat(payload["date"]),
        "fund": registry.fund(payload["fund"]),
        "amount": Decimal(payload["amount"]),
        "narration": payload["narration"],
        "meta": payload.get("meta") or {},
    }
    builders: dict[str, Callable[[], data.Transaction]] = {
        "commitment": lambda: build.commitment(
            **common, payee=payload["payee"], link=payload["link"]
        ),
        "payment": lambda: build.payment(
            **common,
            payee=payload["payee"],
            link=payload["link"],
            bank=book.bank(payload["bank"]),
            bank_reference=payload.get("bank_reference"),
        ),
        "void": lambda: build.void(**common, payee=payload["payee"], link=payload["link"]),
        "contribution": lambda: build.contribution(
            **common,
            bank=book.bank(payload["bank"]),
            income=IncomeKind(payload["income"]),
            source=payload["source"],
            receipt_no=payload.get("receipt_no"),
            link=payload.get("link"),
        ),
        "pledge": lambda: build.pledge(
            **common,
            income=IncomeKind(payload["income"]),
            source=payload["source"],
            link=payload["link"],
        ),
        "pledge_receipt": lambda: build.pledge_receipt(
            **common,
            bank=book.bank(payload["bank"]),
            source=payload["source"],
            link=payload["link"],
        ),
        "transfer": lambda: build.transfer(
            fb_id=common["fb_id"],
            date=common["date"],
            source=common["fund"],
            target=registry.fund(payload["target"]),
            amount=common["amount"],
            bank=book.bank(payload["bank"]),
            narration=common["narration"],
            link=payload["link"],
            meta=common["meta"],
        ),
    }
    return builders[kind]()


def pending(session: Session) -> list[Outbox]:
    """The rows not delivered yet (nor kept aside), in order."""
    statement = (
        select(Outbox)
        .where(Outbox.done == False, col(Outbox.aside).is_(None))  # noqa: E712
        .order_by(col(Outbox.id))
    )
    return list(session.exec(statement))


def deliver(
    session_factory: Callable[[], Session],
    book: BookState,
    *,
    reader: Callable[[], Session] | None = None,
    strict: bool = False,
) -> int:
    """Append every undone outbox row to the book exactly once; returns how many were undone.

    A row whose entry cannot be written is kept aside (`Outbox.aside`) and
    the rows after it are delivered; with `strict`, KeptAside is raised then
    (a use case must not answer that its change is in the book).

    The rows are not marked done here: that costs a write transaction of its
    own. They are marked by the next transaction of this process (`settle`)
    or by the sweeper (`mark_delivered`); until then a row the book already
    holds is only looked up, never appended again.
    """
    with (reader or session_factory)() as session:
        rows = [(row.id, row.fb_id, row.payload) for row in pending(session)]
        session.rollback()
    if not rows:
        return 0
    booked = book.booked([fb_id for _, fb_id, _ in rows])
    fresh = [(row_id, payload) for row_id, fb_id, payload in rows if fb_id not in booked]
    book.delivered([row_id for row_id, fb_id, _ in rows if fb_id in booked], [])
    if fresh:
        built, failed = _built(book, fresh)
        delivered, written = _append(book, built, failed)  # durable from here on
        book.delivered(delivered, written)
        if failed:
            _keep_aside(session_factory, failed)
            if strict:
                raise KeptAside(sorted(failed.values()))
    return len(rows)


# What makes one row's entry unwritable (a registry edit since, a conflicting
# posting); anything else (a damaged journal, a full disk) stops the delivery.
ROW_FAILURES = (ValueError, LookupError, TypeError, InvalidEntry, DuplicatePosting, ServiceError)


def _built(
    book: BookState, rows: list[tuple[int, str]]
) -> tuple[list[tuple[int, data.Transaction]], dict[int, str]]:
    built, failed = [], {}
    for row_id, payload in rows:
        try:
            built.append((row_id, build_entry(book, json.loads(payload))))
        except ROW_FAILURES as exc:
            failed[row_id] = f"{type(exc).__name__}: {exc}"
    return built, failed


def _append(
    book: BookState, built: list[tuple[int, data.Transaction]], failed: dict[int, str]
) -> tuple[list[int], list[Any]]:
    """Append the built entries; a batch the writer refuses is appended entry by entry,
    so the rows after one it cannot write are written (the writer checks a whole batch
    before touching any file)."""
    if not built:
        return [], []
    try:
        return [row_id for row_id, _ in built], book.append_missing([e for _, e in built])
    except ROW_FAILURES:
        pass
    delivered: list[int] = []
    written: list[Any] = []
    for row_id, entry in built:
        try:
            written += book.append_missing([entry])
        except ROW_FAILURES as exc:
            failed[row_id] = f"{type(exc).__name__}: {exc}"
            continue
        delivered.append(row_id)
    return delivered, written


def _keep_aside(session_factory: Callable[[], Session], failed: dict[int, str]) -> None:
    """Record why rows could not be written: delivery passes them by from now on."""
    with session_factory() as session:
        for row_id, reason in sorted(failed.items()):
            log.error("outbox row %s kept aside, not written to the book: %s", row_id, reason)
            session.exec(
                update(Outbox)
                .where(Outbox.id == row_id)  # type: ignore[call-overload]
                .values(aside=reason[:2000])
            )
        session.commit()


def settle(session: Session, book: BookState) -> None:
    """In `session`'s transaction: mark done the rows this process delivered, and record
    the chain's new head (`api.service.witness.anchor_head`)."""
    rows, written = book.take_delivered()
    anchor_head(session, written, book.chain_key)
    # one row at a time, in id order: concurrent transactions lock rows in the same order
    for row_id in rows:
        session.exec(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.done == False)  # type: ignore[call-overload]  # noqa: E712
            .values(done=True, done_at=utcnow())
        )


def mark_delivered(session_factory: Callable[[], Session], book: BookState) -> None:
    """Mark done, in a transaction of its own, what this process delivered (the sweeper)."""
    try:
        with session_factory() as session:
            settle(session, book)
            session.commit()
    except DBAPIError:
        log.warning(
            "outbox rows delivered but not marked done yet; the next sweep will", exc_info=True
        )

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
from sqlmodel import Session, select

from api.service.book import BookState
from api.service.witness import anchor_head
from ledger import entries as build
from ledger.accounts import IncomeKind
from store.tables import Outbox, utcnow

Payload = Mapping[str, Any]
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
    return list(session.exec(select(Outbox).where(Outbox.done == False).order_by(Outbox.id)))  # noqa: E712


def deliver(
    session_factory: Callable[[], Session],
    book: BookState,
    *,
    reader: Callable[[], Session] | None = None,
) -> int:
    """Append every undone outbox row to the book exactly once; returns how many were undone."""
    with (reader or session_factory)() as session:
        rows = [(row.id, row.payload) for row in pending(session)]
        session.rollback()
    if not rows:
        return 0
    entries = [build_entry(book, json.loads(payload)) for _, payload in rows]
    written = book.append_missing(
        entries
    )  # durable from here on: a failure below only delays "done"
    try:
        with session_factory() as session:
            anchor_head(session, written, book.chain_key)
            # one row at a time, in id order: concurrent deliveries lock rows in the same order
            for row_id, _ in rows:
                session.exec(
                    update(Outbox)
                    .where(Outbox.id == row_id, Outbox.done == False)  # type: ignore[call-overload]  # noqa: E712
                    .values(done=True, done_at=utcnow())
                )
            session.commit()
    except DBAPIError:
        log.warning(
            "outbox rows appended but not marked done yet; the next delivery will", exc_info=True
        )
    return len(rows)

"""The year-end close through the API: `POST /v1/closes` (accountant).

Load, call the core, write: the outbox is delivered first, then
`ledger.closing.plan_close` plans the close from the book on disk, and its
entries go through the service's own writer (hash-chained, exactly once). A
close of a closed year writes nothing and answers the same close again, so
the call is idempotent with or without an Idempotency-Key. A year that cannot
be closed is `close_refused` (409), its detail listing every obstacle.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlmodel import col, select

from api.schemas import CloseCreate
from api.service import outbox
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import CloseRefused, Forbidden
from api.service.unit import UnitOfWork
from funds.model import Role
from ledger.closing import CloseRequest, plan_close
from ledger.periods import classify
from store.tables import Outbox


def _close_ids(book: tuple[Any, ...], day: datetime.date) -> list[str]:
    """fb_id of the closes and releases dated on the year's last day, in book order."""
    found = []
    for entry in book:
        if getattr(entry, "date", None) != day or not hasattr(entry, "postings"):
            continue
        fb_id = (entry.meta or {}).get("fb_id")
        if isinstance(fb_id, str) and classify(entry) is not None:
            found.append(fb_id)
    return found


def close_year(
    *, uow: UnitOfWork, services: Services, caller: Caller, body: CloseCreate
) -> dict[str, Any]:
    if caller.role is not Role.ACCOUNTANT:
        raise Forbidden("only an accountant closes a year")
    outbox.deliver(services.session_factory, services.book, reader=services.read)
    outbox.settle(uow.session, services.book)  # what is in the book is no longer undelivered
    undelivered = tuple(
        uow.session.exec(select(Outbox.fb_id).where(col(Outbox.done).is_(False))).all()
    )
    request = CloseRequest(
        year=body.year,
        today=services.today(),
        allow_unreconciled=frozenset(body.allow_unreconciled),
        undelivered=undelivered,
    )
    plan = plan_close(services.book.layout, request)
    if body.dry_run:
        return {
            "year": plan.year,
            "status": "planned",
            "entries": [str((e.meta or {}).get("fb_id")) for e in plan.entries],
            "obstacles": list(plan.obstacles),
        }
    if plan.obstacles:
        raise CloseRefused(
            f"{plan.year} cannot be closed: "
            + "; ".join(f"({n}) {o}" for n, o in enumerate(plan.obstacles, 1))
        )
    if plan.entries:
        services.book.append_missing(list(plan.entries))
        entries = [str((e.meta or {}).get("fb_id")) for e in plan.entries]
    else:
        entries = _close_ids(plan.book, plan.day)
    result = {"year": plan.year, "status": "closed", "entries": entries, "obstacles": []}
    uow.commit(result)
    return result

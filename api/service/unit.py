"""The unit of work of a use case: one database session, one commit, then the book.

`commit(result)` records the use case's result as the first response of its
Idempotency-Key (if any) in the same session, commits, and then delivers the
outbox to the book before the caller answers the client; so a response that
says "paid" is only sent once the payment is in the book.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from api.service import idempotency, outbox
from api.service.book import BookState


class UnitOfWork:
    """A session for one use case; the service commits it exactly once."""

    def __init__(
        self,
        *,
        session_factory: Callable[[], Session],
        book: BookState,
        reader: Callable[[], Session] | None = None,
        claim: idempotency.Claim | None = None,
        claim_status: int = 200,
    ) -> None:
        self.session_factory = session_factory
        self.book = book
        self.reader = reader
        self.session = session_factory()
        self.claim = claim
        self.claim_status = claim_status
        self.committed = False

    def commit(self, result: Any = None) -> None:
        """Commit the state change (with the idempotent response), then deliver the outbox."""
        if self.claim is not None:  # ClaimLost if a retry took the claim over: nothing commits
            body = json.dumps(result, ensure_ascii=False, default=str)
            idempotency.settle(self.session, self.claim, self.claim_status, body)
        outbox.settle(self.session, self.book)  # rows delivered before: marked done here
        self.session.commit()
        self.committed = True
        self.deliver()

    def deliver(self) -> None:
        outbox.deliver(self.session_factory, self.book, reader=self.reader, strict=True)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self.committed:
            self.session.rollback()
        self.close()

"""What the workflow database tells the writer and the book about the journal.

`DatabaseWitness` answers the writer's two questions before it cuts a torn
tail (`ledger.torn.Witness`): which fb_ids the outbox delivered, and how far
the chain's head recorded in the database goes. `anchor_head` records the
head after each delivery, `adopt_book` records once the head the book had
when the database first served it (its own history).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlmodel import Session, col, select

from ledger.anchor import sign
from store import anchors
from store.tables import Outbox


class DatabaseWitness:
    """The outbox and the recorded head, read through `session_factory`."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def delivered(self, fb_ids: Collection[str]) -> Collection[str]:
        with self._session_factory() as session:
            found = session.exec(
                select(Outbox.fb_id).where(col(Outbox.fb_id).in_(list(fb_ids)), Outbox.done)
            ).all()
            session.rollback()
        return set(found)

    def anchored_seq(self) -> int:
        with self._session_factory() as session:
            seq = max((row.seq for row in anchors.anchors(session).values()), default=0)
            session.rollback()
        return seq


def _signature(key: bytes | None, seq: int, digest: str) -> str | None:
    return None if key is None else sign(key, seq, digest)


def anchor_head(session: Session, written: Sequence[Any], key: bytes | None) -> None:
    """Record the furthest of `written` (ledger.writer.Written) as the head (not committed)."""
    if not written:
        return
    last = max(written, key=lambda item: item.seq)
    anchors.record_head(session, last.seq, last.hash, _signature(key, last.seq, last.hash))


def adopt_book(
    session_factory: Callable[[], Session], head: tuple[int, str], key: bytes | None
) -> None:
    """Record the book's head as the database's adopted history, if not recorded yet."""
    seq, digest = head
    with session_factory() as session:
        if anchors.adopt(session, seq, digest, _signature(key, seq, digest)):
            session.commit()
        else:
            session.rollback()

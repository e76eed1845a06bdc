"""The chain's anchors in the workflow database (`chain_anchor`): recorded and read.

`head` moves forward with each delivery to the book (never back); `adopted`
is written once, the head the book had when the database first served it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from store.tables import ChainAnchor, utcnow

HEAD = "head"
ADOPTED = "adopted"


def record_head(session: Session, seq: int, digest: str, signature: str | None) -> None:
    """Move the recorded head to (seq, digest) unless it is already there or further (not committed)."""
    result = session.exec(
        update(ChainAnchor)
        .where(ChainAnchor.name == HEAD, ChainAnchor.seq < seq)  # type: ignore[arg-type]
        .values(seq=seq, hash=digest, signature=signature, updated_at=utcnow())
    )
    if result.rowcount == 0 and session.get(ChainAnchor, HEAD) is None:
        session.add(ChainAnchor(name=HEAD, seq=seq, hash=digest, signature=signature))


def adopt(session: Session, seq: int, digest: str, signature: str | None) -> bool:
    """Record the book's head as its adopted history, once; whether it was recorded now."""
    if session.get(ChainAnchor, ADOPTED) is not None:
        return False
    session.add(ChainAnchor(name=ADOPTED, seq=seq, hash=digest, signature=signature))
    if session.get(ChainAnchor, HEAD) is None:
        session.add(ChainAnchor(name=HEAD, seq=seq, hash=digest, signature=signature))
    return True


def anchors(session: Session) -> dict[str, ChainAnchor]:
    return {row.name: row for row in session.exec(select(ChainAnchor))}

"""Anchors of the hash chain: its head as recorded outside the book, and what the book must match.

The chain (`ledger.chain`) proves that no chained entry changed *unless the
chain was recomputed from there on*. An anchor is the head (`fb_seq`,
`fb_hash`) recorded somewhere the book's editor does not write: the workflow
database on each delivery, a seal for a sealed year. The book must still hold
the anchored entry with that very hash; a changed amount with the chain
recomputed from it changes every later hash, the anchored one among them.

An anchor may be signed (HMAC-SHA256 under a key the foundation keeps), so
that whoever can write the database still cannot move the head unseen.

    anchor: database head fb_seq 42, fb_hash 9c1…
    book:   fb_seq 42 has fb_hash 9c1…   -> ok
            fb_seq 42 has fb_hash 07d…   -> "the chain was rewritten"
            the chain ends at fb_seq 40  -> "entries after fb_seq 40 were removed"
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from beancount.core import data

from ledger.chain import chain_directive, chained, parse_runs


class Anchor(NamedTuple):
    """A head of the chain recorded outside the book.

    Attributes:
      source: where it was recorded, for messages (`database head`, `seal 2025`).
      seq: the anchored entry's fb_seq (0: nothing anchored).
      hash: its fb_hash.
      signature: HMAC-SHA256 (hex) of the head under the foundation's key, or None.
    """

    source: str
    seq: int
    hash: str
    signature: str | None = None


_DATABASE_SOURCES = {
    "head": "head recorded in the database",
    "adopted": "book's history adopted by the database",
}


def database_anchor(name: str, seq: int, digest: str, signature: str | None) -> Anchor:
    """An anchor of the workflow database's `chain_anchor` table (`head` or `adopted`)."""
    return Anchor(_DATABASE_SOURCES.get(name, f"database's {name}"), seq, digest, signature)


def adopted_seq(anchors: Sequence[Anchor]) -> int:
    """The fb_seq up to which the database adopted the book's own history (0: none)."""
    source = _DATABASE_SOURCES["adopted"]
    return max((anchor.seq for anchor in anchors if anchor.source == source), default=0)


def sign(key: bytes, seq: int, digest: str) -> str:
    """The HMAC-SHA256 (hex) of a head under `key`."""
    message = f"fundbook chain head {seq} {digest}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed(anchor: Anchor, key: bytes) -> bool:
    return anchor.signature is not None and hmac.compare_digest(
        anchor.signature, sign(key, anchor.seq, anchor.hash)
    )


def read_key(text: bytes) -> bytes:
    """A key file's key: its bytes without surrounding whitespace; at least 16 of them."""
    key = text.strip()
    if len(key) < 16:
        raise ValueError("the chain key must be at least 16 bytes")
    return key


def verify_anchors(
    entries: Iterable[data.Directive], anchors: Sequence[Anchor], *, key: bytes | None = None
) -> list[str]:
    """Every way the book disagrees with the anchors (an empty list: it agrees with all)."""
    entries = list(entries)
    by_seq: dict[int, str] = {}
    for entry in chained(entries):
        seq, own = entry.meta.get("fb_seq"), entry.meta.get("fb_hash")
        if isinstance(seq, str) and seq.isdigit() and isinstance(own, str):
            by_seq.setdefault(int(seq), own)
    # Entries of sealed years are held in their own books (`ledger.seal`): the
    # book knows the hash each run of them ends with, and `check --all` the rest.
    directive = chain_directive(entries)
    runs = parse_runs(str((directive.meta or {}).get("runs", ""))) if directive else None
    held = [(run.first, run.last) for run in runs or ()]
    for run in runs or ():
        by_seq.setdefault(run.last, run.hash)
    last = max(by_seq, default=0)
    problems = []
    for anchor in anchors:
        if anchor.seq <= 0:
            continue
        if key is not None and not signed(anchor, key):
            problems.append(
                f"the {anchor.source} (fb_seq {anchor.seq}) is not signed with the chain key: "
                "it was not recorded by Fundbook or was changed"
            )
        found = by_seq.get(anchor.seq)
        if found is None and any(first <= anchor.seq <= end for first, end in held):
            continue
        if found is None:
            problems.append(
                f"the {anchor.source} is fb_seq {anchor.seq}, but the book's chain ends at "
                f"fb_seq {last}: chained entries were removed from the book"
            )
        elif found != anchor.hash:
            problems.append(
                f"fb_seq {anchor.seq} has fb_hash {found[:12]}... in the book but "
                f"{anchor.hash[:12]}... in the {anchor.source}: the chain was rewritten "
                f"at or before fb_seq {anchor.seq}"
            )
    return problems

"""The hash chain of Fundbook-written transactions: how it is computed and how it is verified.

The writer numbers every transaction it appends (`fb_seq`: "1", "2", ...,
across all yearly journal files) and stores in it the hash of the previous one
(`fb_prev`, `GENESIS` for the first) and its own hash (`fb_hash`): the SHA-256
of a canonical form of the entry as the parser reads it back, followed by
`fb_prev`. Changing, inserting or renumbering any chained entry, or deleting
any but the last ones, breaks the chain at that entry, and `verify_chain`
names it. Cutting entries off the end leaves a shorter chain that verifies:
only a head (`Writer.head`) kept outside the book can tell.

The canonical form covers date, flag, payee, narration, sorted tags and links,
metadata (except what the parser adds: filename, lineno, `__*__`, and except
fb_hash itself), and every posting (flag, account, number, currency, cost,
price, metadata). Numbers are compared as written (`100.00`, not `1E+2`;
zero without a sign, as the parser reads it).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

CHAIN_KEYS = ("fb_seq", "fb_prev", "fb_hash")
GENESIS = "0" * 64
_HASH = re.compile(r"[0-9a-f]{64}")
_SEQ = re.compile(r"[1-9][0-9]{0,17}")


class ChainError(NamedTuple):
    """A chained transaction that does not verify (a Beancount error value)."""

    source: dict[str, Any]
    message: str
    entry: data.Directive | None


def _value(value: object) -> list[Any]:
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, str):
        return ["text", value]
    if isinstance(value, Decimal):
        return ["number", _number(value)]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, Amount):
        return ["amount", _number(value.number), value.currency]
    if value is None:
        return ["none"]
    return ["other", repr(value)]


def _number(value: object) -> str | None:
    if not isinstance(value, Decimal):
        return None
    if value.is_zero():  # the parser reads "-0.00" as 0.00
        value = value.copy_abs()
    return format(value, "f")


def _meta(meta: Mapping[str, Any] | None) -> list[list[Any]]:
    return [
        [key, _value(value)]
        for key, value in sorted((meta or {}).items())
        if key not in ("filename", "lineno", "fb_hash") and not key.startswith("__")
    ]


def _posting(posting: data.Posting) -> list[Any]:
    units = posting.units
    cost = posting.cost
    price = posting.price
    return [
        posting.flag,
        posting.account,
        _number(units.number) if isinstance(units, Amount) else None,
        units.currency if isinstance(units, Amount) else None,
        None
        if cost is None
        else [
            _number(cost.number),
            cost.currency,
            _value(cost.date),
            _value(getattr(cost, "label", None)),
        ],
        None if price is None else [_number(price.number), price.currency],
        _meta(posting.meta),
    ]


def canonical(entry: data.Transaction) -> str:
    """The text that `entry_hash` hashes (without the previous hash)."""
    form = [
        entry.date.isoformat(),
        entry.flag,
        entry.payee,
        entry.narration,
        sorted(entry.tags or ()),
        sorted(entry.links or ()),
        _meta(entry.meta),
        [_posting(posting) for posting in entry.postings],
    ]
    return json.dumps(form, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: data.Transaction, prev: str) -> str:
    """SHA-256 (hex) of the canonical form of `entry` followed by the previous hash."""
    digest = hashlib.sha256(canonical(entry).encode("utf-8", "surrogatepass"))
    digest.update(b"\n" + prev.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _where(entry: data.Directive) -> str:
    meta = entry.meta or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}"


def _error(entry: data.Transaction, message: str) -> ChainError:
    meta = entry.meta or {}
    name = f"fb_id {meta.get('fb_id', '?')!s:.80} fb_seq {meta.get('fb_seq', '?')!s:.40}"
    source = {"filename": meta.get("filename", "<unknown>"), "lineno": meta.get("lineno", 0)}
    return ChainError(source, f"{_where(entry)}: {name}: {message}", entry)


def chained(entries: Iterable[data.Directive]) -> list[data.Transaction]:
    """Transactions carrying any of the chain's metadata keys, in book order."""
    return [
        entry
        for entry in entries
        if isinstance(entry, data.Transaction)
        and entry.meta
        and any(key in entry.meta for key in CHAIN_KEYS)
    ]


def verify_chain(entries: Iterable[data.Directive]) -> list[ChainError]:
    """Errors of the hash chain: numbering 1..n, each fb_prev the previous fb_hash, each fb_hash exact."""
    errors: list[ChainError] = []
    by_seq: dict[int, data.Transaction] = {}
    for entry in chained(entries):
        meta = entry.meta
        seq, prev, own = (meta.get(key) for key in CHAIN_KEYS)
        if not (isinstance(seq, str) and _SEQ.fullmatch(seq)):
            errors.append(_error(entry, f"fb_seq {seq!r} is not a sequence number"))
            continue
        if not (isinstance(prev, str) and _HASH.fullmatch(prev)):
            errors.append(_error(entry, f"fb_prev {prev!r} is not a SHA-256 hash"))
            continue
        if not (isinstance(own, str) and _HASH.fullmatch(own)):
            errors.append(_error(entry, f"fb_hash {own!r} is not a SHA-256 hash"))
            continue
        number = int(seq)
        if number in by_seq:
            errors.append(
                _error(
                    entry, f"fb_seq {number} is also used by the entry at {_where(by_seq[number])}"
                )
            )
            continue
        by_seq[number] = entry

    expected = 1
    previous = GENESIS
    for number in sorted(by_seq):
        entry = by_seq[number]
        meta = entry.meta
        if number != expected:
            missing = f"{expected}" if number == expected + 1 else f"{expected}..{number - 1}"
            errors.append(
                _error(entry, f"the chain has a gap: fb_seq {missing} missing before this entry")
            )
        elif meta["fb_prev"] != previous:
            errors.append(
                _error(
                    entry,
                    f"fb_prev {meta['fb_prev'][:12]}... is not the fb_hash {previous[:12]}... "
                    f"of fb_seq {number - 1}",
                )
            )
        if entry_hash(entry, meta["fb_prev"]) != meta["fb_hash"]:
            errors.append(
                _error(
                    entry, "fb_hash does not match the entry: it was changed after it was written"
                )
            )
        previous = meta["fb_hash"]
        expected = number + 1
    return errors


def repeated_ids(entries: Iterable[data.Directive]) -> list[ChainError]:
    """Transactions that repeat the fb_id of an earlier one: one movement booked twice.

    The writer refuses an fb_id already in its journal, but it does not read
    history or manual files; a copy there, chained or not, is found here.
    """
    errors: list[ChainError] = []
    first: dict[str, data.Transaction] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction) or not entry.meta:
            continue
        fb_id = entry.meta.get("fb_id")
        if not isinstance(fb_id, str):
            continue
        if fb_id in first:
            errors.append(
                _error(
                    entry,
                    f"the fb_id is also used by the entry at {_where(first[fb_id])}: "
                    "one movement is booked twice",
                )
            )
        else:
            first[fb_id] = entry
    return errors

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

A sealed year (`ledger.seal`) takes its chained entries into a book of its
own, so a book may hold only part of the chain. It then says which numbers
are held elsewhere, and the hash each such run ends with, in one directive:

    2026-01-01 custom "fundbook-chain-runs" "elsewhere"
      runs: "1-5120:<fb_hash of 5120> 5125-5130:<fb_hash of 5130>"
      head: "5133:<fb_hash of 5133>"

`verify_chain` steps over a declared run, taking its hash as the previous
one, so the entry after it must still point at it; `head` is where the chain
stood when the book was cut (the writer continues from it).
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
CHAIN_DIRECTIVE = "fundbook-chain-runs"
GENESIS = "0" * 64
_HASH = re.compile(r"[0-9a-f]{64}")
_SEQ = re.compile(r"[1-9][0-9]{0,17}")


class Run(NamedTuple):
    """Chained entries `first..last` held in another book; `hash` is the fb_hash of `last`."""

    first: int
    last: int
    hash: str


_RUN = re.compile(r"([1-9][0-9]{0,17})-([1-9][0-9]{0,17}):([0-9a-f]{64})")
_HEAD = re.compile(r"(0|[1-9][0-9]{0,17}):([0-9a-f]{64})")


def format_runs(runs: Iterable[Run]) -> str:
    return " ".join(f"{run.first}-{run.last}:{run.hash}" for run in runs)


def parse_runs(text: str) -> list[Run] | None:
    """The runs of a `runs:` value; None when it is malformed."""
    runs = []
    for word in text.split():
        match = _RUN.fullmatch(word)
        if match is None:
            return None
        runs.append(Run(int(match.group(1)), int(match.group(2)), match.group(3)))
    return runs


def merge_runs(runs: Iterable[Run]) -> list[Run]:
    """Adjacent runs joined (the later one's hash ends the joined run)."""
    merged: list[Run] = []
    for run in sorted(runs):
        if merged and merged[-1].last + 1 == run.first:
            merged[-1] = Run(merged[-1].first, run.last, run.hash)
        else:
            merged.append(run)
    return merged


def parse_head(text: object) -> tuple[int, str] | None:
    match = _HEAD.fullmatch(text) if isinstance(text, str) else None
    return (int(match.group(1)), match.group(2)) if match else None


def chain_directive(entries: Iterable[data.Directive]) -> data.Custom | None:
    """The last `custom "fundbook-chain-runs"` directive of a book, if any."""
    found = None
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == CHAIN_DIRECTIVE:
            found = entry
    return found


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
    entries = list(entries)
    errors: list[ChainError] = []
    runs: dict[int, Run] = {}
    directive = chain_directive(entries)
    if directive is not None:
        parsed = parse_runs(str((directive.meta or {}).get("runs", "")))
        if parsed is None:
            meta = directive.meta or {}
            source = {
                "filename": meta.get("filename", "<unknown>"),
                "lineno": meta.get("lineno", 0),
            }
            errors.append(ChainError(source, f"{_where(directive)}: malformed runs", directive))
        else:
            runs = {run.first: run for run in parsed}
    held = [(run.first, run.last) for run in runs.values()]
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
        if any(first <= number <= last for first, last in held):
            errors.append(_error(entry, f"fb_seq {number} is declared held in another book"))
            continue
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
        while expected in runs and expected < number:
            previous = runs[expected].hash
            expected = runs[expected].last + 1
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

"""Reading sealed years: each loaded at most once per seal, then served from `HOME/cache/`.

A sealed year never changes (its SHA-256 is in its seal), so what a load of
it gives is kept, keyed by the seal:

- in this process, in memory;
- across processes, as `HOME/cache/sealed-YYYY-<seal>.pickle`, written by
  Fundbook itself (never Beancount's own pickle cache, which trusts a file
  inside the book). A cache file is used only when it names the same seal and
  the sealed book still has the SHA-256 its seal records; otherwise the year
  is loaded again and the file rewritten. Like the book's `plugin` lines, the
  cache directory is trusted as part of the HOME.

`LOADS` counts the Beancount loads of sealed books by seal, so a test or a
benchmark can tell that a report over three closed years loaded each once.

`entries_for_years(layout, live, first, last)` joins the sealed years
`first..last` and, when `last` reaches past the last seal, the live book:
one continuous book for a report, which opens from the 期初余额 of its first
year only (the later years' openings repeat balances it already holds).
"""

from __future__ import annotations

import collections
import copyreg
import datetime
import os
import pickle
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from ledger import loading
from ledger.chain import (
    CHAIN_DIRECTIVE,
    ChainError,
    Run,
    chain_directive,
    chained,
    format_runs,
    parse_head,
    verify_chain,
)
from ledger.layout import Layout
from ledger.seals import MOVABLE as _MOVABLE
from ledger.seals import Seal, file_sha256, is_opening, seals_of

LOADS: collections.Counter[str] = collections.Counter()
"""Beancount loads of sealed books, by seal."""

_FORMAT = 2
_MEMO: dict[str, tuple[list[data.Directive], list[Any]]] = {}
_LOCK = threading.Lock()


def _cache_path(layout: Layout, seal: Seal) -> Path:
    return layout.cache_dir / f"sealed-{seal.year:04d}-{seal.seal}.pickle"


def _load(path: Path) -> tuple[list[data.Directive], list[Any]]:
    """The year's own entries (the chart and registry come from the live book) and errors."""
    entries, errors, _ = loading.load_book(path)
    return [entry for entry in entries if isinstance(entry, _MOVABLE)], errors


def _amount(number: Any, currency: str) -> Amount:
    """An Amount read back from the cache, built without re-checking what was checked when written."""
    built: Amount = tuple.__new__(Amount, (number, currency))
    return built


def _pickler(stream: Any) -> pickle.Pickler:
    """Pickles Amounts as plain pairs: reading tens of thousands back is then cheap."""
    pickler = pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {
        **copyreg.dispatch_table,
        Amount: lambda amount: (_amount, (amount.number, amount.currency)),
    }
    return pickler


def _read_cache(path: Path, seal: Seal) -> tuple[list[data.Directive], list[Any]] | None:
    try:
        with path.open("rb") as stream:
            header = pickle.load(stream)  # noqa: S301 - Fundbook's own cache in the HOME
            if header != (_FORMAT, seal.seal, seal.sha256):
                return None
            found: tuple[list[data.Directive], list[Any]] = pickle.load(stream)  # noqa: S301
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None


def _write_cache(path: Path, seal: Seal, value: tuple[list[data.Directive], list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as stream:
            pickle.dump((_FORMAT, seal.seal, seal.sha256), stream, protocol=pickle.HIGHEST_PROTOCOL)
            _pickler(stream).dump(value)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        temporary.unlink(missing_ok=True)  # a cache that cannot be written is only slower


def load_sealed_entries(
    layout: Layout, seal: Seal, *, fresh: bool = False
) -> tuple[list[data.Directive], list[Any]]:
    """The year's own entries (no chart or registry) and errors of a sealed year.

    `fresh` loads the book itself (what `check --all` does).
    """
    path = layout.book_dir / seal.file
    with _LOCK:
        if not fresh and seal.seal in _MEMO:
            return _MEMO[seal.seal]
        cache = _cache_path(layout, seal)
        value = None
        if not fresh and cache.is_file() and file_sha256(path) == seal.sha256:
            value = _read_cache(cache, seal)
        if value is None:
            value = _load(path)
            LOADS[seal.seal] += 1
            if file_sha256(path) == seal.sha256:
                _write_cache(cache, seal, value)
        _MEMO[seal.seal] = value
        return value


def forget() -> None:
    """Drop what this process keeps in memory (the cache files stay)."""
    with _LOCK:
        _MEMO.clear()


def sealed_years(live: Sequence[data.Directive]) -> list[int]:
    return [seal.year for seal in seals_of(live)]


def entries_for_years(
    layout: Layout, live: Sequence[data.Directive], first: int, last: int
) -> tuple[list[data.Directive], list[Any]]:
    """One book of the years `first..last`: the sealed ones among them and the live book after.

    Returns the entries (sorted as the loader sorts) and the chain errors of
    the pieces (each piece's hash chain verifies on its own).
    """
    seals = [seal for seal in seals_of(live) if first <= seal.year <= last]
    if not seals:
        return list(live), []
    joined: list[data.Directive] = [e for e in live if not isinstance(e, _MOVABLE)]
    chain_errors: list[Any] = []
    for index, seal in enumerate(seals):
        entries, errors = load_sealed_entries(layout, seal)
        chain_errors += [error for error in errors if isinstance(error, ChainError)]
        joined += [
            entry
            for entry in entries
            if isinstance(entry, _MOVABLE) and (index == 0 or not is_opening(entry))
        ]
    if last > seals_of(live)[-1].year:
        joined += [entry for entry in live if isinstance(entry, _MOVABLE) and not is_opening(entry)]
        chain_errors += verify_chain(live)
    joined = [e for e in joined if not (isinstance(e, data.Custom) and e.type == CHAIN_DIRECTIVE)]
    joined.append(_runs_directive(joined, live))
    joined.sort(key=data.entry_sortkey)
    return joined, chain_errors


def _runs_directive(joined: list[data.Directive], live: Sequence[data.Directive]) -> data.Custom:
    """The runs of fb_seq the joined years do not hold (their own chains verified each alone).

    A run before a held entry ends with that entry's fb_prev; the last one
    ends at the head of the live book (its last chained entry, or the head a
    seal recorded).
    """
    present = sorted(
        (int(str(entry.meta["fb_seq"])), str(entry.meta.get("fb_prev", "")))
        for entry in chained(joined)
        if str(entry.meta.get("fb_seq", "")).isdigit()
    )
    directive = chain_directive(live)
    head = parse_head((directive.meta or {}).get("head")) if directive is not None else None
    for entry in chained(live):
        number = str(entry.meta.get("fb_seq", ""))
        if number.isdigit() and (head is None or int(number) > head[0]):
            head = (int(number), str(entry.meta.get("fb_hash", "")))
    runs: list[Run] = []
    expected = 1
    for seq, prev in present:
        if seq > expected:
            runs.append(Run(expected, seq - 1, prev))
        expected = max(expected, seq + 1)
    if head is not None and head[0] >= expected:
        runs.append(Run(expected, head[0], head[1]))
    meta: dict[str, Any] = {"filename": "<sealed years>", "lineno": 0, "runs": format_runs(runs)}
    if head is not None:
        meta["head"] = f"{head[0]}:{head[1]}"
    return data.Custom(meta, datetime.date(1000, 1, 1), CHAIN_DIRECTIVE, [("elsewhere", str)])

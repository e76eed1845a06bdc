"""Fund balances kept current without re-parsing the book: the API's write path reads them.

A full load of a 100,000-transaction book takes ~20 s, so `FundBalances`
loads the book once (`load`) and then keeps each fund's balance (its net
assets: the sum of its Assets and Liabilities postings in CNY) current from
what changed on disk (`refresh`), which costs a few `stat` calls plus the
parse of what is new:

- Fundbook's journals (`book/fundbook/YYYY.beancount`) are append-only, and
  the writer ends every entry with a blank line: only the bytes appended since
  the last look are parsed, up to the last blank line (a block still being
  written is left for the next refresh). The last bytes read are kept and
  compared, so a journal rewritten under us is parsed again whole.
- Any other included file that changed (size, mtime, inode; or, for a file
  modified just before it was read, its content hash), such as
  `manual.beancount` after an edit in Fava, is parsed again alone and its
  contribution replaced, but never while it is half-saved: Fava saves by
  truncating and rewriting, so a read counts only once the file stopped
  changing, parses, balances and ends as it did (see `_read_whole`); until
  then the file counts as it was when last read whole. When its `include` lines change, the set of files is
  walked again: new files are read, files no longer included are dropped.
- What a parse alone cannot settle falls back to a full load: a `pad`, or a
  fund's Assets or Liabilities posting without an amount that is not the one
  simple case (the only posting without amount, no costs or prices).

Whoever derives more from the book (the API's public payments) passes a
`follow` callback and is told each file's transactions as they are read, so
it follows the same appends and edits without a load of its own.

`apply` adds the effect of entries this process has just written, so a
balance is current before the next refresh; each is counted once, by
`fb_id`, whether `apply` or `refresh` sees it first.

Limits: plugins that add or change postings are not re-applied to what a
refresh parses (Fundbook's plugins change nothing), and a journal rewritten to
the same size with the same last bytes is not noticed.
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data
from beancount.parser import parser

from ledger.accounts import fund_of_account
from ledger.fund_effects import (
    ZERO,
    Balances,
    NeedsFullLoad,
    add,
    balances_of,
    effect_of,
    where,
)
from ledger.layout import Layout
from ledger.loading import Loaded, load_book
from ledger.periods import is_close
from ledger.seals import is_opening

END = b"\n\n"  # every entry the writer appends ends with a blank line
TAIL_KEPT = 64
# A file modified less than this before it was read may change again within
# the same mtime tick, so its content hash is checked until it is older.
RACY_NS = 2_000_000_000
GENERATED = "<generated>"  # entries a plugin made, not read from a file
# A file other than a journal is read only once its last change is this old,
# and, if it does not look whole, only after staying so this long.
QUIET_NS = 50_000_000
SETTLE_NS = 1_000_000_000
_JOURNAL_NAME = re.compile(r"[0-9]{4}\.beancount")
_INCLUDE_LINE = re.compile(rb'^include\s+"((?:[^"\\]|\\.)*)"', re.MULTILINE)
_GLOB_CHARS = re.compile(r"[*?\[]")
# Told the transactions of a file as they are read: (path, transactions, replace).
Follower = Callable[[str | None, Sequence[data.Transaction], bool], None]


class StatKey(NamedTuple):
    size: int
    mtime_ns: int
    inode: int


class RefreshReport(NamedTuple):
    """What one refresh did.

    Attributes:
      appended: transactions parsed from journal bytes appended since the last look.
      reparsed: other files parsed again whole because they changed.
      added: files newly included; removed: files no longer included.
      reloaded: True if the refresh fell back to a full load.
    """

    appended: int
    reparsed: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    reloaded: bool


@dataclass
class _File:
    """What one included file contributes and how it looked when last read."""

    path: str
    journal: bool
    stat: StatKey | None = None
    seen_ns: int = 0
    digest: bytes | None = None
    includes: tuple[str, ...] = ()
    contribution: Balances = field(default_factory=dict)
    inode: int | None = None  # journals: the file whose bytes were consumed
    consumed: int = 0  # journals: bytes parsed so far, always at an entry boundary
    tail: bytes = b""  # journals: the last bytes of the consumed part
    ids: set[str] = field(default_factory=set)  # journals: fb_id of every entry parsed
    lines: int = 0  # journals, during a full load: lines of the consumed part
    closes: dict[str, datetime.date] = field(default_factory=dict)  # fund -> last close
    end: bytes = b""  # other files: the last bytes of the content last read whole


def _note_close(closes: dict[str, datetime.date], entry: data.Transaction) -> None:
    """Remember the date of a close (`ledger.periods.is_close`) for each fund it closes.

    A 期初余额 entry after a sealed year (`ledger.seals.is_opening`) counts as
    the close of the day before: the sealed year is closed.
    """
    day = entry.date
    if is_opening(entry):
        day -= datetime.timedelta(days=1)
    elif not is_close(entry):
        return
    fund = (entry.meta or {}).get("fund")
    funds = (
        {fund}
        if isinstance(fund, str)
        else {code for code in (fund_of_account(p.account) for p in entry.postings) if code}
    )
    for code in funds:
        if code not in closes or closes[code] < day:
            closes[code] = day


def _stat(path: str) -> StatKey | None:
    try:
        result = os.stat(path)
    except FileNotFoundError:
        return None
    return StatKey(result.st_size, result.st_mtime_ns, result.st_ino)


def _resolve(patterns: Iterable[str], parent: str) -> tuple[list[str], bool]:
    """Include patterns of a file resolved the way the loader does, and whether any
    of them may match differently later (a glob, or a file that does not exist yet)."""
    found: list[str] = []
    unsettled = False
    folder = os.path.dirname(parent)
    for pattern in patterns:
        search = pattern if os.path.isabs(pattern) else os.path.join(folder, pattern)
        if _GLOB_CHARS.search(pattern):
            unsettled = True
            matched = glob.glob(search, recursive=True)
        else:
            matched = [search]
        for path in matched:
            if os.path.exists(path):
                found.append(os.path.normpath(path))
            else:
                unsettled = True
    return found, unsettled


def _include_patterns(content: bytes) -> tuple[str, ...]:
    return tuple(
        match.decode("utf-8", "replace").replace('\\"', '"')
        for match in _INCLUDE_LINE.findall(content)
    )


def _looks_whole(content: bytes, entries: list[data.Directive], errors: list[object]) -> bool:
    """Whether parsed text looks like a whole file: no parse error, a final newline, and every
    transaction with all its amounts (no cost, price or missing amount) balancing."""
    if errors or (content and not content.endswith(b"\n")):
        return False
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        sums: dict[str, Decimal] = {}
        for posting in entry.postings:
            units = posting.units
            if posting.cost is not None or posting.price is not None:
                break
            number = getattr(units, "number", None)
            currency = getattr(units, "currency", None)
            if not isinstance(number, Decimal) or not isinstance(currency, str):
                break
            sums[currency] = sums.get(currency, ZERO) + number
        else:
            if any(total != ZERO for total in sums.values()):
                return False
    return True


_Whole = tuple[StatKey, int, bytes, list[data.Directive], dict[str, Any]]


def _read_whole(path: str, previous_end: bytes) -> _Whole | None:
    """A file's stat, time seen, content and parse, once it is not being saved; None meanwhile.

    Fava saves a file by truncating and rewriting it, so a read may see any
    prefix, even an empty file while the saving process waits for a core. A
    read counts only if the file did not change while it was read and its last
    change is QUIET_NS old. It is taken at once if it also looks whole
    (`_looks_whole`) and ends with the same bytes as when last read whole
    (`previous_end`; Fava inserts above the last line and rarely touches the
    end); otherwise only once the very same content has stayed SETTLE_NS (an
    edit at the end, or a file that stays unbalanced, is what the book holds).
    Until then the caller keeps what the file held when last read whole.
    """
    deadline = time.monotonic_ns() + 3 * SETTLE_NS
    candidate: bytes | None = None
    since = 0
    while True:
        now = time.monotonic_ns()
        seen_ns = time.time_ns()
        key = _stat(path)
        if key is None:
            return None
        content = FundBalances._read_stable(path, key)
        if content is not None and key.mtime_ns + QUIET_NS <= seen_ns:
            entries, errors, options = parser.parse_string(
                content.decode("utf-8", "replace"), report_filename=path
            )
            same_end = not previous_end or content.endswith(previous_end)
            if same_end and _looks_whole(content, entries, errors):
                return key, seen_ns, content, entries, options
            if content != candidate:
                candidate, since = content, now
            elif now - since >= SETTLE_NS:
                return key, seen_ns, content, entries, options
        if now > deadline:
            return None
        time.sleep(QUIET_NS / 4e9)


class FundBalances:
    """Fund balances of one book, loaded once and kept current cheaply. Thread-safe."""

    def __init__(self, layout: Layout) -> None:
        self._layout = layout
        self._main = os.path.normpath(os.path.abspath(layout.main))
        self._journal_dir = os.path.normpath(os.path.abspath(layout.journal_dir))
        self._lock = threading.RLock()
        self._files: dict[str, _File] = {}
        self._totals: Balances = {}
        self._pending: dict[str, Balances] = {}
        self._pending_totals: Balances = {}
        self._unsettled = False
        self._funds: dict[str, str | None] = {}
        self._follow: Follower | None = None

    def _tell(self, path: str | None, entries: Sequence[data.Transaction], replace: bool) -> None:
        if self._follow is not None:
            self._follow(path, entries, replace)

    # -- public ----------------------------------------------------------------

    @classmethod
    def load(
        cls,
        layout: Layout,
        *,
        on_load: Callable[[Loaded], None] | None = None,
        follow: Follower | None = None,
    ) -> FundBalances:
        """One full load of the book (plugins included); every later look is incremental.

        `on_load` receives what that load read (entries, errors, options), so
        whoever else needs the whole book at start reads it from the same load.
        `follow` is told the transactions of each file as they are read, at
        this load and at every refresh: `follow(path, transactions, replace)`
        adds them to what the file held, or replaces it when `replace`
        (a path of None with `replace` means: forget every file).
        """
        balances = cls(layout)
        balances._follow = follow
        balances._full_load(on_load)
        return balances

    def refresh(self) -> RefreshReport:
        """Take in what changed on disk since the last look: appends, edits, includes."""
        with self._lock:
            try:
                return self._refresh()
            except NeedsFullLoad:
                self._full_load()
                return RefreshReport(0, (), (), (), True)

    def apply(self, entries: Iterable[data.Directive]) -> None:
        """Count entries this process has just written (each once, by fb_id)."""
        with self._lock:
            for entry in entries:
                if not isinstance(entry, data.Transaction):
                    continue
                fb_id = (entry.meta or {}).get("fb_id")
                if not isinstance(fb_id, str):
                    raise ValueError(f"apply needs entries with an fb_id, not {where(entry)}")
                if fb_id in self._pending or self._written(fb_id):
                    continue
                effect = effect_of(entry, self._funds)
                self._pending[fb_id] = effect
                add(self._pending_totals, effect)

    def counted(self, fb_id: str) -> bool:
        """Whether the entry `fb_id` is in the balances (read from a journal, or applied)."""
        with self._lock:
            return fb_id in self._pending or self._written(fb_id)

    def balance(self, fund: str) -> Decimal:
        """The balance (net assets) of `fund`, in CNY."""
        with self._lock:
            return self._totals.get(fund, ZERO) + self._pending_totals.get(fund, ZERO)

    def closed_through(self, fund: str) -> datetime.date | None:
        """The date of the fund's last close in the book, if any.

        A close dated 31 December (of any fund: `fundbook close` books none for
        a fund without income or expenses) closes that year for every fund.
        """
        with self._lock:
            dates = [r.closes[fund] for r in self._files.values() if fund in r.closes]
            dates += [
                day
                for r in self._files.values()
                for day in r.closes.values()
                if (day.month, day.day) == (12, 31)
            ]
            return max(dates, default=None)

    def balances(self) -> dict[str, Decimal]:
        """Every fund's balance; funds at zero are left out."""
        with self._lock:
            totals = dict(self._totals)
            add(totals, self._pending_totals)
            return {fund: number for fund, number in totals.items() if number != ZERO}

    @property
    def files(self) -> tuple[str, ...]:
        """The files of the book, as last seen."""
        with self._lock:
            return tuple(sorted(self._files))

    # -- loading ---------------------------------------------------------------

    def _is_journal(self, path: str) -> bool:
        return os.path.dirname(path) == self._journal_dir and bool(
            _JOURNAL_NAME.fullmatch(os.path.basename(path))
        )

    def _full_load(self, on_load: Callable[[Loaded], None] | None = None) -> None:
        # Look at every candidate file first: whatever changes during the load
        # then differs from what is recorded, and the next refresh reads it.
        seen_ns = time.time_ns()
        before: dict[str, _File] = {}
        pattern = os.path.join(self._layout.book_dir, "**", "*.beancount")
        for path in glob.glob(pattern, recursive=True):
            norm = os.path.normpath(os.path.abspath(path))
            before[norm] = self._look(norm, seen_ns)
        limits: dict[str, int] = {}
        loaded = load_book(self._layout)
        if on_load is not None:
            on_load(loaded)
        entries, _, options = loaded
        files: dict[str, _File] = {}
        for path in options["include"]:
            norm = os.path.normpath(os.path.abspath(path))
            record = before.get(norm) or _File(norm, self._is_journal(norm), seen_ns=seen_ns)
            files[norm] = record
            if record.journal and record.stat is not None:
                limits[norm] = record.lines
                record.lines = 0
                if record.stat.size != record.consumed:
                    record.stat = None  # not every byte consumed: read the rest next time
        read: dict[str, list[data.Transaction]] = {}
        for entry in entries:
            if not isinstance(entry, data.Transaction):
                continue
            meta = entry.meta or {}
            filename = os.path.normpath(os.path.abspath(str(meta.get("filename", ""))))
            owner = files.get(filename)
            if owner is None:  # made by a plugin: counted once, never refreshed
                owner = files.setdefault(GENERATED, _File(GENERATED, False))
            elif owner.journal:
                if meta.get("lineno", 0) > limits.get(filename, 0):
                    continue  # beyond the last complete entry: the next refresh reads it
                fb_id = meta.get("fb_id")
                if isinstance(fb_id, str):
                    owner.ids.add(fb_id)
            add(owner.contribution, effect_of(entry, self._funds))
            _note_close(owner.closes, entry)
            read.setdefault(owner.path, []).append(entry)
        self._tell(None, (), True)
        for path, found in read.items():
            self._tell(path, found, False)
        self._files = files
        self._totals = {}
        for record in files.values():
            add(self._totals, record.contribution)
        for record in files.values():
            # The loader may have read a file being saved: read it again whole.
            if record.journal or record.path == GENERATED:
                continue
            if (
                record.stat is None
                or _stat(record.path) != record.stat
                or (record.stat.mtime_ns + QUIET_NS > record.seen_ns)
            ) and not self._parse_file(record)[0]:
                record.stat = None  # still being saved: the next refresh reads it again
        self._unsettled = any(_resolve(record.includes, path)[1] for path, record in files.items())
        self._settle_pending()

    def _look(self, path: str, seen_ns: int) -> _File:
        """A file as it is before a full load: its stat and, for a journal, its whole
        entries; for another file, its content hash and include lines."""
        record = _File(path, self._is_journal(path), seen_ns=seen_ns)
        key = _stat(path)
        if key is None:
            return record
        if record.journal:
            with open(path, "rb") as stream:
                content = stream.read(key.size)
            end = content.rfind(END)
            record.consumed = end + len(END) if end >= 0 else 0
            record.tail = content[max(0, record.consumed - TAIL_KEPT) : record.consumed]
            record.lines = content.count(b"\n", 0, record.consumed)
            record.inode = key.inode
            record.stat = key
            return record
        stable = self._read_stable(path, key)
        if stable is not None:
            record.stat = key
            record.digest = hashlib.blake2b(stable).digest()
            record.includes = _include_patterns(stable)
            record.end = stable[-TAIL_KEPT:]
        return record

    # -- refreshing -------------------------------------------------------------

    def _refresh(self) -> RefreshReport:
        appended = 0
        reparsed: list[str] = []
        structure = self._unsettled
        for record in list(self._files.values()):
            if record.path == GENERATED:
                continue
            if record.journal:
                appended += self._refresh_journal(record)
            else:
                changed, includes_changed = self._refresh_file(record)
                if changed:
                    reparsed.append(record.path)
                structure = structure or includes_changed
        added: list[str] = []
        removed: list[str] = []
        if structure:
            added, removed, count = self._walk()
            appended += count
        return RefreshReport(appended, tuple(reparsed), tuple(added), tuple(removed), False)

    def _replace(self, record: _File, contribution: Balances) -> None:
        add(self._totals, record.contribution, -1)
        record.contribution = contribution
        add(self._totals, contribution)

    def _refresh_journal(self, record: _File) -> int:
        """Parse the whole entries appended to a journal since the last look."""
        key = _stat(record.path)
        if key is None:
            self._reset_journal(record)
            record.stat = None
            return 0
        if key == record.stat:
            return 0
        if key.inode != record.inode or key.size < record.consumed:
            self._reset_journal(record)  # new, replaced or cut: not an append
        start = record.consumed - len(record.tail)
        with open(record.path, "rb") as stream:
            stream.seek(start)
            content = stream.read(key.size - start)
        if content[: len(record.tail)] == record.tail:
            content = content[len(record.tail) :]
        else:  # rewritten under us: read it whole
            self._reset_journal(record)
            with open(record.path, "rb") as stream:
                content = stream.read(key.size)
        end = content.rfind(END)
        chunk = content[: end + len(END)] if end >= 0 else b""
        count = self._take_chunk(record, chunk) if chunk else 0
        record.consumed += len(chunk)
        record.tail = (record.tail + chunk)[-TAIL_KEPT:]
        # With a block still being written, the stat is not recorded: look again next time.
        record.stat = key if record.consumed == key.size else None
        record.inode = key.inode
        return count

    def _reset_journal(self, record: _File) -> None:
        self._replace(record, {})
        self._tell(record.path, (), True)
        record.inode = None
        record.consumed = 0
        record.tail = b""
        record.ids = set()
        record.closes = {}

    def _take_chunk(self, record: _File, chunk: bytes) -> int:
        """Parse whole entries appended to a journal and count them (each fb_id once)."""
        entries, _, _ = parser.parse_string(
            chunk.decode("utf-8", "replace"), report_filename=record.path
        )
        count = 0
        contribution = dict(record.contribution)
        taken = []
        for entry in entries:
            if isinstance(entry, data.Pad):
                raise NeedsFullLoad(f"a pad in {record.path}")
            if not isinstance(entry, data.Transaction):
                continue
            fb_id = (entry.meta or {}).get("fb_id")
            if isinstance(fb_id, str):
                record.ids.add(fb_id)
                pending = self._pending.pop(fb_id, None)
                if pending is not None:
                    add(self._pending_totals, pending, -1)
            add(contribution, effect_of(entry, self._funds))
            _note_close(record.closes, entry)
            taken.append(entry)
            count += 1
        self._replace(record, contribution)
        self._tell(record.path, taken, False)
        return count

    def _refresh_file(self, record: _File) -> tuple[bool, bool]:
        """Parse a changed file again; return (changed, its includes changed)."""
        key = _stat(record.path)
        if key is None:
            if record.stat is None and not record.contribution and not record.includes:
                return False, False
            had = bool(record.includes)
            self._replace(record, {})
            self._tell(record.path, (), True)
            record.stat, record.includes, record.digest = None, (), None
            return True, had
        if key == record.stat:
            if key.mtime_ns + RACY_NS < record.seen_ns:
                return False, False
            now = time.time_ns()
            content = self._read_stable(record.path, key)
            if content is None:
                return False, False
            if hashlib.blake2b(content).digest() == record.digest:
                record.seen_ns = now
                return False, False
        return self._parse_file(record)

    @staticmethod
    def _read_stable(path: str, key: StatKey) -> bytes | None:
        """The file's content if it did not change while being read, else None."""
        try:
            with open(path, "rb") as stream:
                content = stream.read()
        except FileNotFoundError:
            return None
        return content if _stat(path) == key and len(content) == key.size else None

    def _parse_file(self, record: _File) -> tuple[bool, bool]:
        """Parse a changed file again, never a half-saved one (see `_read_whole`)."""
        found = _read_whole(record.path, record.end)
        if found is None:
            return False, False  # still being saved: the whole file it had counts until then
        key, seen_ns, content, entries, options = found
        contribution: Balances = {}
        closes: dict[str, datetime.date] = {}
        taken = []
        for entry in entries:
            if isinstance(entry, data.Pad):
                raise NeedsFullLoad(f"a pad in {record.path}")
            if isinstance(entry, data.Transaction):
                add(contribution, effect_of(entry, self._funds))
                _note_close(closes, entry)
                taken.append(entry)
        self._replace(record, contribution)
        self._tell(record.path, taken, True)
        record.closes = closes
        includes = tuple(options["include"])
        changed = includes != record.includes
        record.stat, record.seen_ns = key, seen_ns
        record.digest = hashlib.blake2b(content).digest()
        record.includes = includes
        record.end = content[-TAIL_KEPT:]
        return True, changed

    def _walk(self) -> tuple[list[str], list[str], int]:
        """Files reachable from main.beancount now: read the new ones, drop the others."""
        reachable: set[str] = set()
        added: list[str] = []
        appended = 0
        self._unsettled = False
        stack = [self._main]
        while stack:
            path = stack.pop()
            if path in reachable:
                continue
            reachable.add(path)
            record = self._files.get(path)
            if record is None:
                record = self._files[path] = _File(path, self._is_journal(path))
                added.append(path)
                if record.journal:
                    appended += self._refresh_journal(record)
                else:
                    self._parse_file(record)
            children, unsettled = _resolve(record.includes, path)
            stack.extend(children)
            self._unsettled = self._unsettled or unsettled
        removed = [path for path in self._files if path not in reachable and path != GENERATED]
        for path in removed:
            self._replace(self._files.pop(path), {})
            self._tell(path, (), True)
        return added, removed, appended

    def _written(self, fb_id: str) -> bool:
        return any(fb_id in record.ids for record in self._files.values() if record.journal)

    def _settle_pending(self) -> None:
        for fb_id in [fb_id for fb_id in self._pending if self._written(fb_id)]:
            add(self._pending_totals, self._pending.pop(fb_id), -1)


def full_balances(layout: Layout) -> dict[str, Decimal]:
    """Every fund's balance from a full load of the book: the slow reference."""
    entries, _, _ = load_book(layout)
    return balances_of(entries)


__all__ = [
    "Balances",
    "Follower",
    "FundBalances",
    "NeedsFullLoad",
    "RefreshReport",
    "balances_of",
    "effect_of",
    "full_balances",
]

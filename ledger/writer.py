"""The writer: the only code that appends to the book, and only to `book/fundbook/`.

`Writer.append` takes Fundbook transactions (each with an ASCII `fb_id`),
validates and renders all of them before touching any file (`ledger.text`
refuses what cannot be written safely), then, holding an exclusive lock across
threads and processes:

1. catches up with what other processes appended since this writer last looked,
   reading only the new bytes of the journal files (never the whole book);
2. settles a torn tail (bytes after the last whole entry, see `ledger.torn`):
   a whole entry missing only its final newline is completed; an incomplete
   tail holding nothing delivered (as the `Witness` of the workflow database
   tells) is kept aside in `book/fundbook/torn/` and cut; anything else is
   refused with `TornTail` until an operator runs `fundbook repair`. Each
   repair is logged and recorded in `torn/repairs.jsonl`;
3. refuses an `fb_id` already in the journal (`DuplicatePosting`); where a
   caller asks to append only what is missing, an `fb_id` already written with
   other content is a `ConflictingPosting`, never silently skipped;
4. numbers each entry (`fb_seq`), chains it to the previous one (`fb_prev`,
   `fb_hash`, see `ledger.chain`) and appends it to the journal of its year,
   `book/fundbook/YYYY.beancount`, creating that file and its `include` line in
   `book/fundbook/journal.beancount` on first use;
5. flushes and fsyncs (and fsyncs the directory when it created a file).

Every entry written ends with a blank line, and no line of a written entry is
blank (text never holds a raw line break), so a file whose bytes do not end
with a blank line has a torn tail. A process killed in the middle of a batch
leaves the complete entries before the tear: each is whole and chained, and
`append_missing` (one lock: append those whose `fb_id` is not yet written)
completes the batch exactly once.

Changes of the registry (organizations, funds and their accounts, approval
chains) go through `Writer.append_registry`, under the same lock, to
`book/fundbook/registry.beancount`, included from the journal index; they are
`custom` and `open` directives, not transactions; each change is marked
`fb_change` and recorded in the hash chain by a transaction without postings
that carries its digest (see `ledger.registry_record`).

The writer touches no file outside `book/fundbook/`, and there it only
appends, except for cutting a torn tail that holds nothing delivered, which it
keeps aside first. After a
year is sealed (`ledger.seal`), its journal leaves the index, and the chain
continues from the head recorded in `book/opening.beancount`.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from beancount.core import data
from beancount.parser import parser

from ledger import registry_record, text, torn
from ledger.chain import CHAIN_KEYS, GENESIS, canonical, entry_hash
from ledger.entries import InvalidEntry
from ledger.layout import Layout

FB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_INCLUDE = re.compile(rb'^include "([0-9]{4})\.beancount"[ \t]*$', re.MULTILINE)
# Starts with a literal so the scan of a large journal is a fast substring search.
_CHAIN_LINE = re.compile(rb'\n  fb_(id|seq|hash): "([^"\\\n]*)"(?=\n)')
_HEX64 = re.compile(rb"[0-9a-f]{64}")
_SEALED_HEAD = re.compile(rb'\n  head: "([0-9]{1,18}):([0-9a-f]{64})"(?=\n)')
_END = b"\n\n"
_REGISTRY_INCLUDE = b'include "registry.beancount"'
_REGISTRY_HEADER = (
    b"; Changes of the registry after the book was created (fundbook org add, fund add,\n"
    b"; chain set), appended by Fundbook's writer: each says who made it and when.\n\n"
)
log = logging.getLogger("fundbook.writer")


class Written(NamedTuple):
    """A transaction in the journal: its id, place in the chain, hash and file."""

    fb_id: str
    seq: int
    hash: str
    path: Path


class DuplicatePosting(Exception):
    """The fb_id is already in the journal (or twice in one batch)."""

    def __init__(self, fb_id: str, existing: Written | None = None) -> None:
        if existing is None:
            message = f"fb_id {fb_id!r} appears twice in one batch"
        else:
            message = f"fb_id {fb_id!r} is already written (fb_seq {existing.seq} in {existing.path.name})"
        super().__init__(message)
        self.fb_id = fb_id
        self.existing = existing

    def __reduce__(self) -> tuple[type[DuplicatePosting], tuple[str, Written | None]]:
        return (type(self), (self.fb_id, self.existing))


class ConflictingPosting(DuplicatePosting):
    """The fb_id is already in the journal, but that entry says something else."""

    def __init__(self, fb_id: str, existing: Written | None = None) -> None:
        super().__init__(fb_id, existing)
        where = f" (fb_seq {existing.seq} in {existing.path.name})" if existing else ""
        self.args = (f"fb_id {fb_id!r} is already written{where} with other content",)


class JournalDamaged(Exception):
    """A journal file changed in a way only a foreign hand can change it (e.g. it shrank)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_INCLUDE_SHAPE = b'include "0000.beancount"'


def _is_torn_include(tail: bytes) -> bool:
    """Whether `tail` is the start of an include line the writer was adding (not foreign text)."""
    if len(tail) > len(_INCLUDE_SHAPE):
        return False
    return all(
        0x30 <= got <= 0x39 if want == 0x30 else got == want
        for got, want in zip(tail, _INCLUDE_SHAPE, strict=False)
    )


def _header(year: int) -> bytes:
    return (
        f"; Fundbook journal {year}: transactions appended by Fundbook's writer.\n"
        "; Do not edit: each entry is chained by fb_seq, fb_prev and fb_hash.\n\n"
    ).encode()


class _Prepared(NamedTuple):
    fb_id: str
    entry: data.Transaction


class Writer:
    """Appends Fundbook transactions to the journal; safe across threads and processes."""

    def __init__(self, layout: Layout, *, witness: torn.Witness | None = None) -> None:
        self._layout = layout
        self._witness = witness
        self._tails: list[tuple[int, torn.Tail]] = []
        self._thread_lock = threading.Lock()
        self._pid = os.getpid()
        self._ids: dict[str, Written] = {}
        self._places: dict[str, int] = {}  # fb_id -> a byte offset inside its entry
        self._seq = 0
        self._last = GENESIS
        self._offsets: dict[int, int] = {}
        self._index_size = -1
        self._included: set[int] = set()
        self.repaired: list[Path] = []
        """Where torn tails were kept aside, most recent last."""
        layout.journal_dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if not layout.journal_index.exists():
                self._create_index()
            self._start_after_seal()

    # -- public --------------------------------------------------------------

    def append(self, entries: Sequence[data.Transaction]) -> list[Written]:
        """Append every entry, or none if any is invalid, unsafe or already written."""
        prepared = self._prepare(entries)
        with self._locked():
            for item in prepared:
                if item.fb_id in self._ids:
                    raise DuplicatePosting(item.fb_id, self._ids[item.fb_id])
            return self._write(prepared)

    def written(self, fb_id: str) -> Written | None:
        """The journal's entry with this fb_id, including other processes' appends."""
        with self._locked():
            return self._ids.get(fb_id)

    def append_missing(self, entries: Sequence[data.Transaction]) -> list[Written]:
        """Under one lock, append the entries whose fb_id is not written yet; Written for all.

        An fb_id already written must name the same entry (all but the chain's
        keys); otherwise `ConflictingPosting`, and nothing is written.
        """
        prepared = self._prepare(entries)
        with self._locked():
            for item in prepared:
                if item.fb_id in self._ids:
                    self._check_same(item)
            missing = [item for item in prepared if item.fb_id not in self._ids]
            self._write(missing)
            return [self._ids[item.fb_id] for item in prepared]

    def append_registry(
        self, make: Callable[[], Sequence[data.Directive]]
    ) -> Sequence[data.Directive]:
        """Append the registry directives `make()` returns, calling it under the lock.

        `make` reads the registry as it is and raises if the change does not
        apply to it, so two processes changing the registry at once cannot
        both add the same code. Only `open` and `custom` directives are
        written, all or none.
        """
        with self._locked():
            directives = make()
            for index, entry in enumerate(directives):
                if not isinstance(entry, data.Open | data.Custom):
                    raise InvalidEntry(
                        f"registry change {index}: only open and custom directives, "
                        f"not {type(entry).__name__}"
                    )
                for key in entry.meta or {}:
                    if text.is_hidden_key(key) and key not in ("filename", "lineno"):
                        raise text.UnsafeText("meta", f"metadata key {key!r} is set by the parser")
            if not directives:
                return directives
            change = registry_record.change_id(directives)
            marked = registry_record.mark(directives, change)
            # everything is rendered and validated before any file is touched
            payload = b"".join((text.render(entry) + "\n").encode("utf-8") for entry in marked)
            prepared = self._prepare([registry_record.record(marked, change)])
            self._append_registry_bytes(payload)
            self._write(prepared)
            return marked

    def _append_registry_bytes(self, payload: bytes) -> None:
        path = self._layout.registry_changes
        if not path.exists():
            with path.open("xb") as stream:
                stream.write(_REGISTRY_HEADER)
                stream.flush()
                os.fsync(stream.fileno())
            _fsync_dir(path.parent)
        content = path.read_bytes()
        end = content.rfind(_END) + len(_END)
        if end < len(content):  # a torn tail: completed if whole, else kept aside and cut
            tail = torn.Tail(path, end, content[end:])
            fill = torn.whole_directives(tail.data)
            if fill is not None:
                torn.complete(tail, fill)
                repair = torn.record(self._layout, tail, "completed", aside=None, by="writer")
            else:
                aside = torn.cut(self._layout, tail)
                self.repaired.append(aside)
                repair = torn.record(self._layout, tail, "cut", aside=aside, by="writer")
            log.warning("torn tail of the registry changes: %s", torn.describe(repair))
        index = self._layout.journal_index
        if _REGISTRY_INCLUDE not in index.read_bytes().splitlines():
            with index.open("ab") as stream:
                stream.write(_REGISTRY_INCLUDE + b"\n")
                stream.flush()
                os.fsync(stream.fileno())
            self._index_size = -1  # read the index again on the next catch-up
        start = path.stat().st_size
        try:
            with path.open("ab") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
        except BaseException:
            with path.open("r+b") as stream:  # leave no partial change behind
                stream.truncate(start)
                os.fsync(stream.fileno())
            raise

    def head(self) -> tuple[int, str]:
        """fb_seq and fb_hash of the last entry of the chain (0 and GENESIS when empty)."""
        with self._locked():
            return self._seq, self._last

    def _check_same(self, item: _Prepared) -> None:
        written = self._ids[item.fb_id]
        place = self._places.get(item.fb_id)
        block = _block_at(written.path, place) if place is not None else ""
        found = [e for e in parser.parse_string(block)[0] if isinstance(e, data.Transaction)]
        if len(found) != 1 or _unchained(found[0]) != _unchained(item.entry):
            raise ConflictingPosting(item.fb_id, written)

    # -- validation ----------------------------------------------------------

    def _prepare(self, entries: Sequence[data.Transaction]) -> list[_Prepared]:
        prepared: list[_Prepared] = []
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            if not isinstance(entry, data.Transaction):
                raise InvalidEntry(
                    f"entry {index}: only transactions are written, not {type(entry).__name__}"
                )
            meta = entry.meta or {}
            fb_id = meta.get("fb_id")
            if not isinstance(fb_id, str) or not fb_id.isascii() or not FB_ID.fullmatch(fb_id):
                raise InvalidEntry(
                    f"entry {index}: meta fb_id must be an ASCII token, not {fb_id!r:.80}"
                )
            for key in CHAIN_KEYS:
                if key in meta:
                    raise InvalidEntry(f"entry {index} ({fb_id}): {key} is set by the writer")
            _refuse_parser_keys(entry)
            text.render(entry)  # raises UnsafeText before any file is touched
            if not 1000 <= entry.date.year <= 9999:
                raise InvalidEntry(f"entry {index} ({fb_id}): year {entry.date.year} out of range")
            if fb_id in seen:
                raise DuplicatePosting(fb_id)
            seen.add(fb_id)
            prepared.append(_Prepared(fb_id, entry))
        return prepared

    # -- locking and catching up ---------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if os.getpid() != self._pid:  # a forked child: its own thread lock
            self._thread_lock = threading.Lock()
            self._pid = os.getpid()
        with self._thread_lock:
            fd = os.open(self._layout.lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._catch_up()
                yield
            finally:
                os.close(fd)  # releases the flock

    def _start_after_seal(self) -> None:
        """Continue the chain from the head a seal recorded, when the journals hold none beyond it."""
        try:
            content = self._layout.opening.read_bytes()
        except FileNotFoundError:
            return
        heads = _SEALED_HEAD.findall(content)
        if heads:
            seq, digest = heads[-1]
            if int(seq) > self._seq:
                self._seq, self._last = int(seq), digest.decode("ascii")

    def _catch_up(self) -> None:
        index = self._layout.journal_index
        try:
            size = index.stat().st_size
        except FileNotFoundError:
            size = 0
        if size < self._index_size:  # a year was sealed: its journal left the index
            content = index.read_bytes() if size else b""
            self._included = {int(year) for year in _INCLUDE.findall(content)}
            for year in set(self._offsets) - self._included:
                del self._offsets[year]
            self._start_after_seal()
        if size != self._index_size:
            content = index.read_bytes() if size else b""
            tail = content[content.rfind(b"\n") + 1 :]
            if tail and _is_torn_include(tail):  # a crash while adding an include line
                with index.open("r+b") as stream:
                    stream.truncate(len(content) - len(tail))
                    os.fsync(stream.fileno())
                content = content[: len(content) - len(tail)]
                size = len(content)
            self._included |= {int(year) for year in _INCLUDE.findall(content)}
            self._index_size = size
        for year in sorted(self._included | set(self._offsets)):
            self._scan(year)
        self._settle()

    def _scan(self, year: int) -> None:
        path = self._layout.journal_for_year(year)
        offset = self._offsets.get(year, 0)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            if offset:
                raise JournalDamaged(f"{path} disappeared") from None
            return
        if size < offset:
            raise JournalDamaged(f"{path} shrank from {offset} to {size} bytes")
        if size == offset:
            self._offsets[year] = offset
            return
        with path.open("rb") as stream:
            stream.seek(offset)
            new = stream.read(size - offset)
        end = new.rfind(_END)
        complete = new[: end + len(_END)] if end >= 0 else b""
        if len(complete) < len(new):  # settled once every journal is read: the chain's head
            tail = torn.Tail(path, offset + len(complete), new[len(complete) :])
            self._tails.append((year, tail))
        self._register(path, complete, offset)
        self._offsets[year] = offset + len(complete)

    def _settle(self) -> None:
        """Complete, cut or refuse each torn tail found by the scans (see `ledger.torn`)."""
        found, self._tails = self._tails, []
        for year, tail in found:
            fill = torn.completion(tail.data, self._seq, self._last)
            if fill is not None:
                self._complete(year, tail, fill)
                continue
            reasons = torn.delivered_in(tail.data, self._witness, self._seq)
            if reasons:
                log.error("refusing to cut a torn tail: %s", "; ".join(reasons))
                raise torn.TornTail(tail, "; ".join(reasons))
            self._cut(tail)

    def _complete(self, year: int, tail: torn.Tail, fill: bytes) -> None:
        """Append the newline(s) a whole, chained entry lacks, and learn the entry."""
        torn.complete(tail, fill)
        self._register(tail.path, tail.data + fill, tail.offset)
        self._offsets[year] = tail.offset + len(tail.data) + len(fill)
        repair = torn.record(self._layout, tail, "completed", aside=None, by="writer")
        log.warning("torn tail completed: %s", torn.describe(repair))

    def _cut(self, tail: torn.Tail) -> None:
        """Keep an incomplete tail holding nothing delivered aside, then cut it off."""
        aside = torn.cut(self._layout, tail)
        self.repaired.append(aside)
        repair = torn.record(self._layout, tail, "cut", aside=aside, by="writer")
        log.warning("torn tail cut: %s", torn.describe(repair))

    def _register(self, path: Path, chunk: bytes, base: int) -> None:
        """Learn fb_id, fb_seq and fb_hash of the complete entries in `chunk`.

        The writer renders an entry's own metadata (fb_id among it) before the
        chain's keys, fb_seq, fb_prev and fb_hash, at two spaces of indent;
        posting metadata has four, and no text holds a raw line break.
        """
        fb_id: str | None = None
        seq: int | None = None
        for match in _CHAIN_LINE.finditer(chunk):
            key, value = match.group(1), match.group(2)
            if key == b"id":
                fb_id, seq = value.decode("ascii", "replace"), None
                self._places.setdefault(fb_id, base + match.start() + 1)
            elif key == b"seq":
                seq = int(value) if value.isdigit() else None
            else:
                if fb_id is not None and seq is not None and _HEX64.fullmatch(value):
                    self._learn(Written(fb_id, seq, value.decode("ascii"), path))
                fb_id = seq = None

    def _learn(self, written: Written) -> None:
        self._ids.setdefault(written.fb_id, written)
        if written.seq > self._seq:
            self._seq = written.seq
            self._last = written.hash

    # -- writing -------------------------------------------------------------

    def _write(self, prepared: Sequence[_Prepared]) -> list[Written]:
        results: list[Written] = []
        runs: list[tuple[int, list[tuple[bytes, Written]]]] = []
        seq, prev = self._seq, self._last
        for item in prepared:
            seq += 1
            meta = dict(item.entry.meta)
            meta["fb_seq"] = str(seq)
            meta["fb_prev"] = prev
            chained = item.entry._replace(meta=meta)
            digest = entry_hash(chained, prev)
            meta["fb_hash"] = digest
            rendered = (text.render(chained) + "\n").encode("utf-8")
            year = item.entry.date.year
            written = Written(item.fb_id, seq, digest, self._layout.journal_for_year(year))
            if runs and runs[-1][0] == year:
                runs[-1][1].append((rendered, written))
            else:
                runs.append((year, [(rendered, written)]))
            results.append(written)
            prev = digest
        for year, items in runs:
            self._ensure_year(year)
            place = self._offsets[year]
            self._append_bytes(year, b"".join(rendered for rendered, _ in items))
            for rendered, written in items:
                self._places.setdefault(written.fb_id, place + 1)
                place += len(rendered)
                self._learn(written)
        return results

    def _append_bytes(self, year: int, payload: bytes) -> None:
        path = self._layout.journal_for_year(year)
        start = self._offsets[year]
        try:
            with path.open("ab") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
        except BaseException:
            with path.open("r+b") as stream:  # leave no partial entry behind
                stream.truncate(start)
                os.fsync(stream.fileno())
            raise
        self._offsets[year] = start + len(payload)

    def _ensure_year(self, year: int) -> None:
        """The year's journal exists and the index includes it."""
        path = self._layout.journal_for_year(year)
        if not path.exists():
            header = _header(year)
            with path.open("xb") as stream:
                stream.write(header)
                stream.flush()
                os.fsync(stream.fileno())
            _fsync_dir(path.parent)
            self._offsets[year] = len(header)
        elif year not in self._offsets:
            self._scan(year)
            self._settle()
        if year not in self._included:
            self._include(year)

    def _create_index(self) -> None:
        index = self._layout.journal_index
        with index.open("xb") as stream:
            stream.write(
                b"; Fundbook journals, one include per year (appended by Fundbook's writer).\n"
            )
            stream.flush()
            os.fsync(stream.fileno())
        _fsync_dir(index.parent)
        self._index_size = index.stat().st_size

    def _include(self, year: int) -> None:
        index = self._layout.journal_index
        if not index.exists():
            self._create_index()
        with index.open("ab") as stream:
            if stream.tell() > 0:
                with index.open("rb") as reader:
                    reader.seek(-1, os.SEEK_END)
                    if reader.read(1) != b"\n":
                        stream.write(b"\n")
            stream.write(f'include "{year}.beancount"\n'.encode())
            stream.flush()
            os.fsync(stream.fileno())
        self._included.add(year)
        self._index_size = index.stat().st_size


def _refuse_parser_keys(entry: data.Transaction) -> None:
    """UnsafeText for metadata the parser sets itself (filename, lineno, `__*`).

    `ledger.text` leaves such keys out when it renders, which suits directives
    read from a book; in an entry to append, a caller's value would silently
    not be written, so it is refused instead.
    """
    places = [("meta", entry.meta or {})]
    places += [
        (f"postings[{i}].meta", getattr(p, "meta", None) or {})
        for i, p in enumerate(entry.postings)
    ]
    for field, meta in places:
        for key in meta:
            if isinstance(key, str) and text.is_hidden_key(key):
                raise text.UnsafeText(field, f"metadata key {key!r} is set by Beancount's parser")


def _unchained(entry: data.Transaction) -> str:
    """The canonical form of an entry without the chain's keys."""
    meta = {key: value for key, value in (entry.meta or {}).items() if key not in CHAIN_KEYS}
    return canonical(entry._replace(meta=meta))


_WINDOWS = (1 << 16, 1 << 20, 1 << 24)


def _block_at(path: Path, place: int) -> str:
    """The text of the entry around byte `place` of a journal, read without the whole file.

    Entries are separated by a blank line and hold none, so the entry runs from
    the blank line before `place` to the next one.
    """
    with path.open("rb") as stream:
        start = 0
        for window in (*_WINDOWS, place + 1):
            low = max(0, place - window)
            stream.seek(low)
            found = stream.read(place + 1 - low).rfind(_END)
            if found >= 0:
                start = low + found + len(_END)
                break
            if low == 0:
                break
        stream.seek(start)
        for size in (*_WINDOWS, None):
            text = stream.read(size) if size is not None else stream.read()
            end = text.find(_END)
            if end >= 0 or size is None or len(text) < size:
                return (text[:end] if end >= 0 else text).decode("utf-8", "surrogatepass")
            stream.seek(start)
    return ""

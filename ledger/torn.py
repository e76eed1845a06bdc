"""Torn tails of the journal: what follows the last whole entry, and what may be done with it.

Every entry the writer appends ends with a blank line, so the bytes of a
journal file after its last blank line are a *torn tail*. A process killed in
the middle of an append leaves one; so does a hand that edits the file (an
editor's end-of-file fixer dropping the final newline, a cut mid-string). Each
tail is decided one of three ways, and never by deleting a delivered entry:

- `complete`: the tail is one whole entry continuing the chain (its `fb_seq`
  follows the head, `fb_prev` is the head's hash and its `fb_hash` verifies)
  that lacks only its final newline(s); they are appended.
- `cut`: the tail is incomplete and holds nothing delivered: none of its
  fb_ids is an outbox entry marked delivered, and no head recorded outside the
  book is past the book's own. The tail is kept aside in `torn/` and cut; the
  outbox re-appends what it was writing.
- `refuse`: anything else. The writer raises `TornTail`, so the server does not
  start until an operator runs `fundbook repair HOME` and chooses.

Every completion and cut is recorded, one JSON line each, in
`book/fundbook/torn/repairs.jsonl`, which `fundbook check` and the integrity
report show.

    2026-03-02 * "玉林社区老年协会" "捐赠"
      fb_id: "T1"
      fb_seq: "1"
      fb_prev: "000…"
      fb_hash: "3f1…"                  <- file ends here, no blank line: complete
      Assets:Bank:ICBC:MF-T1  10.0     <- file ends here, mid-posting: cut or refuse
"""

from __future__ import annotations

import datetime
import json
import os
import re
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from beancount.core import data
from beancount.parser import parser

from ledger.chain import GENESIS, entry_hash
from ledger.layout import Layout

_FB_ID = re.compile(rb'\n  fb_id: "([A-Za-z0-9][A-Za-z0-9._:/-]{0,127})"')


class Witness(Protocol):
    """What the workflow database knows about the journal, handed to the writer.

    The core reads no database; the service passes one of these in.
    """

    def delivered(self, fb_ids: Collection[str]) -> Collection[str]:
        """Those of `fb_ids` that the outbox marked as delivered to the book."""
        ...

    def anchored_seq(self) -> int:
        """The highest fb_seq recorded as the chain's head outside the book (0 if none)."""
        ...


class Tail(NamedTuple):
    """Bytes after the last whole entry of one journal file.

    Attributes:
      path: the journal file.
      offset: where the tail starts (the size the file has once it is cut).
      data: the tail's bytes.
    """

    path: Path
    offset: int
    data: bytes


class TornTail(Exception):
    """A torn tail that may hold a delivered entry: nothing is cut until an operator decides."""

    def __init__(self, tail: Tail, reason: str) -> None:
        super().__init__(
            f"{tail.path} ends with {len(tail.data)} bytes that are not a whole entry "
            f"(from byte {tail.offset}): {reason}. Nothing was cut; run `fundbook repair HOME` "
            "to see the choices"
        )
        self.tail = tail
        self.reason = reason

    def __reduce__(self) -> tuple[type[TornTail], tuple[Tail, str]]:
        return (type(self), (self.tail, self.reason))


def fb_ids_in(tail: bytes) -> list[str]:
    """The fb_ids whose line is whole in `tail` (an entry's own metadata, two spaces in)."""
    return [match.decode("ascii") for match in _FB_ID.findall(b"\n" + tail)]


def completion(tail: bytes, seq: int, prev: str) -> bytes | None:
    """The newline(s) that make `tail` one whole entry continuing the chain at (seq, prev)."""
    if not tail.endswith(b"\n"):
        fill = b"\n\n"
    elif not tail.endswith(b"\n\n"):
        fill = b"\n"
    else:
        return None
    try:
        text = tail.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\n\n" in text:
        return None
    entries, errors, _ = parser.parse_string(text + fill.decode())
    if errors or len(entries) != 1 or not isinstance(entries[0], data.Transaction):
        return None
    entry = entries[0]
    meta = entry.meta or {}
    if meta.get("fb_seq") != str(seq + 1) or meta.get("fb_prev") != prev:
        return None
    if entry_hash(entry, prev) != meta.get("fb_hash"):
        return None
    return fill


def whole_directives(tail: bytes) -> bytes | None:
    """The newline(s) that make `tail` whole directives (not chained: registry changes), or None."""
    fill = b"\n\n" if not tail.endswith(b"\n") else b"\n" if not tail.endswith(b"\n\n") else None
    if fill is None:
        return None
    try:
        text = tail.decode("utf-8")
    except UnicodeDecodeError:
        return None
    entries, errors, _ = parser.parse_string(text + fill.decode())
    return fill if entries and not errors else None


def delivered_in(tail: bytes, witness: Witness | None, book_seq: int) -> list[str]:
    """Why the tail may hold a delivered entry: one reason each, none when it may be cut."""
    if witness is None:
        return []
    reasons = []
    ids = fb_ids_in(tail)
    found = sorted(set(witness.delivered(ids))) if ids else []
    if found:
        reasons.append(f"it holds {', '.join(found)}, delivered by the outbox")
    anchored = witness.anchored_seq()
    if anchored > book_seq:
        reasons.append(
            f"the head recorded in the database is fb_seq {anchored}, "
            f"past the book's fb_seq {book_seq}"
        )
    return reasons


# -- the record of repairs -------------------------------------------------------


class Repair(NamedTuple):
    """One repair of a torn tail, as recorded.

    Attributes:
      at: when (UTC, ISO 8601).
      file: the journal file's name.
      offset: where the tail started.
      size: how many bytes it had.
      action: `completed`, `cut` or `rebuilt` (cut, its delivered entries re-appended
        from the outbox).
      fb_ids: the fb_ids whose line was in the tail.
      aside: where the cut bytes were kept (empty when nothing was cut).
      by: `writer` (automatic) or `operator` (`fundbook repair`).
    """

    at: str
    file: str
    offset: int
    size: int
    action: str
    fb_ids: tuple[str, ...]
    aside: str
    by: str


def repairs_path(layout: Layout) -> Path:
    return layout.journal_dir / "torn" / "repairs.jsonl"


def record(layout: Layout, tail: Tail, action: str, *, aside: Path | None, by: str) -> Repair:
    """Append one repair to the record (fsynced) and return it."""
    repair = Repair(
        datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        tail.path.name,
        tail.offset,
        len(tail.data),
        action,
        tuple(fb_ids_in(tail.data)),
        str(aside.relative_to(layout.journal_dir)) if aside is not None else "",
        by,
    )
    path = repairs_path(layout)
    path.parent.mkdir(exist_ok=True)
    line = json.dumps(repair._asdict(), ensure_ascii=False) + "\n"
    with path.open("ab") as stream:
        stream.write(line.encode("utf-8"))
        stream.flush()
        os.fsync(stream.fileno())
    return repair


def repairs(layout: Layout) -> list[Repair]:
    """Every recorded repair, oldest first (lines that do not read are skipped)."""
    path = repairs_path(layout)
    if not path.is_file():
        return []
    found = []
    for line in path.read_text("utf-8", "replace").splitlines():
        try:
            raw: dict[str, Any] = json.loads(line)
            raw["fb_ids"] = tuple(raw.get("fb_ids") or ())
            found.append(Repair(**raw))
        except (ValueError, TypeError):
            continue
    return found


def describe(repair: Repair) -> str:
    ids = f" ({', '.join(repair.fb_ids)})" if repair.fb_ids else ""
    aside = f", kept in {repair.aside}" if repair.aside else ""
    return (
        f"{repair.at}: {repair.file} from byte {repair.offset}: {repair.size} bytes "
        f"{repair.action} by the {repair.by}{ids}{aside}"
    )


# -- finding tails without a writer ---------------------------------------------------


def tails(layout: Layout) -> list[Tail]:
    """The torn tail of each year journal that has one (reads only the files' ends)."""
    found = []
    for path in sorted(layout.journal_dir.glob("[0-9][0-9][0-9][0-9].beancount")):
        content = path.read_bytes()
        end = content.rfind(b"\n\n")
        keep = end + 2 if end >= 0 else 0
        if keep < len(content):
            found.append(Tail(path, keep, content[keep:]))
    return found


def torn_files(paths: Sequence[Path]) -> list[Path]:
    """Those of `paths` whose last bytes are not a blank line (a cheap look at the end only)."""
    torn = []
    for path in paths:
        with path.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - 2))
            if stream.read() != b"\n\n":
                torn.append(path)
    return torn


def journal_state(layout: Layout) -> tuple[int, str, set[str]]:
    """Head (fb_seq, fb_hash) and fb_ids of the whole entries of the year journals.

    Parses each journal up to its last blank line (not through the writer, which
    would settle the tails itself); for `fundbook repair` and checks.
    """
    seq, last, ids = 0, GENESIS, set()
    for path in sorted(layout.journal_dir.glob("[0-9][0-9][0-9][0-9].beancount")):
        content = path.read_bytes()
        end = content.rfind(b"\n\n")
        whole = content[: end + 2] if end >= 0 else b""
        entries, _errors, _ = parser.parse_string(whole.decode("utf-8", "replace"))
        for entry in entries:
            meta = entry.meta or {}
            if not isinstance(entry, data.Transaction) or not isinstance(meta.get("fb_id"), str):
                continue
            ids.add(meta["fb_id"])
            number = meta.get("fb_seq")
            if isinstance(number, str) and number.isdigit() and int(number) > seq:
                seq, last = int(number), str(meta.get("fb_hash"))
    return seq, last, ids


def cut(layout: Layout, tail: Tail) -> Path:
    """Keep `tail` aside in `torn/` (fsynced), then cut it off its file; where it was kept."""
    torn_dir = layout.journal_dir / "torn"
    torn_dir.mkdir(exist_ok=True)
    aside = torn_dir / f"{tail.path.name}.{tail.offset}.{time.time_ns()}"
    with aside.open("xb") as stream:
        stream.write(tail.data)
        stream.flush()
        os.fsync(stream.fileno())
    _fsync_dir(torn_dir)
    _fsync_dir(layout.journal_dir)
    with tail.path.open("r+b") as stream:
        stream.truncate(tail.offset)
        stream.flush()
        os.fsync(stream.fileno())
    return aside


def complete(tail: Tail, fill: bytes) -> None:
    """Append the newline(s) `completion` found (fsynced)."""
    with tail.path.open("ab") as stream:
        stream.write(fill)
        stream.flush()
        os.fsync(stream.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

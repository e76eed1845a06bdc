"""Checking a book: Beancount's validation plus Fundbook's plugins, with readable errors.

`check_book` loads `HOME/book/main.beancount` (which declares the plugins of
`ledger.plugins`) and returns every error as a `Problem`; `format_problem`
prints one per line, located and naming the fund and the entry (closes and
releases are checked by `ledger.periods.check_periods`):

    history/2025.beancount:812: fund MF-ST01C01 is below zero at the end of
    2025-06-03: balance -50.00 CNY, taken below zero by 2025-06-03 "支付" (fb_id R000042-payment)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from beancount.core import data

from ledger import torn
from ledger.anchor import Anchor, verify_anchors
from ledger.chain import ChainError
from ledger.documents import document_problems
from ledger.layout import Layout
from ledger.loading import BookNotFound, load_book
from ledger.periods import check_periods
from ledger.plugins.common import describe
from ledger.registry_io import read_registry
from ledger.seals import dated_in_sealed_years, year_of
from ledger.sources import trace_book


class Problem(NamedTuple):
    """One error found in the book.

    Attributes:
      filename: the file the error is located in, relative to the book when inside it.
      lineno: its line, 0 when unknown.
      message: what is wrong, naming the fund and the entry where one is concerned.
    """

    filename: str
    lineno: int
    message: str


class CheckReport(NamedTuple):
    """What checking a book found: counts, every problem, and notes that are not errors.

    Attributes:
      notes: repairs of torn tails recorded in the journal, cache files ignored.
    """

    entries: int
    funds: int
    problems: list[Problem]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _relative(filename: str, book_dir: Path) -> str:
    try:
        return str(Path(filename).relative_to(book_dir))
    except ValueError:
        return filename


def problem_of(error: Any, book_dir: Path) -> Problem:
    """A Beancount error value (`source, message, entry`) as a located, readable Problem."""
    source = getattr(error, "source", None) or {}
    filename = str(source.get("filename") or "<unknown>")
    lineno = source.get("lineno") or 0
    message = " ".join(str(getattr(error, "message", error)).split())
    prefix = f"{filename}:{lineno}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    entry = getattr(error, "entry", None)
    extras = []
    meta = getattr(entry, "meta", None)
    if isinstance(meta, dict):
        fund = meta.get("fund")
        if isinstance(fund, str) and f"fund {fund}" not in message:
            extras.append(f"fund {fund}")
        date = getattr(entry, "date", None)
        if date is not None and str(date) not in message:
            extras.append(f"entry {describe(entry)}")
    if extras:
        message = f"{message} [{'; '.join(extras)}]"
    return Problem(_relative(filename, book_dir), int(lineno), message)


def format_problem(problem: Problem) -> str:
    return f"{problem.filename}:{problem.lineno}: {problem.message}"


def problems_of(entries: list[data.Directive], errors: list[Any], layout: Layout) -> list[Problem]:
    """Every problem of an already loaded book (the loader's errors and Fundbook's checks)."""
    book_dir = layout.book_dir.resolve()
    problems = [problem_of(error, book_dir) for error in errors]
    book, _ = read_registry(entries)
    # Source tracing: every cent leaving a pool or an allocation fund names its departments.
    traced = trace_book(entries, book.registry)
    problems += [problem_of(error, book_dir) for error in traced.errors]
    # Closes and releases, recognized by what they do: each closes its funds exactly.
    problems += [problem_of(error, book_dir) for error in check_periods(entries, book.registry)]
    # Linked documents: each file is there with the sha256 the book links.
    for entry, message in document_problems(entries):
        source = entry.meta or {}
        problems.append(
            Problem(
                _relative(str(source.get("filename", "<unknown>")), book_dir),
                int(source.get("lineno") or 0),
                message,
            )
        )
    # Nothing of a sealed year stays in the live book (say, an entry saved in Fava).
    problems += [
        problem_of(
            ChainError(
                entry.meta,
                f"dated in the sealed year {year_of(entry)}: correct it in an open year",
                entry,
            ),
            book_dir,
        )
        for entry in dated_in_sealed_years(entries)
    ]
    return problems


def cache_files(layout: Layout) -> list[Path]:
    """Beancount's pickle caches in the book (`.*.picklecache`): never read, only warned of."""
    return sorted(layout.book_dir.rglob("*.picklecache"))


def journal_problems(
    entries: list[data.Directive], layout: Layout, anchors: Sequence[Anchor], key: bytes | None
) -> list[Problem]:
    """Torn tails of the journal, and every disagreement of the book with the chain's anchors."""
    book_dir = layout.book_dir.resolve()
    journals = sorted(layout.journal_dir.glob("[0-9][0-9][0-9][0-9].beancount"))
    problems = [
        Problem(
            _relative(str(path.resolve()), book_dir),
            0,
            "the file ends with a torn tail (its last entry is not followed by a blank "
            "line): run `fundbook repair HOME`",
        )
        for path in torn.torn_files(journals)
    ]
    problems += [
        Problem("<anchor>", 0, message) for message in verify_anchors(entries, anchors, key=key)
    ]
    return problems


def notes_of(layout: Layout) -> tuple[str, ...]:
    """Recorded repairs of torn tails and ignored cache files: said, not errors."""
    book_dir = layout.book_dir.resolve()
    notes = [f"repair: {torn.describe(repair)}" for repair in torn.repairs(layout)]
    notes += [
        f"ignored {_relative(str(path.resolve()), book_dir)}: a Beancount pickle cache is never "
        "read (it may answer for another book or run code); delete it, and run plain bean-check "
        "with --no-cache"
        for path in cache_files(layout)
    ]
    return tuple(notes)


def check_book(
    layout: Layout,
    *,
    anchors: Sequence[Anchor] = (),
    key: bytes | None = None,
    sealed: bool = False,
) -> CheckReport:
    """Load the book of `layout` with its plugins and report every error.

    `anchors` are heads of the chain recorded outside the book (the workflow
    database, seals); the book must hold each with its hash, signed under
    `key` when one is given. `sealed` also verifies every sealed year
    (`ledger.seal_check`): `fundbook check --all`.
    """
    entries, errors, _ = load_book(layout)
    problems = problems_of(entries, errors, layout)
    problems += journal_problems(entries, layout, anchors, key)
    if sealed:
        from ledger.seal_check import check_sealed

        problems += check_sealed(layout, entries)
    book, _ = read_registry(entries)
    return CheckReport(len(entries), len(book.registry.funds), problems, notes_of(layout))


__all__ = [
    "BookNotFound",
    "CheckReport",
    "Problem",
    "check_book",
    "format_problem",
    "load_book",
    "problem_of",
]

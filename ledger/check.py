"""Checking a book: Beancount's validation plus Fundbook's plugins, with readable errors.

`check_book` loads `HOME/book/main.beancount` (which declares the plugins of
`ledger.plugins`) and returns every error as a `Problem`; `format_problem`
prints one per line, located and naming the fund and the entry (closes and
releases are checked by `ledger.periods.check_periods`):

    history/2025.beancount:812: fund MF-ST01C01 is below zero at the end of
    2025-06-03: balance -50.00 CNY, taken below zero by 2025-06-03 "支付" (fb_id R000042-payment)
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, NamedTuple

from beancount import loader
from beancount.core import data

from ledger.layout import Layout
from ledger.periods import check_periods
from ledger.plugins.common import describe
from ledger.registry_io import read_registry
from ledger.sources import trace_book


class BookNotFound(FileNotFoundError):
    """The HOME holds no book/main.beancount."""


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
    """What checking a book found: counts and every problem."""

    entries: int
    funds: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def load_book(layout: Layout) -> tuple[list[data.Directive], list[Any], dict[str, Any]]:
    """A full, uncached Beancount load of the book (with plugins); raises BookNotFound without one."""
    if not layout.main.is_file():
        raise BookNotFound(
            f"no book at {layout.main}: run `fundbook init` or `fundbook demo` first"
        )
    # A load allocates millions of small objects that live as long as the
    # result; the cyclic collector only slows it down.
    enabled = gc.isenabled()
    gc.disable()
    try:
        # Never through Beancount's pickle cache: it trusts a cache file inside
        # the book, which answers for the original after a HOME is copied, and
        # it is a pickle an auditor cannot trust.
        entries, errors, options = loader._load(
            [(str(layout.main.resolve()), True)], None, None, None
        )
    finally:
        if enabled:
            gc.enable()
    return entries, errors, options


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
    return problems


def check_book(layout: Layout) -> CheckReport:
    """Load the book of `layout` with its plugins and report every error."""
    entries, errors, _ = load_book(layout)
    problems = problems_of(entries, errors, layout)
    book, _ = read_registry(entries)
    return CheckReport(len(entries), len(book.registry.funds), problems)

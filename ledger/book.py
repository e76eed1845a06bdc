"""Creating a book: the files of a new district's HOME, written once.

`create_book` writes `main.beancount` (options, plugins, Fava options and one
explicit include line per file), the chart, the registry, the manual file
Fava inserts into and the empty journal index of Fundbook's writer:

    option "title" "成都市武侯区社区发展基金会"
    option "operating_currency" "CNY"
    plugin "ledger.plugins.registered_funds"
    ...
    include "chart.beancount"
    include "registry.beancount"
    include "history/2023.beancount"
    include "manual.beancount"
    include "fundbook/journal.beancount"

`write_history` writes one whole year of history; both refuse to overwrite a
file. Nothing here appends to the journal: that is `ledger.writer`'s job.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from beancount.core import data

from funds.registry import Registry
from ledger import registry_io
from ledger.accounts import Bank
from ledger.atomic import write_atomic
from ledger.layout import Layout
from ledger.text import UnsafeText, render
from ledger.text import quote as text_quote

PLUGINS = (
    "ledger.plugins.registered_funds",
    "ledger.plugins.fund_balance",
    "ledger.plugins.restricted_spending",
    "ledger.plugins.no_overdraft",
    "ledger.plugins.hash_chain",
)
FAVA_EXTENSION = "fava_fundbook"
# Fava options are dated before any entry: Fava considers an insert-entry
# option only for entries dated after it.
FAVA_OPTION_DATE = "2000-01-01"
TITLE_LENGTH_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class BookExists(FileExistsError):
    """The HOME already holds files; a book is only created in an empty HOME."""


class InvalidTitle(ValueError):
    """A title that cannot be written on the book's `option "title"` line."""


@dataclass(frozen=True, slots=True)
class BookSpec:
    """What a new book is made of.

    Attributes:
      title: the book's title, the foundation's Chinese name.
      registry: the district's organizations and funds.
      banks: the foundation's bank accounts.
      opened: the date the chart and the registry are dated.
      history_years: years with a file in `history/`, included in this order.
      fava_extension: whether `main.beancount` enables the Fundbook Fava extension.
    """

    title: str
    registry: Registry
    banks: tuple[Bank, ...]
    opened: datetime.date
    history_years: tuple[int, ...] = ()
    fava_extension: bool = True


def _quote(text: str) -> str:
    if not text.strip() or len(text) > TITLE_LENGTH_MAX or _CONTROL.search(text):
        raise InvalidTitle(
            f"title {text[:40]!r} must be 1..{TITLE_LENGTH_MAX} characters on one line"
        )
    try:
        return text_quote(text, "title")
    except UnsafeText as exc:
        raise InvalidTitle(str(exc)) from None


DOCUMENTS_OPTION = "../documents"
DEFAULT_PAGE = "income_statement/?filter=-%23close"
DOCUMENTS_BOOK = "documents.beancount"


def main_text(spec: BookSpec) -> str:
    """The text of `main.beancount`."""
    lines = [
        f"; {spec.title}: the book of record. Written once when the book is created;",
        "; Fundbook appends only to fundbook/, Fava inserts into manual.beancount.",
        f'option "title" {_quote(spec.title)}',
        'option "operating_currency" "CNY"',
        f'option "documents" "{DOCUMENTS_OPTION}"',
        "",
        *(f'plugin "{plugin}"' for plugin in PLUGINS),
        "",
        f'{FAVA_OPTION_DATE} custom "fava-option" "language" "zh"',
        f'{FAVA_OPTION_DATE} custom "fava-option" "import-config" "importers.py"',
        f'{FAVA_OPTION_DATE} custom "fava-option" "import-dirs" "../imports"',
        # Fund sub-accounts without money are left out of Fava's trees, and the
        # income statement opens without the year-end closes (#close), which
        # would otherwise dwarf every month in its chart.
        f'{FAVA_OPTION_DATE} custom "fava-option" "show-accounts-with-zero-balance" "false"',
        f'{FAVA_OPTION_DATE} custom "fava-option" "show-accounts-with-zero-transactions" "false"',
        f'{FAVA_OPTION_DATE} custom "fava-option" "default-page" "{DEFAULT_PAGE}"',
    ]
    if spec.fava_extension:
        lines.append(f'{FAVA_OPTION_DATE} custom "fava-extension" "{FAVA_EXTENSION}"')
    lines += [
        "",
        'include "chart.beancount"',
        'include "registry.beancount"',
        *(f'include "history/{year:04d}.beancount"' for year in spec.history_years),
        'include "manual.beancount"',
        'include "fundbook/journal.beancount"',
        f'include "{DOCUMENTS_BOOK}"',
        "",
    ]
    return "\n".join(lines)


MANUAL_TEXT = (
    "; Entries added by hand or through Fava. Fava inserts new entries just\n"
    "; above the insert-entry option below (it must stay the last line).\n"
    "\n"
    f'{FAVA_OPTION_DATE} custom "fava-option" "insert-entry" ".*"\n'
)
DOCUMENTS_TEXT = (
    "; Documents (请款函, receipts, milestone reports) linked to their entries;\n"
    "; appended by Fundbook only, each file stored once under ../documents/ by its sha256.\n"
)
JOURNAL_TEXT = "; Include lines of the yearly journals written by Fundbook's writer.\n"


def render_entries(entries: Iterable[data.Directive]) -> str:
    """Directives as book text, one blank line after each."""
    return "".join(render(entry) + "\n" for entry in entries)


def _write_file(layout: Layout, relative: str, text: str) -> None:
    path = layout.book_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"), exclusive=True)  # a reader sees it whole or not


def check_home_empty(layout: Layout) -> None:
    """Raise BookExists unless `layout.home` is absent or an empty directory."""
    home = layout.home
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise BookExists(
            f"{home} is not an empty directory; a book is created only in an empty HOME"
        )


def create_book(layout: Layout, spec: BookSpec) -> None:
    """Write the files of a new book into `layout.home`, which must be empty or absent."""
    check_home_empty(layout)
    layout.home.mkdir(parents=True, exist_ok=True)
    layout.imports_dir.mkdir(parents=True, exist_ok=True)
    # The root of the book's `documents` option: Beancount wants it to exist.
    (layout.book_dir / DOCUMENTS_OPTION).resolve().mkdir(parents=True, exist_ok=True)
    chart = registry_io.chart_entries(spec.registry, spec.banks, spec.opened)
    registry = registry_io.registry_entries(spec.registry, spec.banks, spec.opened)
    _write_file(layout, "main.beancount", main_text(spec))
    _write_file(layout, "chart.beancount", "; The chart of accounts.\n\n" + render_entries(chart))
    _write_file(
        layout,
        "registry.beancount",
        "; Organizations, funds and bank accounts of the district.\n\n" + render_entries(registry),
    )
    _write_file(layout, "manual.beancount", MANUAL_TEXT)
    _write_file(layout, "fundbook/journal.beancount", JOURNAL_TEXT)
    _write_file(layout, DOCUMENTS_BOOK, DOCUMENTS_TEXT)
    layout.history_dir.mkdir(parents=True, exist_ok=True)


def write_history(layout: Layout, year: int, entries: Sequence[data.Directive]) -> None:
    """Write the whole history file of `year`; refuses to overwrite one."""
    header = f"; History of {year:04d}.\n\n"
    _write_file(layout, f"history/{year:04d}.beancount", header + render_entries(entries))

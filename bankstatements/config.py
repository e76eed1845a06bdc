"""Fava's import configuration of a book: `HOME/book/importers.py`, one importer per bank.

The book's main file names it (`custom "fava-option" "import-config"
"importers.py"`); `ensure_import_config` writes it when it is missing and never
overwrites an accountant's edits. The importers are made from the book's
`custom "fundbook-bank"` directives in `registry.beancount`, parsed without
loading the whole book, so Fava's import page stays quick on a large book.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from beancount.parser import parser

from bankstatements.importer import BankStatementImporter
from ledger.atomic import write_atomic
from ledger.registry_io import read_registry

IMPORT_CONFIG = "importers.py"
REGISTRY = "registry.beancount"

IMPORTERS_TEXT = '''"""Fava's import configuration of this book: one bank statement importer per bank account.

Written by `fundbook fava` when missing; edit freely (it is not rewritten).
The bank accounts come from registry.beancount next to this file.
"""

from bankstatements.config import importers_for_book

CONFIG = importers_for_book(__file__)
'''


def importers_for_book(config_path: str | Path) -> list[BankStatementImporter]:
    """An importer for every bank account registered in the book beside `config_path`."""
    book_dir = Path(config_path).resolve().parent
    entries, _, _ = parser.parse_file(str(book_dir / REGISTRY))
    book, _ = read_registry(entries)
    return [
        BankStatementImporter(
            key=bank.key, number=bank.number, name_zh=bank.name_zh, book_dir=book_dir
        )
        for bank in book.banks
    ]


def ensure_import_config(book_dir: Path) -> Path:
    """Write `book_dir/importers.py` if it is missing; return its path."""
    path = book_dir / IMPORT_CONFIG
    with contextlib.suppress(FileExistsError):  # whole or not at all: Fava imports it
        write_atomic(path, IMPORTERS_TEXT.encode("utf-8"), exclusive=True)
    return path

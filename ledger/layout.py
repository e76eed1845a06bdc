"""Where the files of a district live inside its HOME directory.

    HOME/
      book/
        main.beancount          options, plugins, includes; written once by init
        chart.beancount         Open directives of the chart of accounts
        registry.beancount      organizations and funds as custom directives
        history/                imported or generated history, one file per year
        manual.beancount        where Fava's insert-entry and editor write
        fundbook/
          journal.beancount     include lines of the yearly journals (append-only)
          registry.beancount    later changes of the registry: orgs, funds, chains (append-only)
          2026.beancount        transactions written by Fundbook's writer
          .lock                 the writer's cross-process lock
      fundbook.db               workflow database (SQLite default)
      imports/                  bank statements for Fava's import page

Only `ledger.writer` appends to `book/fundbook/`; nothing in Fundbook rewrites
`manual.beancount` or `history/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Layout:
    home: Path

    @property
    def book_dir(self) -> Path:
        return self.home / "book"

    @property
    def main(self) -> Path:
        return self.book_dir / "main.beancount"

    @property
    def chart(self) -> Path:
        return self.book_dir / "chart.beancount"

    @property
    def registry(self) -> Path:
        return self.book_dir / "registry.beancount"

    @property
    def history_dir(self) -> Path:
        return self.book_dir / "history"

    @property
    def manual(self) -> Path:
        return self.book_dir / "manual.beancount"

    @property
    def journal_dir(self) -> Path:
        return self.book_dir / "fundbook"

    @property
    def journal_index(self) -> Path:
        return self.journal_dir / "journal.beancount"

    @property
    def registry_changes(self) -> Path:
        return self.journal_dir / "registry.beancount"

    def journal_for_year(self, year: int) -> Path:
        return self.journal_dir / f"{year}.beancount"

    @property
    def lock(self) -> Path:
        return self.journal_dir / ".lock"

    @property
    def database(self) -> Path:
        return self.home / "fundbook.db"

    @property
    def imports_dir(self) -> Path:
        return self.home / "imports"

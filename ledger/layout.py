"""Where the files of a district live inside its HOME directory.

    HOME/
      book/
        main.beancount          options, plugins, includes; written once by init
        chart.beancount         Open directives of the chart of accounts
        registry.beancount      organizations and funds as custom directives
        opening.beancount       the seals of the closed years and the 期初余额
                                entries of the first open year (rewritten by each seal)
        history/                imported or generated history, one file per year
        manual.beancount        where Fava's insert-entry and editor write
        fundbook/
          journal.beancount     include lines of the yearly journals (append-only)
          registry.beancount    later changes of the registry: orgs, funds, chains (append-only)
          2026.beancount        transactions written by Fundbook's writer
          .lock                 the writer's cross-process lock
        years/YYYY/
          main.beancount        a sealed (closed) year, a book of its own
          manifest.json         the hash of each of its entries, for naming an edited one
          original/             the live book's files the year was sealed from
      cache/                    summaries of sealed years, keyed by their seal
      fundbook.db               workflow database (SQLite default)
      imports/                  bank statements for Fava's import page

Only `ledger.writer` appends to `book/fundbook/`; nothing in Fundbook rewrites
`manual.beancount` or `history/`, except sealing a year (`ledger.seal`), which
moves that year's entries out of the live book into `years/YYYY/`.
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
    def opening(self) -> Path:
        return self.book_dir / "opening.beancount"

    @property
    def years_dir(self) -> Path:
        return self.book_dir / "years"

    def sealed_dir(self, year: int) -> Path:
        return self.years_dir / f"{year:04d}"

    def sealed_main(self, year: int) -> Path:
        return self.sealed_dir(year) / "main.beancount"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

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

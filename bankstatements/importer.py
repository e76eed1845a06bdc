"""The beangulp importer of one bank account's CSV statements.

For the bank `ICBC` (account `Assets:Bank:ICBC`, shared by every fund's
sub-account) it identifies the bank's statements by the account number printed
above the table or in the file name, and extracts:

- nothing for a line Fundbook already booked: a transaction with
  `bank_reference` (payments) or `receipt_no` (contributions) equal to the
  line's serial number whose postings to the bank move exactly the line's
  amount, or, for a line without a known serial number, an entry written by
  Fundbook (`fb_id`) on the same day moving the same amount (each entry
  matches one line);
- for a line whose counterparty, account number or memo the book's history
  knows (`bankstatements.learning`), a complete transaction on that fund's
  share of the bank against the counter-account of that history, flagged `*`
  and marked `assigned_from`;
- for every other line, a transaction flagged `!` whose bank posting sits on
  the shared parent account (which belongs to no fund, so the book refuses it
  until the accountant assigns a fund):

      2026-03-09 ! "芳草社区居委会" "退回多付款" ^bank-ICBC20260309007
        bank_reference: "ICBC20260309007"
        needs_fund: "TRUE"
        Assets:Bank:ICBC          120.00 CNY
        Income:Other:Unrestricted -120.00 CNY

- a balance assertion on the bank's parent account for the start of the day
  after each statement day, from the statement's running balance.
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import beangulp
from beancount.core import data
from beancount.core.amount import Amount

from bankstatements.learning import Assignment, Rules
from bankstatements.statement import (
    Line,
    Statement,
    StatementError,
    decode,
    digits,
    parse_statement,
)
from funds.money import CURRENCY

FILE_SIZE_MAX = 8 * 1024 * 1024
FLAG_NEEDS_FUND = "!"
INCOME_UNASSIGNED = "Income:Other:Unrestricted"
EXPENSE_UNASSIGNED = "Expenses:Other"
REFERENCE_KEYS = ("bank_reference", "receipt_no")
MATCHED, SUGGESTED, UNMATCHED = "matched", "suggested", "unmatched"


@dataclass(frozen=True, slots=True)
class Classified:
    """A statement line and what the book makes of it.

    Attributes:
      status: "matched" (already booked), "suggested" (fund and counter-account
        learned from the history) or "unmatched" (left for the accountant).
      assignment: the learned destination of a suggested line.
    """

    line: Line
    status: str
    assignment: Assignment | None


def read_statement(filepath: str) -> Statement:
    path = Path(filepath)
    if path.suffix.lower() not in (".csv", ".txt") or path.stat().st_size > FILE_SIZE_MAX:
        raise StatementError(f"{path.name} is not a CSV statement")
    return parse_statement(decode(path.read_bytes()))


def booked_keys(existing: Iterable[data.Directive], bank_account: str) -> set[tuple[str, Decimal]]:
    """(reference, amount) of every transaction already in the book that moved this bank's money."""
    keys: set[tuple[str, Decimal]] = set()
    prefix = bank_account + ":"
    for entry in existing:
        if not isinstance(entry, data.Transaction):
            continue
        references = [str(entry.meta[key]) for key in REFERENCE_KEYS if entry.meta.get(key)]
        if not references:
            continue
        moved = sum(
            (
                posting.units.number
                for posting in entry.postings
                if (posting.account == bank_account or posting.account.startswith(prefix))
                and posting.units is not None
                and isinstance(posting.units.number, Decimal)
            ),
            Decimal("0.00"),
        )
        for reference in references:
            keys.add((reference, moved))
    return keys


_SEALED: dict[Path, tuple[tuple[int, int], list[data.Directive]]] = {}


def sealed_entries(book_dir: Path) -> list[data.Directive]:
    """The entries of the book's sealed years, parsed (not loaded), once per file version."""
    from beancount.parser import parser

    found: list[data.Directive] = []
    for path in sorted((book_dir / "years").glob("*/main.beancount")):
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _SEALED.get(path)
        if cached is None or cached[0] != stamp:
            entries, _, _ = parser.parse_file(str(path))
            cached = (stamp, list(entries))
            _SEALED[path] = cached
        found.extend(cached[1])
    return found


def fundbook_moves(
    existing: Iterable[data.Directive], bank_account: str
) -> Counter[tuple[datetime.date, Decimal]]:
    """(date, amount) of each entry Fundbook wrote (`fb_id`) that moved this bank's money."""
    moves: Counter[tuple[datetime.date, Decimal]] = Counter()
    prefix = bank_account + ":"
    for entry in existing:
        if not isinstance(entry, data.Transaction) or not (entry.meta or {}).get("fb_id"):
            continue
        moved = sum(
            (
                posting.units.number
                for posting in entry.postings
                if posting.account.startswith(prefix)
                and posting.units is not None
                and isinstance(posting.units.number, Decimal)
            ),
            Decimal("0.00"),
        )
        if moved:
            moves[(entry.date, moved)] += 1
    return moves


def asserted(
    existing: Iterable[data.Directive], account: str
) -> set[tuple[datetime.date, Decimal]]:
    return {
        (entry.date, entry.amount.number)
        for entry in existing
        if isinstance(entry, data.Balance) and entry.account == account
    }


def chronological(lines: Sequence[Line]) -> list[Line]:
    """The lines oldest first: banks print either order; the running balance tells which."""
    if len(lines) < 2:
        return list(lines)

    def consistent(ordered: Sequence[Line]) -> int:
        return sum(
            1
            for before, after in itertools.pairwise(ordered)
            if before.balance is not None
            and after.balance is not None
            and before.balance + after.amount == after.balance
        )

    forward = sorted(lines, key=lambda line: (line.date, line.row))
    backward = sorted(lines, key=lambda line: (line.date, -line.row))
    return backward if consistent(backward) > consistent(forward) else forward


class BankStatementImporter(beangulp.Importer):  # type: ignore[misc]
    """CSV statements of one bank account of the foundation (ledger.accounts.Bank)."""

    def __init__(
        self, *, key: str, number: str = "", name_zh: str = "", book_dir: Path | None = None
    ) -> None:
        self.key = key
        self.number = digits(number)
        self.name_zh = name_zh
        # Sealed years (book/years/YYYY/main.beancount) teach too: Fava passes only the live book.
        self.book_dir = book_dir

    @property
    def name(self) -> str:
        return f"fundbook.bank.{self.key}"

    @property
    def bank_account(self) -> str:
        return f"Assets:Bank:{self.key}"

    def identify(self, filepath: str) -> bool:
        try:
            statement = read_statement(filepath)
        except (OSError, StatementError):
            return False
        if not statement.lines:
            return False
        if statement.account_number:
            return bool(self.number) and statement.account_number == self.number
        stem = Path(filepath).stem
        if self.number and self.number in digits(stem):
            return True
        tokens = {token.upper() for token in stem.replace("-", "_").split("_")}
        return self.key.upper() in tokens

    def account(self, filepath: str) -> str:
        del filepath
        return self.bank_account

    def date(self, filepath: str) -> datetime.date | None:
        try:
            lines = read_statement(filepath).lines
        except (OSError, StatementError):
            return None
        return max((line.date for line in lines), default=None)

    def classify(self, filepath: str, existing: data.Entries) -> list[Classified]:
        """Every line of the statement: matched (booked), suggested (learned) or unmatched."""
        statement = read_statement(filepath)
        booked = booked_keys(existing or (), self.bank_account)
        by_day = fundbook_moves(existing or (), self.bank_account)
        history = sealed_entries(self.book_dir) if self.book_dir is not None else []
        rules = Rules.learn([*history, *(existing or ())], self.bank_account)
        status: dict[int, Classified] = {}
        for line in statement.lines:
            if line.reference and (line.reference, line.amount) in booked:
                by_day[(line.date, line.amount)] -= 1  # that entry is this line
                status[line.row] = Classified(line, MATCHED, None)
        for line in statement.lines:
            if line.row in status:
                continue
            if by_day[(line.date, line.amount)] > 0:
                by_day[(line.date, line.amount)] -= 1
                status[line.row] = Classified(line, MATCHED, None)
                continue
            assignment = rules.assign(line)
            status[line.row] = Classified(line, SUGGESTED if assignment else UNMATCHED, assignment)
        return [status[line.row] for line in statement.lines]

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        statement = read_statement(filepath)
        entries: list[data.Directive] = [
            self._transaction(filepath, item.line, item.assignment)
            for item in self.classify(filepath, existing)
            if item.status != MATCHED
        ]
        entries.extend(self._assertions(filepath, statement, existing or ()))
        return entries

    def deduplicate(self, entries: data.Entries, existing: data.Entries) -> None:
        """Duplicates were left out by `extract` (by serial number and amount), not guessed."""
        del entries, existing

    def _transaction(
        self, filepath: str, line: Line, assignment: Assignment | None = None
    ) -> data.Transaction:
        meta: dict[str, Any] = data.new_metadata(filepath, line.row)
        if line.reference:
            meta["bank_reference"] = line.reference
        if line.payee_account:
            meta["payee_account"] = line.payee_account
        if assignment is not None:
            meta["assigned_from"] = assignment.learned_from
            bank, counter, flag = assignment.bank_account, assignment.counter_account, "*"
        else:
            meta["needs_fund"] = "TRUE"
            bank, flag = self.bank_account, FLAG_NEEDS_FUND
            counter = INCOME_UNASSIGNED if line.amount > 0 else EXPENSE_UNASSIGNED
        return data.Transaction(
            meta,
            line.date,
            flag,
            line.payee or None,
            line.narration or "银行对账单导入",
            data.EMPTY_SET,
            data.EMPTY_SET,
            [
                data.Posting(bank, Amount(line.amount, CURRENCY), None, None, None, None),
                data.Posting(counter, Amount(-line.amount, CURRENCY), None, None, None, None),
            ],
        )

    def _assertions(
        self, filepath: str, statement: Statement, existing: Iterable[data.Directive]
    ) -> list[data.Balance]:
        closing: dict[datetime.date, Line] = {}
        for line in chronological(statement.lines):
            if line.balance is not None:
                closing[line.date] = line
        already = asserted(existing, self.bank_account)
        result = []
        for day, line in sorted(closing.items()):
            assert line.balance is not None
            when = day + datetime.timedelta(days=1)
            if (when, line.balance) in already:
                continue
            meta = data.new_metadata(filepath, line.row)
            result.append(
                data.Balance(
                    meta, when, self.bank_account, Amount(line.balance, CURRENCY), None, None
                )
            )
        return result

"""A trial balance (科目余额表) exported from the foundation's previous software, read as rows.

用友 and 金蝶 export it as CSV (GBK or UTF-8, often with a few title lines
above the header) with, among others, the columns 科目编码, 科目名称, 期初借方
and 期初贷方:

    科目余额表
    编制单位: 成都市武侯区社区发展基金会
    科目编码,科目名称,期初借方,期初贷方,本期借方,本期贷方
    1002,银行存款,"860,000.00",,,
    100201,工商银行基本户,"610,000.00",,,
    2202,应付款项,,"15,000.00",,
    ,合计,"866,200.00","866,200.00",,

`read_trial_balance` returns every account row with its opening debit and
credit as Decimal, and the 合计 (total) row if there is one; a row's parent
is the longest other code it starts with (`1002` for `100201`, also for
金蝶's `1002.01`). `check_totals` finds what does not add up: a parent whose
sub-accounts sum to another amount, a 合计 row that is not the sum of the
top-level rows, debits that differ from credits. Problems are values (text
naming the line), never exceptions, except for a file that cannot be read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

CODE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
ZERO = Decimal("0.00")
HEADERS = {
    "code": ("科目编码", "科目代码"),
    "name": ("科目名称",),
    "debit": ("期初借方", "期初借方余额", "期初余额借方"),
    "credit": ("期初贷方", "期初贷方余额", "期初余额贷方"),
}
TOTAL_MARK = "合计"


class TrialBalanceUnreadable(ValueError):
    """The file is not a trial balance this reader understands; the message says why."""


@dataclass(frozen=True, slots=True)
class TrialRow:
    """One account row of the trial balance.

    Attributes:
      line: the row's line number in the file (1-based), for messages.
      code: 科目编码, e.g. "100201".
      name: 科目名称.
      debit: 期初借方, zero when empty.
      credit: 期初贷方, zero when empty.
    """

    line: int
    code: str
    name: str
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        """Debit minus credit."""
        return self.debit - self.credit

    @property
    def label(self) -> str:
        return f"line {self.line} ({self.code} {self.name})"


@dataclass(frozen=True, slots=True)
class TrialBalance:
    rows: tuple[TrialRow, ...]
    total: TrialRow | None
    problems: tuple[str, ...]


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TrialBalanceUnreadable("the file is neither UTF-8 nor GBK text")


def _amount(cell: str) -> Decimal | None:
    text = cell.strip().replace(",", "").replace(" ", "")
    if text in ("", "-", "0"):
        return ZERO
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text).quantize(ZERO)


def _columns(header: list[str]) -> dict[str, int] | None:
    cells = [cell.strip() for cell in header]
    found: dict[str, int] = {}
    for key, names in HEADERS.items():
        for name in names:
            if name in cells:
                found[key] = cells.index(name)
                break
    return found if len(found) == len(HEADERS) else None


def parse_trial_balance(text: str) -> TrialBalance:
    """Rows of a trial balance from CSV text; raises TrialBalanceUnreadable without a header."""
    records = list(csv.reader(io.StringIO(text)))
    columns = None
    start = 0
    for index, record in enumerate(records):
        columns = _columns(record)
        if columns is not None:
            start = index + 1
            break
    if columns is None:
        wanted = ", ".join(names[0] for names in HEADERS.values())
        raise TrialBalanceUnreadable(f"no header row with the columns {wanted}")
    rows: list[TrialRow] = []
    total: TrialRow | None = None
    problems: list[str] = []
    width = max(columns.values()) + 1
    for number, record in enumerate(records[start:], start=start + 1):
        if not any(cell.strip() for cell in record):
            continue
        cells = record + [""] * (width - len(record))
        code = cells[columns["code"]].strip()
        name = cells[columns["name"]].strip()
        debit, credit = _amount(cells[columns["debit"]]), _amount(cells[columns["credit"]])
        if debit is None or credit is None:
            problems.append(
                f"line {number} ({code} {name}): 期初借方/期初贷方 must be amounts with at most "
                f"two decimals, e.g. 1,250.00, not {cells[columns['debit']]!r}/"
                f"{cells[columns['credit']]!r}"
            )
            continue
        if not code and TOTAL_MARK in "".join(cells):
            total = TrialRow(number, "", TOTAL_MARK, debit, credit)
            continue
        if not CODE.fullmatch(code):
            problems.append(f"line {number}: 科目编码 {code!r} is not an account code like 100201")
            continue
        rows.append(TrialRow(number, code, name, debit, credit))
    codes = [row.code for row in rows]
    for code in sorted({code for code in codes if codes.count(code) > 1}):
        problems.append(f"科目编码 {code} appears more than once")
    return TrialBalance(tuple(rows), total, tuple(problems))


def read_trial_balance(path: Path) -> TrialBalance:
    """A trial balance CSV file (UTF-8 or GBK); raises TrialBalanceUnreadable."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TrialBalanceUnreadable(f"cannot read {path}: {exc}") from None
    return parse_trial_balance(_decode(raw))


def parent_of(code: str, codes: set[str]) -> str | None:
    """The longest other code in `codes` that `code` extends, or None for a top-level account."""
    best: str | None = None
    for other in codes:
        if other != code and code.startswith(other) and (best is None or len(other) > len(best)):
            best = other
    return best


def children(rows: tuple[TrialRow, ...]) -> dict[str, list[TrialRow]]:
    """Each code's direct sub-accounts among the rows."""
    codes = {row.code for row in rows}
    found: dict[str, list[TrialRow]] = {}
    for row in rows:
        parent = parent_of(row.code, codes)
        if parent is not None:
            found.setdefault(parent, []).append(row)
    return found


def leaves(rows: tuple[TrialRow, ...]) -> list[TrialRow]:
    """The rows without sub-accounts in the file: where the balances really are."""
    parents = children(rows)
    return [row for row in rows if row.code not in parents]


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def check_totals(balance: TrialBalance) -> list[str]:
    """What does not add up in the file: parents, the 合计 row, debits against credits."""
    problems: list[str] = []
    by_parent = children(balance.rows)
    for row in balance.rows:
        kids = by_parent.get(row.code)
        if kids is None:
            continue
        summed = sum((kid.net for kid in kids), ZERO)
        if summed != row.net:
            problems.append(
                f"{row.label}: its balance is {_money(row.net)} (debit minus credit) "
                f"but its sub-accounts add up to {_money(summed)}"
            )
    codes = {row.code for row in balance.rows}
    top = [row for row in balance.rows if parent_of(row.code, codes) is None]
    debit = sum((row.debit for row in top), ZERO)
    credit = sum((row.credit for row in top), ZERO)
    if balance.total is not None and (balance.total.debit, balance.total.credit) != (debit, credit):
        problems.append(
            f"line {balance.total.line} ({TOTAL_MARK}): {_money(balance.total.debit)} / "
            f"{_money(balance.total.credit)} is not the sum of the top-level accounts, "
            f"{_money(debit)} / {_money(credit)}"
        )
    if debit != credit:
        problems.append(
            f"the opening debits ({_money(debit)}) and credits ({_money(credit)}) "
            f"of the top-level accounts differ by {_money(debit - credit)}"
        )
    return problems

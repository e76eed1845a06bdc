"""Reading the CSV statements Chinese banks export into statement lines.

Banks differ in encoding (GBK or UTF-8, with or without BOM), in the lines
they print above the table (账号, 户名, 起止日期 …) and in the names of the
columns. A statement such as

    中国工商银行 账户明细
    账号：4402 2010 0900 0123 456,户名：成都市武侯区社区发展基金会
    交易日期,摘要,收入金额,支出金额,余额,对方户名,对方账号,交易流水号
    2026-03-06,支付,,800.00,64200.50,玉林社区老年协会,6222...,ICBC20260306001

becomes one `Line(date=2026-03-06, amount=-800.00, balance=64200.50, …)`:
money in is positive, money out negative. Debit/credit columns (借方发生额 /
贷方发生额) are read from the account holder's side as the bank prints them:
借方 is money out, 贷方 money in. Rows whose date does not parse (合计, 小计)
are skipped.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from funds.money import CENT

# Column synonyms, most specific first.
DATE = ("交易日期", "记账日期", "入账日期", "交易时间", "日期")
INCOME = ("收入金额", "贷方发生额", "贷方金额", "存入金额", "收入")
EXPENSE = ("支出金额", "借方发生额", "借方金额", "支取金额", "支出")
AMOUNT = ("交易金额", "发生额", "金额")
DIRECTION = ("借贷标志", "借贷方向", "收支标志", "收支方向")
BALANCE = ("余额", "账户余额", "当前余额", "交易后余额")
NARRATION = ("摘要", "交易摘要", "用途", "附言", "备注")
PAYEE = ("对方户名", "对方账户名称", "对方名称", "对方单位", "收/付方名称")
PAYEE_ACCOUNT = ("对方账号", "对方账户", "收/付方账号")
REFERENCE = (
    "交易流水号",
    "账户明细编号-交易流水号",
    "流水号",
    "业务流水号",
    "交易参考号",
    "凭证号",
    "交易序号",
)
# Statements that print both sides of each line (中国银行): the counterparty is the
# payer of money in and the payee of money out.
PAYER = ("付款人名称", "付款人户名")
PAYER_ACCOUNT = ("付款人账号",)
RECEIVER = ("收款人名称", "收款人户名")
RECEIVER_ACCOUNT = ("收款人账号",)

HEADER_LINES_MAX = 30
_ACCOUNT_LABEL = re.compile(r"(?:账号|帐号|账户|帐户|卡号)[^0-9]{0,24}?([0-9][0-9 \-]{7,40}[0-9])")
# "借方发生额（支取）", "交易日期[ Transaction Date ]": the name before the bracket.
_BRACKETED = re.compile(r"[\[（(【].*?[\]）)】]")
_DIGITS = re.compile(r"[0-9]+")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


class StatementError(ValueError):
    """A file that is not a bank statement this reader understands."""


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the statement's table.

    Attributes:
      date: the booking date.
      amount: money in positive, money out negative.
      balance: the running balance after this row, if the bank prints it.
      narration: 摘要 / 用途.
      payee: the counterparty's name (对方户名).
      payee_account: the counterparty's account number.
      reference: the bank's serial number (交易流水号), or "".
      row: the row number in the file (1-based), for error messages.
    """

    date: datetime.date
    amount: Decimal
    balance: Decimal | None
    narration: str
    payee: str
    payee_account: str
    reference: str
    row: int


@dataclass(frozen=True, slots=True)
class Statement:
    """A parsed statement: the account number printed above the table, and its lines."""

    account_number: str
    lines: tuple[Line, ...]


def decode(raw: bytes) -> str:
    """Statement text: UTF-8 (with or without BOM), else GBK (read as its superset GB18030)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise StatementError("neither UTF-8 nor GBK text") from exc


def digits(text: str) -> str:
    return "".join(_DIGITS.findall(text))


def _clean(cell: str) -> str:
    value = cell.strip().strip("\t").strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1]
    return value.strip().strip("'").strip()


def _find(header: Sequence[str], names: Sequence[str]) -> int | None:
    cleaned = [_BRACKETED.sub("", _clean(cell)).replace(" ", "") for cell in header]
    for name in names:
        if name in cleaned:
            return cleaned.index(name)
    return None


@dataclass(frozen=True, slots=True)
class _Columns:
    date: int
    income: int | None
    expense: int | None
    amount: int | None
    direction: int | None
    balance: int | None
    narration: int | None
    payee: int | None
    payee_account: int | None
    reference: int | None
    payer: int | None = None
    payer_account: int | None = None
    receiver: int | None = None
    receiver_account: int | None = None


def _columns(header: Sequence[str]) -> _Columns | None:
    date = _find(header, DATE)
    income, expense = _find(header, INCOME), _find(header, EXPENSE)
    amount = _find(header, AMOUNT)
    if date is None or ((income is None or expense is None) and amount is None):
        return None
    return _Columns(
        date=date,
        income=income,
        expense=expense,
        amount=amount,
        direction=_find(header, DIRECTION),
        balance=_find(header, BALANCE),
        narration=_find(header, NARRATION),
        payee=_find(header, PAYEE),
        payee_account=_find(header, PAYEE_ACCOUNT),
        reference=_find(header, REFERENCE),
        payer=_find(header, PAYER),
        payer_account=_find(header, PAYER_ACCOUNT),
        receiver=_find(header, RECEIVER),
        receiver_account=_find(header, RECEIVER_ACCOUNT),
    )


def _counterparty(row: Sequence[str], columns: _Columns, amount: Decimal) -> tuple[str, str]:
    """(name, account number) of the other side of a line."""
    if columns.payee is not None or (columns.payer is None and columns.receiver is None):
        return _cell(row, columns.payee), _cell(row, columns.payee_account)
    if amount > 0:
        return _cell(row, columns.payer), _cell(row, columns.payer_account)
    return _cell(row, columns.receiver), _cell(row, columns.receiver_account)


def parse_date(text: str) -> datetime.date | None:
    value = _clean(text)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def parse_number(text: str) -> Decimal | None:
    """A printed amount ("1,234.50", "¥800.00", "-", "") as a Decimal, None when empty."""
    value = _clean(text).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    value = value.replace(" ", "")
    if value in ("", "-", "--", "—"):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise StatementError(f"{text!r} is not an amount") from exc
    if not number.is_finite():
        raise StatementError(f"{text!r} is not an amount")
    return number.quantize(CENT)


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return _clean(row[index])


def _amount(row: Sequence[str], columns: _Columns) -> Decimal | None:
    if columns.income is not None and columns.expense is not None:
        income = parse_number(_cell(row, columns.income)) or Decimal("0.00")
        expense = parse_number(_cell(row, columns.expense)) or Decimal("0.00")
        return abs(income) - abs(expense)
    number = parse_number(_cell(row, columns.amount))
    if number is None:
        return None
    direction = _cell(row, columns.direction)
    if direction and direction[0] in "借支出付D":
        return -abs(number)
    if direction and direction[0] in "贷收入C":
        return abs(number)
    return number


def _header(rows: Sequence[Sequence[str]]) -> tuple[int, _Columns]:
    for index, row in enumerate(rows[:HEADER_LINES_MAX]):
        columns = _columns(row)
        if columns is not None:
            return index, columns
    raise StatementError("no statement table (交易日期 and amount columns) found")


def parse_statement(text: str) -> Statement:
    """The statement in `text`; raises StatementError when no table is found."""
    rows = list(csv.reader(io.StringIO(text)))
    index, columns = _header(rows)
    account_number = ""
    for above in rows[:index]:
        match = _ACCOUNT_LABEL.search(" ".join(above))
        if match:
            account_number = digits(match.group(1))
            break
    lines = []
    for number, row in enumerate(rows[index + 1 :], start=index + 2):
        date = parse_date(_cell(row, columns.date)) if row else None
        if date is None:
            continue
        amount = _amount(row, columns)
        if amount is None or amount == 0:
            continue
        payee, payee_account = _counterparty(row, columns, amount)
        lines.append(
            Line(
                date=date,
                amount=amount,
                balance=parse_number(_cell(row, columns.balance)),
                narration=_cell(row, columns.narration),
                payee=payee,
                payee_account=payee_account,
                reference=_cell(row, columns.reference),
                row=number,
            )
        )
    return Statement(account_number, tuple(lines))

"""Net assets by restriction, from what each movement is: designations and releases.

A restricted fund (a micro-fund, a pool, an allocation) may hold two kinds
of net assets:

- 限定性 (restricted): money a donor or a contributing department restricted
  (restricted income, transfers from another restricted fund, its 3102
  opening balance);
- 非限定性 designated by the board (理事会指定用途): unrestricted money a board
  decision moved in (an interfund transfer from an unrestricted fund, e.g.
  FDN -> a micro-fund), and the fund's unrestricted income (bank interest).

A board designation is not a donor restriction, so designated money stays in
the 非限定性 column; the notes list it per fund. Spending meets the donor's
restriction first (restricted first): an expense of a restricted fund is
released from 限定性 to 非限定性 up to the restricted money the fund holds,
and only the rest is spent from designated money. Money moved out of a
restricted fund to an unrestricted one is taken from designated money first;
what it takes from restricted money is a permitted release and shows on the
release line (限定性净资产转为非限定性净资产), not as an interfund transfer.

    2025-01-10 * "理事会决议" "指定用途" #interfund
      Assets:Bank:ICBC:FDN               -10000.00 CNY
      Equity:Interfund:FDN                10000.00 CNY
      Assets:Bank:ICBC:MF-ST01C01         10000.00 CNY
      Equity:Interfund:MF-ST01C01        -10000.00 CNY
    -> MF-ST01C01: designated 10,000 (非限定性), restricted 0

Year-end closes and booked releases only move amounts between a fund's own
income, expense and net-asset accounts; they are left out here, so the split
is the same before and after a close. Opening balances posted to
`Equity:NetAssets:Restricted|Unrestricted:F` (a sealed year's 期初余额) count
in their own column.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from funds.model import Restriction
from ledger.accounts import Section
from ledger.periods import classify
from reports.book import ZERO, BookView, fund_of, posting_number
from reports.recognition import interest_restricted, is_interest

R = Restriction.RESTRICTED


@dataclass(frozen=True, slots=True)
class Movement:
    """What one transaction did to one restricted fund's two kinds of net assets.

    Attributes:
      date: the transaction's date.
      fund: the restricted fund.
      restricted: change of its 限定性 net assets (all causes).
      designated: change of its 非限定性 (designated) net assets (all causes).
      released: 限定性 released to 非限定性 by spending or a transfer out.
      designated_in: unrestricted money moved in by a board designation.
      transfer_r: change of 限定性 by interfund transfers, releases excluded.
      transfer_d: change of designated money by interfund transfers.
      transfer_release: the part of `released` moved to an unrestricted fund.
      direct_r: change of 限定性 posted to net assets directly (opening balances).
      direct_d: likewise of designated money.
    """

    date: datetime.date
    fund: str
    restricted: Decimal
    designated: Decimal
    released: Decimal
    designated_in: Decimal
    transfer_r: Decimal
    transfer_d: Decimal
    transfer_release: Decimal
    direct_r: Decimal
    direct_d: Decimal


@dataclass(frozen=True, slots=True)
class Split:
    """Net assets of restricted funds at a day, per fund: (restricted, designated)."""

    by_fund: dict[str, tuple[Decimal, Decimal]]

    def restricted(self, fund: str | None = None) -> Decimal:
        return sum((r for f, (r, _) in self.by_fund.items() if fund in (None, f)), ZERO)

    def designated(self, fund: str | None = None) -> Decimal:
        return sum((d for f, (_, d) in self.by_fund.items() if fund in (None, f)), ZERO)


class _Moves:
    """The mutable sums of one transaction for one fund, frozen into a `Movement`."""

    __slots__ = tuple(Movement.__dataclass_fields__)[2:]

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, ZERO)

    def frozen(self, date: datetime.date, fund: str) -> Movement | None:
        values = [getattr(self, name) for name in self.__slots__]
        return Movement(date, fund, *values) if any(values) else None


def is_reclassification(txn: data.Transaction) -> bool:
    """A year-end close or a booked release (`ledger.periods`): moves within a fund's accounts."""
    return classify(txn) is not None


def movements(view: BookView) -> tuple[Movement, ...]:
    """Every restricted fund's movements over the whole book, computed once per view."""
    if "netassets" not in view._memo:
        view._memo["netassets"] = tuple(_walk(view))
    found: tuple[Movement, ...] = view._memo["netassets"]
    return found


def _walk(view: BookView) -> list[Movement]:
    restricted = {code for code, fund in view.registry.funds.items() if fund.restriction is R}
    state: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    found: list[Movement] = []
    for txn in view.transactions:
        if is_reclassification(txn):
            continue
        per_fund: dict[str, list[data.Posting]] = defaultdict(list)
        transfers: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for posting in txn.postings:
            fund = fund_of(posting.account)
            if fund is None:
                continue
            per_fund[fund].append(posting)
            if posting.account.startswith("Equity:Interfund:"):
                transfers[fund] += posting_number(posting)
        if not any(f in restricted for f in per_fund):
            continue
        moves: dict[str, _Moves] = defaultdict(_Moves)
        _transfers(restricted, state, moves, transfers)
        for fund, postings in per_fund.items():
            if fund in restricted:
                for posting in postings:
                    _movement(
                        view, state=state, move=moves[fund], fund=fund, txn=txn, posting=posting
                    )
        for fund, move in moves.items():
            frozen = move.frozen(txn.date, fund)
            if frozen is not None:
                found.append(frozen)
    return found


def _transfers(
    restricted: set[str],
    state: dict[str, list[Decimal]],
    moves: dict[str, _Moves],
    transfers: dict[str, Decimal],
) -> None:
    """Interfund postings: what the sources gave (restricted, designated) the targets get."""
    sources = {f: n for f, n in transfers.items() if n > 0}
    targets = {f: -n for f, n in transfers.items() if n < 0}
    to_unrestricted = all(f not in restricted for f in targets)
    gave_r = ZERO
    for fund, amount in sources.items():
        if fund not in restricted:
            continue
        r, d = state[fund]
        if to_unrestricted:  # designated money goes back first
            take_d = min(amount, max(d, ZERO))
            take_r = amount - take_d
        else:
            take_r = min(amount, max(r, ZERO))
            take_d = amount - take_r
        move = moves[fund]
        _apply(state, move, fund, -take_r, -take_d)
        move.transfer_d -= take_d
        if to_unrestricted:
            move.released += take_r
            move.transfer_release += take_r
        else:
            move.transfer_r -= take_r
            gave_r += take_r
    inflow = sum(targets.values(), ZERO)
    from_restricted = any(f in restricted for f in sources)
    for fund, amount in targets.items():
        if fund not in restricted:
            continue
        share_r = (gave_r * amount / inflow).quantize(Decimal("0.01")) if inflow else ZERO
        move = moves[fund]
        _apply(state, move, fund, share_r, amount - share_r)
        move.transfer_r += share_r
        move.transfer_d += amount - share_r
        if not from_restricted:
            move.designated_in += amount - share_r


def _apply(
    state: dict[str, list[Decimal]],
    move: _Moves,
    fund: str,
    restricted: Decimal,
    designated: Decimal,
) -> None:
    state[fund][0] += restricted
    state[fund][1] += designated
    move.restricted += restricted
    move.designated += designated


def _movement(
    view: BookView,
    *,
    state: dict[str, list[Decimal]],
    move: _Moves,
    fund: str,
    txn: data.Transaction,
    posting: data.Posting,
) -> None:
    account, number = posting.account, posting_number(posting)
    root = account.split(":", 1)[0]
    if root not in ("Income", "Expenses", "Equity") or account.startswith("Equity:Interfund:"):
        return
    category = view.category(account)
    if root == "Expenses" or (category is not None and category.section is Section.EXPENSE):
        if number >= 0:
            from_r = min(number, max(state[fund][0], ZERO))
        else:
            from_r = number  # a refund of earlier spending restores the restriction
        _apply(state, move, fund, -from_r, -(number - from_r))
        move.released += from_r
        return
    column = category.restriction if category is not None else None
    is_r = column is None or column is R
    if root == "Income" and is_interest(account) and not interest_restricted(view, txn, posting):
        is_r = False  # interest of a restricted fund is unrestricted unless stipulated
    if is_r:
        _apply(state, move, fund, -number, ZERO)
    else:
        _apply(state, move, fund, ZERO, -number)
    if root == "Equity":
        if is_r:
            move.direct_r -= number
        else:
            move.direct_d -= number


def split_at(view: BookView, end: datetime.date) -> Split:
    """Restricted and designated net assets of each restricted fund at the end of `end`."""
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for move in movements(view):
        if move.date > end:
            break
        sums[move.fund][0] += move.restricted
        sums[move.fund][1] += move.designated
    return Split({f: (r, d) for f, (r, d) in sums.items()})


def period_moves(
    view: BookView, start: datetime.date, end: datetime.date, fund: str | None = None
) -> dict[str, Decimal]:
    """The sums of each `Movement` field over start..end, for one fund or all."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for move in movements(view):
        if move.date > end:
            break
        if move.date < start or fund not in (None, move.fund):
            continue
        for name in _Moves.__slots__:
            sums[name] += getattr(move, name)
    return sums


def designated_by_fund(view: BookView, end: datetime.date) -> dict[str, Decimal]:
    """Designated (非限定性) net assets held by each restricted fund at `end`, if any."""
    return {f: d for f, (_, d) in split_at(view, end).by_fund.items() if d}

"""Source tracing read back from the book: the book alone proves the attribution.

The pools (guarantee, incentive) and the allocation funds are *traced funds*:
every cent in them belongs to a source, normally a contributing department
(`funds.tracing` holds the rule, first in first out by receipt date). The
book records the attribution in metadata, and this module replays it:

    2026-03-02 * "区民政局" "2026年第1季度政府购买服务资金: 专项保障资金"
      fb_id: "CT000012"
      fund: "GP"
      department: "D02"                    <- a lot of D02 in GP
      Assets:Bank:CCB:GP                      300000.00 CNY
      Income:Service:Restricted:GP           -300000.00 CNY

    2026-04-10 * "2026年专项保障资金下达: 玉林社区" #interfund ^alloc-A000007
      fb_id: "A000007-transfer"
      fund: "GP"
      target_fund: "AL-ST01C01-GP"
      src_D02: "12000.00"                  <- parts of the transfer, summing to it
      Assets:Bank:CCB:GP                      -12000.00 CNY
      Equity:Interfund:GP                      12000.00 CNY
      Assets:Bank:CCB:AL-ST01C01-GP            12000.00 CNY
      Equity:Interfund:AL-ST01C01-GP          -12000.00 CNY

Cash into a traced fund (bank or cash postings) is a lot whose source is the
entry's `department` (or `source_org`) metadata; or its `src_` keys (money
coming back); or, for a transfer in from an untraced fund, that fund;
otherwise `OTHER`. Cash out of a traced fund must
carry `src_<CODE>` keys summing to the amount: an interfund transfer into
another traced fund is an *allocation* (the parts move with the money), any
other outflow is a *payment*. Entries are replayed in the book's order (by
date, then as written). Every recorded attribution is checked against what
each source still has in the fund; missing or impossible ones are reported
as `SourceError` values and replaced by the first-in-first-out attribution so
that the replay can go on. At the end, the traced money of each fund must
equal its cash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from funds.model import FundKind
from funds.money import ZERO
from funds.registry import Registry
from funds.tracing import (
    Attribution,
    Refusal,
    Traced,
    TracingState,
    attribution_from_meta,
    receive,
    replay,
    spend,
)
from funds.tracing import allocate as allocate_fifo
from ledger import accounts as chart

TRACED_KINDS = frozenset({FundKind.GUARANTEE_POOL, FundKind.INCENTIVE_POOL, FundKind.ALLOCATION})
OTHER_SOURCE = "OTHER"
RECEIPT = "receipt"
ALLOCATION = "allocation"
PAYMENT = "payment"


class SourceError(NamedTuple):
    """A traced entry whose attribution is missing or impossible (Beancount error form)."""

    source: Mapping[str, Any]
    message: str
    entry: data.Directive | None


class Movement(NamedTuple):
    """Money into, across or out of the traced funds, with its sources.

    Attributes:
      kind: "receipt", "allocation" or "payment".
      date: the entry's date.
      fund: the traced fund the money came into (receipt) or left.
      target: for an allocation, the fund it went to; else None.
      amount: positive.
      attribution: the parts by source (for a receipt, the one source).
      links: the entry's links (e.g. "alloc-A000007", "req-R000042").
      fb_id: the entry's fb_id, or None for an entry written by hand.
      payee: the entry's payee, for payments.
      narration: the entry's narration.
    """

    kind: str
    date: Any
    fund: str
    target: str | None
    amount: Decimal
    attribution: Attribution
    links: frozenset[str]
    fb_id: str | None
    payee: str | None
    narration: str


class BookTracing(NamedTuple):
    """The replay of a book: what is left where, every movement, and every problem."""

    state: TracingState
    movements: tuple[Movement, ...]
    errors: tuple[SourceError, ...]


def traced_funds(registry: Registry) -> frozenset[str]:
    return frozenset(code for code, fund in registry.funds.items() if fund.kind in TRACED_KINDS)


def _is_cash(account: str) -> bool:
    return account.startswith(("Assets:Bank:", chart.CASH.account + ":"))


def cash_flows(entry: data.Transaction, funds: frozenset[str]) -> dict[str, Decimal]:
    """Net cash (bank and cash postings) of each traced fund in `entry`."""
    flows: dict[str, Decimal] = {}
    for posting in entry.postings:
        if posting.units is None or not _is_cash(posting.account):
            continue
        fund = chart.fund_of_account(posting.account)
        if fund in funds:
            number = Decimal(posting.units.number)
            flows[fund] = flows.get(fund, ZERO) + number
    return {fund: value for fund, value in flows.items() if value != 0}


class _Replay:
    def __init__(self, funds: frozenset[str]) -> None:
        self.funds = funds
        self.state = TracingState()
        self.movements: list[Movement] = []
        self.errors: list[SourceError] = []
        self.cash: dict[str, Decimal] = {}

    def error(self, entry: data.Transaction, message: str) -> None:
        self.errors.append(SourceError(entry.meta, message, entry))

    def movement(
        self,
        entry: data.Transaction,
        kind: str,
        fund: str,
        *,
        target: str | None,
        amount: Decimal,
        attribution: Attribution,
    ) -> None:
        fb_id = entry.meta.get("fb_id")
        self.movements.append(
            Movement(
                kind,
                entry.date,
                fund,
                target,
                amount,
                attribution,
                frozenset(entry.links or ()),
                fb_id if isinstance(fb_id, str) else None,
                entry.payee,
                entry.narration,
            )
        )

    def recorded(self, entry: data.Transaction) -> Attribution | None:
        found = attribution_from_meta(entry.meta)
        if isinstance(found, Refusal):
            self.error(entry, found.detail)
            return None
        return found

    def consume(
        self, entry: data.Transaction, fund: str, target: str | None, amount: Decimal
    ) -> None:
        recorded = self.recorded(entry)
        kind = ALLOCATION if target is not None else PAYMENT
        result: Traced | Refusal
        if recorded is None:
            self.error(entry, f"{kind} of {amount} out of {fund} has no src_<CODE> sources")
        else:
            result = replay(
                self.state, fund=fund, amount=amount, attribution=recorded, target=target
            )
            if isinstance(result, Traced):
                self.state = result.state
                self.movement(
                    entry, kind, fund, target=target, amount=amount, attribution=result.attribution
                )
                return
            self.error(entry, f"{kind} out of {fund}: {result.detail}")
        # Go on with the first-in-first-out attribution, as far as the money goes.
        take = min(amount, self.state.traced(fund))
        if take > 0:
            if target is None:
                result = spend(self.state, fund=fund, amount=take)
            else:
                result = allocate_fifo(self.state, pool=fund, target=target, amount=take)
            if isinstance(result, Traced):
                self.state = result.state
                self.movement(
                    entry, kind, fund, target=target, amount=amount, attribution=result.attribution
                )

    def inflow(self, entry: data.Transaction, fund: str, amount: Decimal) -> None:
        recorded = self.recorded(entry)
        if recorded is not None and recorded.total == amount:
            parts = recorded.parts
        else:
            department = entry.meta.get("department") or entry.meta.get("source_org")
            source_fund = entry.meta.get("fund")
            if isinstance(department, str) and department:
                source = department
            elif (
                "interfund" in (entry.tags or ())
                and isinstance(source_fund, str)
                and source_fund != fund
            ):
                source = source_fund
            else:
                source = OTHER_SOURCE
            parts = ((source, amount),)
        for source, part in parts:
            result = receive(
                self.state, fund=fund, source=source, amount=part, received_on=entry.date
            )
            if isinstance(result, Refusal):  # pragma: no cover - amounts come from postings
                self.error(entry, result.detail)
                continue
            self.state = result
            self.movement(
                entry,
                RECEIPT,
                fund,
                target=None,
                amount=part,
                attribution=Attribution(((source, part),)),
            )

    def entry(self, entry: data.Transaction) -> None:
        flows = cash_flows(entry, self.funds)
        for fund, value in flows.items():
            self.cash[fund] = self.cash.get(fund, ZERO) + value
        outflows = {fund: -value for fund, value in flows.items() if value < 0}
        inflows = {fund: value for fund, value in flows.items() if value > 0}
        target = entry.meta.get("target_fund")
        allocation = (
            "interfund" in (entry.tags or ())
            and len(outflows) == 1
            and isinstance(target, str)
            and inflows.get(target) == next(iter(outflows.values()))
        )
        if allocation:
            assert isinstance(target, str)
            ((fund, amount),) = outflows.items()
            self.consume(entry, fund, target, amount)
            inflows.pop(target)
            outflows = {}
        if len(outflows) > 1:
            self.error(entry, "cash leaves more than one traced fund in one entry")
        for fund, amount in outflows.items():
            self.consume(entry, fund, None, amount)
        for fund, amount in inflows.items():
            self.inflow(entry, fund, amount)

    def finish(self) -> None:
        for fund in sorted(self.funds):
            cash = self.cash.get(fund, ZERO)
            traced = self.state.traced(fund)
            if cash != traced:
                self.errors.append(
                    SourceError(
                        {"filename": "<sources>", "lineno": 0},
                        f"fund {fund} holds {cash} in cash but {traced} is traced to sources",
                        None,
                    )
                )


def trace_book(entries: Iterable[data.Directive], registry: Registry) -> BookTracing:
    """Replay the traced funds' cash movements of a loaded book (in its order)."""
    run = _Replay(traced_funds(registry))
    for entry in entries:
        if isinstance(entry, data.Transaction):
            run.entry(entry)
    run.finish()
    return BookTracing(run.state, tuple(run.movements), tuple(run.errors))

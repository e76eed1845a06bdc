"""Source tracing: which departments' money paid each allocation and payment.

The guarantee and incentive pools are fed by project money of many district
departments. Money in a pool is fungible, so "where did department D01's money
go" needs a rule. Fundbook uses **first in, first out by receipt date**:

- every amount *received* into a pool (a department's contribution, or a
  receipt against its pledge) is a **lot**: (source, receipt date, amount);
  a pledge not yet received is not a lot, so it cannot be allocated;
- an **allocation** from a pool to a community's allocation fund consumes the
  pool's lots oldest receipt first (ties in the order they were received);
  the consumed pieces move to the allocation fund as its own lots, keeping
  their source and receipt date;
- a **payment** out of a fund consumes that fund's lots in the same order.

The outcome of each consumption is an `Attribution`, e.g. an allocation of
1000.00 = D03 700.00 + D07 300.00. It is written into the book's metadata
(`src_D03: "700.00"`, `src_D07: "300.00"`) so that the book alone proves it.

Why FIFO rather than pro rata to the pool's balance:

- every cent is matched to one receipt (a date and a receipt number), so an
  auditor can follow it from the department's transfer slip to the community's
  payment; pro rata spreads every allocation over every department in small
  rounded fragments that no one can check by hand;
- an attribution, once booked, never changes: later contributions cannot
  reach back into it, and pro rata needs no balance snapshot to be reproduced;
- splitting lots is exact to the cent, so no rounding rule is needed (pro rata
  would need a largest-remainder rule and a tie-break between departments);
- older money is spent first, which is what departments' year-end project
  money reviews (结余资金) ask about.

Everything here is a pure function on frozen values; refusals are values
(`Refusal`), not exceptions. Amounts are `Decimal` with two places.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from funds.money import ZERO, cents

META_PREFIX = "src_"
_META_KEY = re.compile(r"src_([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)")


class Refusal(NamedTuple):
    """Why a movement cannot be traced.

    Attributes:
      code: a stable result code, e.g. "exceeds_received".
      detail: a sentence for people.
    """

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Lot:
    """Money of one source sitting in one fund.

    Attributes:
      source: the contributing organization's code (a department), or a
        non-department source key such as "INTEREST".
      received_on: the date the money was received into the pool.
      seq: the order of receipt (tie-break within a date), kept by the pieces
        of a lot when they move to another fund.
      amount: what is left of the lot in this fund, positive.
    """

    source: str
    received_on: datetime.date
    seq: int
    amount: Decimal

    @property
    def order(self) -> tuple[datetime.date, int]:
        return (self.received_on, self.seq)


@dataclass(frozen=True, slots=True)
class Attribution:
    """How much of an amount came from each source, sources in code order.

    Attributes:
      parts: (source, amount) pairs, each amount positive, sources unique.
    """

    parts: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def of(cls, amounts: Mapping[str, Decimal]) -> Attribution:
        """An attribution from a mapping; zero amounts are dropped."""
        return cls(tuple(sorted((s, cents(a)) for s, a in amounts.items() if a != 0)))

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.parts), ZERO)

    def amount_of(self, source: str) -> Decimal:
        return dict(self.parts).get(source, ZERO)

    def as_dict(self) -> dict[str, Decimal]:
        return dict(self.parts)

    def to_meta(self) -> dict[str, str]:
        """The book's metadata form: {"src_D03": "700.00", ...}."""
        return {f"{META_PREFIX}{source}": f"{amount:f}" for source, amount in self.parts}


def attribution_from_meta(meta: Mapping[str, object]) -> Attribution | Refusal | None:
    """Read the `src_<CODE>` keys of an entry's metadata; None if there are none."""
    amounts: dict[str, Decimal] = {}
    for key, value in meta.items():
        if not isinstance(key, str) or not key.startswith(META_PREFIX):
            continue
        match = _META_KEY.fullmatch(key)
        if match is None or not isinstance(value, str):
            return Refusal("malformed_source", f'source key {key!r} is not src_<CODE>: "amount"')
        try:
            amount = cents(value)
        except (ValueError, ArithmeticError):
            return Refusal("malformed_source", f"{key}: {value!r} is not an amount")
        if amount <= 0:
            return Refusal("malformed_source", f"{key}: {value} is not positive")
        amounts[match.group(1)] = amount
    if not amounts:
        return None
    return Attribution.of(amounts)


@dataclass(frozen=True, slots=True)
class TracingState:
    """The lots of every traced fund.

    Attributes:
      lots: fund code -> its lots in consumption order (receipt date, seq).
      received: (fund, source) -> everything that source ever gave that fund
        directly (contributions only, not transfers in).
      next_seq: the seq of the next receipt.
    """

    lots: Mapping[str, tuple[Lot, ...]] = field(default_factory=dict)
    received: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    next_seq: int = 1

    def lots_of(self, fund: str) -> tuple[Lot, ...]:
        return self.lots.get(fund, ())

    def traced(self, fund: str) -> Decimal:
        """The money in `fund` whose source is known (what may still be consumed)."""
        return sum((lot.amount for lot in self.lots_of(fund)), ZERO)

    def remaining(self, fund: str) -> Attribution:
        """What is left in `fund`, by source."""
        totals: dict[str, Decimal] = {}
        for lot in self.lots_of(fund):
            totals[lot.source] = totals.get(lot.source, ZERO) + lot.amount
        return Attribution.of(totals)


class Traced(NamedTuple):
    """The state after a consumption, and its attribution."""

    state: TracingState
    attribution: Attribution


def _sorted(lots: Iterable[Lot]) -> tuple[Lot, ...]:
    return tuple(sorted(lots, key=lambda lot: lot.order))


def _with_lots(state: TracingState, fund: str, lots: tuple[Lot, ...]) -> TracingState:
    new = dict(state.lots)
    if lots:
        new[fund] = lots
    else:
        new.pop(fund, None)
    return replace(state, lots=new)


def _positive(amount: Decimal) -> Decimal | Refusal:
    try:
        value = cents(amount)
    except (ValueError, ArithmeticError):
        return Refusal("invalid_amount", f"{amount!r} is not an amount to the cent")
    if value <= 0:
        return Refusal("invalid_amount", f"amount must be positive, not {value}")
    return value


def receive(
    state: TracingState,
    *,
    fund: str,
    source: str,
    amount: Decimal,
    received_on: datetime.date,
) -> TracingState | Refusal:
    """Money of `source` received into `fund`: a new lot."""
    value = _positive(amount)
    if isinstance(value, Refusal):
        return value
    lot = Lot(source, received_on, state.next_seq, value)
    received = dict(state.received)
    received[(fund, source)] = received.get((fund, source), ZERO) + value
    state = replace(state, received=received, next_seq=state.next_seq + 1)
    return _with_lots(state, fund, _sorted((*state.lots_of(fund), lot)))


def _take_fifo(lots: tuple[Lot, ...], amount: Decimal) -> tuple[tuple[Lot, ...], list[Lot]]:
    """Consume `amount` from lots in order: (lots left, pieces taken)."""
    left: list[Lot] = []
    taken: list[Lot] = []
    need = amount
    for lot in lots:
        if need == 0:
            left.append(lot)
        elif lot.amount <= need:
            taken.append(lot)
            need -= lot.amount
        else:
            taken.append(replace(lot, amount=need))
            left.append(replace(lot, amount=lot.amount - need))
            need = ZERO
    return tuple(left), taken


def _take_recorded(
    lots: tuple[Lot, ...], attribution: Attribution
) -> tuple[tuple[Lot, ...], list[Lot]]:
    """Consume each source's recorded amount from its own lots, oldest first."""
    need = attribution.as_dict()
    left: list[Lot] = []
    taken: list[Lot] = []
    for lot in lots:
        want = need.get(lot.source, ZERO)
        if want == 0:
            left.append(lot)
        elif lot.amount <= want:
            taken.append(lot)
            need[lot.source] = want - lot.amount
        else:
            taken.append(replace(lot, amount=want))
            left.append(replace(lot, amount=lot.amount - want))
            need[lot.source] = ZERO
    return tuple(left), taken


def _summed(pieces: Iterable[Lot]) -> Attribution:
    totals: dict[str, Decimal] = {}
    for piece in pieces:
        totals[piece.source] = totals.get(piece.source, ZERO) + piece.amount
    return Attribution.of(totals)


def _consume(
    state: TracingState,
    *,
    fund: str,
    amount: Decimal,
    target: str | None,
    recorded: Attribution | None,
) -> Traced | Refusal:
    value = _positive(amount)
    if isinstance(value, Refusal):
        return value
    if target == fund:
        return Refusal("same_fund", f"cannot move money from {fund} to itself")
    available = state.traced(fund)
    if value > available:
        return Refusal(
            "exceeds_received",
            f"{value} exceeds the {available} received into {fund} and not yet consumed",
        )
    if recorded is None:
        left, taken = _take_fifo(state.lots_of(fund), value)
    else:
        if recorded.total != value:
            return Refusal(
                "sources_do_not_sum",
                f"sources sum to {recorded.total}, not to the amount {value}",
            )
        remaining = state.remaining(fund)
        for source, part in recorded.parts:
            if part > remaining.amount_of(source):
                return Refusal(
                    "exceeds_source",
                    f"{source} is traced for {part} but has only "
                    f"{remaining.amount_of(source)} left in {fund}",
                )
        left, taken = _take_recorded(state.lots_of(fund), recorded)
    state = _with_lots(state, fund, left)
    if target is not None:
        state = _with_lots(state, target, _sorted((*state.lots_of(target), *taken)))
    return Traced(state, _summed(taken))


def allocate(state: TracingState, *, pool: str, target: str, amount: Decimal) -> Traced | Refusal:
    """Move `amount` from `pool` to `target` (an allocation fund), FIFO by receipt."""
    return _consume(state, fund=pool, amount=amount, target=target, recorded=None)


def spend(state: TracingState, *, fund: str, amount: Decimal) -> Traced | Refusal:
    """Pay `amount` out of `fund`, FIFO by receipt: the money leaves the traced funds."""
    return _consume(state, fund=fund, amount=amount, target=None, recorded=None)


def replay(
    state: TracingState,
    *,
    fund: str,
    amount: Decimal,
    attribution: Attribution,
    target: str | None = None,
) -> Traced | Refusal:
    """Apply an attribution already recorded (in the book), checking it is possible.

    Each source's part is taken from that source's own lots, oldest first; the
    attribution must sum to `amount` and no source may be taken for more than
    it has left in `fund`.
    """
    return _consume(state, fund=fund, amount=amount, target=target, recorded=attribution)

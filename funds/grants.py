"""Grants to social-enterprise projects: award, milestones, tranches, closeout.

A grant is awarded under a signed agreement for a total, paid in tranches.
Each tranche has an amount, a due date and a milestone; the tranche amounts
sum to the total. The life of a grant:

    award ─► for each tranche n = 1, 2, ...:
               milestone report submitted ─► accepted (or rejected: report again)
               ─► tranche released (only after tranches 1..n-1 were released)
               ─► tranche paid (exactly once)
          ─► close: the grant ends, every unpaid tranche is dropped and the
             unspent amount (total − paid) goes back to the fund
          or cancel: likewise, from any point, even with a tranche released
             but not yet paid

In the book the award is the commitment of the whole total (expense against
应付款), each payment clears part of it, and closing or cancelling reverses the
unspent rest with a linked entry. This module decides only what may happen;
it is pure and its refusals are values (`Refused`).
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from funds.money import ZERO, cents

TEXT_MAX = 500


class TrancheState(enum.StrEnum):
    PLANNED = "planned"  # milestone not yet reported
    REPORTED = "reported"  # milestone report submitted, awaiting acceptance
    ACCEPTED = "accepted"  # milestone report accepted: the tranche may be released
    RELEASED = "released"  # released by the foundation: the accountant may pay it
    PAID = "paid"
    DROPPED = "dropped"  # never paid: the grant was closed or cancelled


class GrantStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Refused(NamedTuple):
    """Why a grant operation is refused.

    Attributes:
      code: "invalid_terms" (the award itself is malformed) or
        "invalid_transition" (not allowed in the grant's present state).
      detail: a sentence for people.
    """

    code: str
    detail: str


INVALID_TERMS = "invalid_terms"
INVALID_TRANSITION = "invalid_transition"


@dataclass(frozen=True, slots=True)
class TrancheTerms:
    """One tranche as the agreement sets it."""

    amount: Decimal
    due: datetime.date
    milestone: str


@dataclass(frozen=True, slots=True)
class Tranche:
    """A tranche of an awarded grant.

    Attributes:
      number: 1-based position; tranches are released in this order.
      amount, due, milestone: the agreed terms.
      state: where it is in its life.
      report: the milestone report's text or reference, once submitted.
    """

    number: int
    amount: Decimal
    due: datetime.date
    milestone: str
    state: TrancheState = TrancheState.PLANNED
    report: str | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """An awarded grant.

    Attributes:
      enterprise: code of the social enterprise.
      project: the project's name.
      fund: code of the fund the grant is paid from.
      agreement: the agreement's number or reference.
      total: the amount awarded, the sum of the tranches.
      tranches: in release order.
      status: active, closed or cancelled.
    """

    enterprise: str
    project: str
    fund: str
    agreement: str
    total: Decimal
    tranches: tuple[Tranche, ...]
    status: GrantStatus = GrantStatus.ACTIVE

    @property
    def paid(self) -> Decimal:
        return sum((t.amount for t in self.tranches if t.state is TrancheState.PAID), ZERO)

    @property
    def unspent(self) -> Decimal:
        return self.total - self.paid

    def tranche(self, number: int) -> Tranche | None:
        if 1 <= number <= len(self.tranches):
            return self.tranches[number - 1]
        return None


class Closed(NamedTuple):
    """A grant that has ended, and the unspent amount to give back to the fund."""

    grant: Grant
    refund: Decimal


def _text(name: str, value: str) -> Refused | None:
    if not value.strip():
        return Refused(INVALID_TERMS, f"{name} must not be empty")
    if len(value) > TEXT_MAX:
        return Refused(INVALID_TERMS, f"{name} must have at most {TEXT_MAX} characters")
    return None


def award(
    *,
    enterprise: str,
    project: str,
    fund: str,
    agreement: str,
    total: Decimal,
    tranches: Sequence[TrancheTerms],
) -> Grant | Refused:
    """A new grant, if its terms hold together."""
    for name, value in (("project", project), ("agreement", agreement)):
        problem = _text(name, value)
        if problem:
            return problem
    try:
        total = cents(total)
        amounts = [cents(t.amount) for t in tranches]
    except (ValueError, ArithmeticError):
        return Refused(INVALID_TERMS, "amounts must be to the cent")
    if total <= 0:
        return Refused(INVALID_TERMS, "the total must be positive")
    if not tranches:
        return Refused(INVALID_TERMS, "a grant needs at least one tranche")
    for number, (terms, amount) in enumerate(zip(tranches, amounts, strict=True), start=1):
        if amount <= 0:
            return Refused(INVALID_TERMS, f"tranche {number}: the amount must be positive")
        problem = _text(f"tranche {number}: milestone", terms.milestone)
        if problem:
            return problem
        if number > 1 and terms.due < tranches[number - 2].due:
            return Refused(INVALID_TERMS, f"tranche {number} is due before tranche {number - 1}")
    if sum(amounts, ZERO) != total:
        return Refused(
            INVALID_TERMS, f"the tranches sum to {sum(amounts, ZERO)}, not to the total {total}"
        )
    return Grant(
        enterprise=enterprise,
        project=project,
        fund=fund,
        agreement=agreement,
        total=total,
        tranches=tuple(
            Tranche(number, amount, terms.due, terms.milestone)
            for number, (terms, amount) in enumerate(zip(tranches, amounts, strict=True), 1)
        ),
    )


def _step(
    grant: Grant, number: int, allowed: frozenset[TrancheState], action: str
) -> Tranche | Refused:
    if grant.status is not GrantStatus.ACTIVE:
        return Refused(INVALID_TRANSITION, f"the grant is {grant.status.value}")
    tranche = grant.tranche(number)
    if tranche is None:
        return Refused(INVALID_TRANSITION, f"the grant has no tranche {number}")
    if tranche.state not in allowed:
        return Refused(
            INVALID_TRANSITION, f"tranche {number} is {tranche.state.value}: cannot {action} it"
        )
    return tranche


def _with(grant: Grant, tranche: Tranche) -> Grant:
    tranches = list(grant.tranches)
    tranches[tranche.number - 1] = tranche
    return replace(grant, tranches=tuple(tranches))


def submit_report(grant: Grant, *, number: int, report: str) -> Grant | Refused:
    """The enterprise's milestone report for tranche `number` arrives."""
    problem = _text("report", report)
    if problem:
        return problem
    tranche = _step(
        grant, number, frozenset({TrancheState.PLANNED, TrancheState.REPORTED}), "report on"
    )
    if isinstance(tranche, Refused):
        return tranche
    return _with(grant, replace(tranche, state=TrancheState.REPORTED, report=report))


def accept_report(grant: Grant, *, number: int) -> Grant | Refused:
    """The foundation accepts the milestone report of tranche `number`."""
    tranche = _step(grant, number, frozenset({TrancheState.REPORTED}), "accept a report of")
    if isinstance(tranche, Refused):
        return tranche
    return _with(grant, replace(tranche, state=TrancheState.ACCEPTED))


def reject_report(grant: Grant, *, number: int) -> Grant | Refused:
    """The foundation sends the milestone report back: the enterprise reports again."""
    tranche = _step(grant, number, frozenset({TrancheState.REPORTED}), "reject a report of")
    if isinstance(tranche, Refused):
        return tranche
    return _with(grant, replace(tranche, state=TrancheState.PLANNED))


def release(grant: Grant, *, number: int) -> Grant | Refused:
    """Release tranche `number`: its milestone accepted, every earlier tranche released."""
    tranche = _step(grant, number, frozenset({TrancheState.ACCEPTED}), "release")
    if isinstance(tranche, Refused):
        if (
            (found := grant.tranche(number)) is not None
            and found.state in (TrancheState.PLANNED, TrancheState.REPORTED)
            and grant.status is GrantStatus.ACTIVE
        ):
            return Refused(
                INVALID_TRANSITION, f"the milestone of tranche {number} is not accepted yet"
            )
        return tranche
    for earlier in grant.tranches[: number - 1]:
        if earlier.state not in (TrancheState.RELEASED, TrancheState.PAID):
            return Refused(
                INVALID_TRANSITION,
                f"tranche {earlier.number} must be released before tranche {number}",
            )
    return _with(grant, replace(tranche, state=TrancheState.RELEASED))


def pay(grant: Grant, *, number: int) -> Grant | Refused:
    """The accountant pays released tranche `number`; a tranche is paid at most once."""
    tranche = _step(grant, number, frozenset({TrancheState.RELEASED}), "pay")
    if isinstance(tranche, Refused):
        return tranche
    return _with(grant, replace(tranche, state=TrancheState.PAID))


def _end(grant: Grant, status: GrantStatus) -> Closed:
    tranches = tuple(
        t if t.state is TrancheState.PAID else replace(t, state=TrancheState.DROPPED)
        for t in grant.tranches
    )
    ended = replace(grant, tranches=tranches, status=status)
    return Closed(ended, grant.total - ended.paid)


def close(grant: Grant) -> Closed | Refused:
    """Close out the grant: unpaid tranches are dropped, the unspent rest is refunded.

    A tranche released but not yet paid must be paid first (or the grant cancelled).
    """
    if grant.status is not GrantStatus.ACTIVE:
        return Refused(INVALID_TRANSITION, f"the grant is {grant.status.value}")
    for tranche in grant.tranches:
        if tranche.state is TrancheState.RELEASED:
            return Refused(INVALID_TRANSITION, f"tranche {tranche.number} is released but not paid")
    return _end(grant, GrantStatus.CLOSED)


def cancel(grant: Grant) -> Closed | Refused:
    """Cancel the grant: nothing more is paid, the unspent rest is refunded."""
    if grant.status is not GrantStatus.ACTIVE:
        return Refused(INVALID_TRANSITION, f"the grant is {grant.status.value}")
    return _end(grant, GrantStatus.CANCELLED)

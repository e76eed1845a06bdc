r"""Disbursement requests: who may do what to a request, and what it becomes.

A committee asks for money from its community's fund; the request climbs the
fund's approval chain, one step at a time, and then the accountant pays it:

    pending --approve (last step)--> approved --pay--> paid
       |  \--reject--> rejected            \--void--> voided
       |   \--return--> returned --resubmit--> pending (a new round)
       \--cancel / expire--> cancelled / expired   (also from returned)

A request *holds* its amount while it is pending or returned. Each submission
opens a *round* with its own terms (amount, payee, purpose, documents) and its
own chain; a resubmission opens the next round and never rewrites the earlier
ones. Separation of duties is by person: the requester decides no step, and a
person fills one step of the chain only, in every round.

This module decides only what may happen; it is pure (no clock, no database,
no book: the moment of each change is an argument) and its refusals are values
(`Refused`). The service loads a request, calls a function here, saves what it
returns and books what the change calls for.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from funds.model import Role
from funds.money import ZERO, cents


class Status(enum.StrEnum):
    """Where a request is in its life; the one spelling of each status."""

    PENDING = "pending"  # climbing its chain
    RETURNED = "returned"  # sent back to the committee for revision
    APPROVED = "approved"  # the last step approved: the commitment is booked
    PAID = "paid"  # the cash movement is booked
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # undecided for longer than the request's time to live
    VOIDED = "voided"  # approved, then reversed by a linked entry


HOLDING = frozenset({Status.PENDING, Status.RETURNED})
"""Statuses in which a request holds its amount against the fund."""

RESOLVED = frozenset(
    {Status.PAID, Status.REJECTED, Status.CANCELLED, Status.EXPIRED, Status.VOIDED}
)
"""Final statuses: a request resolves once, and nothing changes it afterwards."""


class Verdict(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


DECIDING_ROLES = frozenset({Role.COMMUNITY_PARTY, Role.STREET, Role.DISTRICT, Role.FOUNDATION})

# Refusal codes; they are the API's problem codes.
FORBIDDEN = "forbidden"
INVALID_TRANSITION = "invalid_transition"
SELF_APPROVAL = "self_approval"
VALIDATION_ERROR = "validation_error"


class Refused(NamedTuple):
    """Why a change of a request is refused.

    Attributes:
      code: one of FORBIDDEN, INVALID_TRANSITION, SELF_APPROVAL, VALIDATION_ERROR.
      detail: a sentence for people.
    """

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a person, in a role, for an organization (None: district-wide)."""

    name: str
    role: Role
    org: str | None = None

    @property
    def district_wide(self) -> bool:
        return self.org is None


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a round's resolved chain: the role and organization that decide it."""

    role: str
    org: str


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision on one step of one round.

    Attributes:
      round: the round's number (1-based).
      step: 0-based position in that round's chain.
      role, org: the step decided.
      verdict: approve, reject or return.
      by: the person who decided.
      at: when (aware).
      comment: the decider's words, possibly empty.
    """

    round: int
    step: int
    role: str
    org: str
    verdict: Verdict
    by: str
    at: datetime.datetime
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Terms:
    """What a round asks for."""

    amount: Decimal
    payee: str
    purpose: str
    category: str | None = None
    documents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Round:
    """One submission of a request and the decisions taken on it.

    Attributes:
      number: 1 for the first submission, then one more per resubmission.
      terms: what this round asked for; None where it was not recorded (rounds
        superseded before rounds were kept).
      chain: the resolved approval chain of this round.
      submitted_at: when the round was submitted.
      decisions: in step order.
    """

    number: int
    terms: Terms | None
    chain: tuple[Step, ...]
    submitted_at: datetime.datetime
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True, slots=True)
class Payment:
    paid_on: datetime.date
    bank_reference: str


@dataclass(frozen=True, slots=True)
class Request:
    """A disbursement request.

    Attributes:
      code: "R000042"; None until the service numbers it.
      fund: code of the fund the money comes from.
      requested_by: the person who submitted it (and resubmits it).
      requested_org: the community the requester acts for.
      created_at: first submission.
      updated_at: the last change (expiry counts from here).
      status: see Status.
      rounds: every round, the current one last.
      payment: once paid.
      void_reason: once voided.
    """

    code: str | None
    fund: str
    requested_by: str
    requested_org: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    status: Status
    rounds: tuple[Round, ...]
    payment: Payment | None = None
    void_reason: str | None = None

    @property
    def current(self) -> Round:
        return self.rounds[-1]

    @property
    def terms(self) -> Terms:
        terms = self.current.terms
        assert terms is not None, "the current round's terms are always known"
        return terms

    @property
    def amount(self) -> Decimal:
        return self.terms.amount

    @property
    def held(self) -> Decimal:
        """What the request holds against its fund now."""
        return self.amount if self.status in HOLDING else ZERO

    def next_step(self) -> Step | None:
        """The step whose turn it is, while the request is pending."""
        if self.status is not Status.PENDING:
            return None
        decided = len(self.current.decisions)
        return self.current.chain[decided] if decided < len(self.current.chain) else None

    def decisions(self) -> tuple[Decision, ...]:
        """Every decision of every round, in order."""
        return tuple(d for r in self.rounds for d in r.decisions)


def hold_change(before: Request | None, after: Request) -> Decimal:
    """By how much a change raised (positive) or released (negative) the fund's holds."""
    return after.held - (before.held if before is not None else ZERO)


def _terms(terms: Terms) -> Terms | Refused:
    try:
        amount = cents(terms.amount)
    except (ValueError, ArithmeticError):
        return Refused(VALIDATION_ERROR, "amount: must be to the cent")
    if amount <= 0:
        return Refused(VALIDATION_ERROR, "amount: must be positive")
    for name, value in (("payee", terms.payee), ("purpose", terms.purpose)):
        if not value.strip():
            return Refused(VALIDATION_ERROR, f"{name}: must not be empty")
    return replace(terms, amount=amount)


def _chain(chain: tuple[Step, ...]) -> Refused | None:
    if not chain:
        return Refused(VALIDATION_ERROR, "the approval chain has no step")
    return None


def submit(
    *,
    fund: str,
    terms: Terms,
    chain: tuple[Step, ...],
    by: Actor,
    at: datetime.datetime,
) -> Request | Refused:
    """A new request in its first round, pending, holding its amount."""
    if by.role is not Role.COMMITTEE:
        return Refused(FORBIDDEN, f"only a community committee submits requests, not {by.role}")
    checked = _terms(terms)
    if isinstance(checked, Refused):
        return checked
    if problem := _chain(chain):
        return problem
    return Request(
        code=None,
        fund=fund,
        requested_by=by.name,
        requested_org=by.org,
        created_at=at,
        updated_at=at,
        status=Status.PENDING,
        rounds=(Round(1, checked, chain, at),),
    )


def _refuse_resolved(request: Request, action: str) -> Refused | None:
    if request.status in RESOLVED:
        return Refused(
            INVALID_TRANSITION, f"request {request.code} is {request.status}: cannot {action} it"
        )
    return None


def decidable(request: Request, *, by: Actor) -> Refused | None:
    """Why `by` may not decide the request now, or None if it is `by`'s turn.

    Refused: forbidden for a role that decides no step of this chain;
    invalid_transition unless pending and `by`'s turn; self_approval for the
    requester, or for a person who decided another step (in any round) or
    already decided in this round.
    """
    if by.role not in DECIDING_ROLES or by.role.value not in {
        s.role for s in request.current.chain
    }:
        return Refused(FORBIDDEN, f"a {by.role} does not decide requests from fund {request.fund}")
    if request.status is not Status.PENDING:
        return Refused(
            INVALID_TRANSITION, f"request {request.code} is {request.status}, not pending"
        )
    step = request.next_step()
    assert step is not None, "a pending request always has a next step"
    if step.role != by.role.value or (not by.district_wide and step.org != by.org):
        return Refused(INVALID_TRANSITION, f"it is the turn of {step.role} {step.org}, not yours")
    if by.name == request.requested_by:
        return Refused(
            SELF_APPROVAL, f"{by.name} submitted request {request.code} and cannot decide it"
        )
    for earlier in request.decisions():
        if earlier.by == by.name and (
            earlier.round == request.current.number
            or (earlier.role, earlier.org) != (step.role, step.org)
        ):
            return Refused(
                SELF_APPROVAL, f"{by.name} already decided another step of request {request.code}"
            )
    return None


def awaits(request: Request, *, by: Actor) -> bool:
    """Whether the request waits for `by`'s decision: exactly when `by` may decide it now."""
    return decidable(request, by=by) is None


def decide(
    request: Request,
    *,
    by: Actor,
    verdict: Verdict,
    comment: str = "",
    at: datetime.datetime,
) -> Request | Refused:
    """`by` decides the step whose turn it is (refused as `decidable` says)."""
    if refused := decidable(request, by=by):
        return refused
    step = request.next_step()
    assert step is not None
    current = request.current
    index = len(current.decisions)
    decision = Decision(current.number, index, step.role, step.org, verdict, by.name, at, comment)
    current = replace(current, decisions=(*current.decisions, decision))
    if verdict is Verdict.REJECT:
        status = Status.REJECTED
    elif verdict is Verdict.RETURN:
        status = Status.RETURNED
    elif index == len(current.chain) - 1:
        status = Status.APPROVED
    else:
        status = Status.PENDING
    return replace(request, rounds=(*request.rounds[:-1], current), status=status, updated_at=at)


def resubmittable(request: Request, *, by: Actor) -> Refused | None:
    """Why `by` may not resubmit the request, or None if they may."""
    if request.status is not Status.RETURNED:
        return Refused(
            INVALID_TRANSITION,
            f"request {request.code} is {request.status}; only a returned request is resubmitted",
        )
    if by.name != request.requested_by:
        # whoever changes a request submits it: only its requester may, so that the
        # separation of duties (by requested_by) covers every submitter
        return Refused(
            FORBIDDEN,
            f"only {request.requested_by}, who submitted request {request.code}, resubmits it",
        )
    return None


def resubmit(
    request: Request, *, by: Actor, terms: Terms, chain: tuple[Step, ...], at: datetime.datetime
) -> Request | Refused:
    """The requester submits a returned request again: a new round, its chain from the start."""
    if refused := resubmittable(request, by=by):
        return refused
    checked = _terms(terms)
    if isinstance(checked, Refused):
        return checked
    if problem := _chain(chain):
        return problem
    following = Round(request.current.number + 1, checked, chain, at)
    return replace(
        request, rounds=(*request.rounds, following), status=Status.PENDING, updated_at=at
    )


def cancel(request: Request, *, by: Actor, at: datetime.datetime) -> Request | Refused:
    """The committee withdraws a request still being decided."""
    if by.role is not Role.COMMITTEE:
        return Refused(FORBIDDEN, f"only a community committee cancels a request, not {by.role}")
    if request.status not in HOLDING:
        return Refused(
            INVALID_TRANSITION,
            f"request {request.code} is {request.status}; only pending or returned requests are cancelled",
        )
    return replace(request, status=Status.CANCELLED, updated_at=at)


def due_to_expire(request: Request, *, now: datetime.datetime, ttl: datetime.timedelta) -> bool:
    """Whether the request has waited undecided for longer than `ttl`."""
    return request.status in HOLDING and request.updated_at < now - ttl


def expire(
    request: Request, *, now: datetime.datetime, ttl: datetime.timedelta
) -> Request | Refused:
    """A request undecided for longer than `ttl` expires, releasing its hold."""
    if not due_to_expire(request, now=now, ttl=ttl):
        if problem := _refuse_resolved(request, "expire"):
            return problem
        return Refused(INVALID_TRANSITION, f"request {request.code} is not due to expire")
    return replace(request, status=Status.EXPIRED, updated_at=now)


def payable(request: Request, *, by: Actor) -> Refused | None:
    """Why `by` may not pay the request, or None if they may."""
    if by.role is not Role.ACCOUNTANT:
        return Refused(FORBIDDEN, "only an accountant records payments")
    if request.status is not Status.APPROVED:
        return Refused(
            INVALID_TRANSITION,
            f"request {request.code} is {request.status}; only an approved request is paid",
        )
    return None


def pay(
    request: Request,
    *,
    by: Actor,
    paid_on: datetime.date,
    bank_reference: str,
    approved_on: datetime.date,
    today: datetime.date,
    at: datetime.datetime,
) -> Request | Refused:
    """The accountant pays an approved request, on a day between its approval and today."""
    if refused := payable(request, by=by):
        return refused
    if paid_on > today:
        return Refused(VALIDATION_ERROR, f"paid_on: {paid_on} is in the future")
    if paid_on < approved_on:
        return Refused(
            VALIDATION_ERROR, f"paid_on: {paid_on} is before the approval on {approved_on}"
        )
    return replace(
        request,
        status=Status.PAID,
        payment=Payment(paid_on, bank_reference),
        updated_at=at,
    )


def void(request: Request, *, by: Actor, reason: str, at: datetime.datetime) -> Request | Refused:
    """The foundation voids an approved, unpaid request; the commitment is reversed."""
    if by.role is not Role.FOUNDATION:
        return Refused(FORBIDDEN, "only the foundation voids an approved request")
    if request.status is not Status.APPROVED:
        return Refused(
            INVALID_TRANSITION,
            f"request {request.code} is {request.status}; only an approved request is voided",
        )
    if not reason.strip():
        return Refused(VALIDATION_ERROR, "reason: must not be empty")
    return replace(request, status=Status.VOIDED, void_reason=reason, updated_at=at)

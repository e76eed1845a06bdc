"""What the API shows of a disbursement request: its current state and every round.

One renderer for requests of both origins: those the service keeps in the
workflow database (`origin: "service"`) and those known only from the book's
metadata (`origin: "book"`, see `api.service.book_requests`), which are turned
into the same domain value first.
"""

from __future__ import annotations

import datetime
from typing import Any

from api.service.book_requests import BookRequest
from api.service.context import Services
from funds import requests
from funds.money import format_amount
from store.engine import aware

SERVICE = "service"
BOOK = "book"


def link_of(code: str) -> str:
    return f"req-{code}"


def iso(moment: datetime.datetime, services: Services) -> str:
    return aware(moment).astimezone(services.zone).isoformat(timespec="seconds")


def _decision(decision: requests.Decision, services: Services) -> dict[str, Any]:
    return {
        "step": decision.step,
        "role": decision.role,
        "org": decision.org,
        "decision": decision.verdict.value,
        "by": decision.by,
        "at": iso(decision.at, services),
        "comment": decision.comment,
    }


def _round(round_: requests.Round, services: Services) -> dict[str, Any]:
    terms = round_.terms
    return {
        "round": round_.number,
        "amount": format_amount(terms.amount) if terms else None,
        "payee": terms.payee if terms else None,
        "purpose": terms.purpose if terms else None,
        "category": terms.category if terms else None,
        "documents": list(terms.documents) if terms else [],
        "submitted_at": iso(round_.submitted_at, services),
        "decisions": [_decision(d, services) for d in round_.decisions],
    }


def render(
    services: Services, request: requests.Request, entries: list[str], *, origin: str = SERVICE
) -> dict[str, Any]:
    """The API's Request for a domain request and the book entries written for it."""
    current = request.current
    decided = {d.step: d for d in current.decisions}
    steps = []
    for index, step in enumerate(current.chain):
        decision = decided.get(index)
        steps.append(
            {
                "role": step.role,
                "org": step.org,
                "decision": decision.verdict.value if decision else None,
                "by": decision.by if decision else None,
                "at": iso(decision.at, services) if decision else None,
                "comment": decision.comment if decision else None,
            }
        )
    next_step = request.next_step()
    terms = request.terms
    assert request.code is not None
    return {
        "id": request.code,
        "fund": request.fund,
        "amount": format_amount(terms.amount),
        "payee": terms.payee,
        "purpose": terms.purpose,
        "category": terms.category,
        "documents": list(terms.documents),
        "status": request.status.value,
        "requested_by": request.requested_by,
        "created_at": iso(request.created_at, services),
        "updated_at": iso(request.updated_at, services),
        "steps": steps,
        "next_step": {"role": next_step.role, "org": next_step.org} if next_step else None,
        "ledger": {"link": link_of(request.code), "entries": entries} if entries else None,
        "paid_on": request.payment.paid_on.isoformat() if request.payment else None,
        "bank_reference": request.payment.bank_reference if request.payment else None,
        "rounds": [_round(r, services) for r in request.rounds],
        "origin": origin,
    }


def _moment(text: str | None, day: datetime.date | None, services: Services) -> datetime.datetime:
    if text:
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=services.zone)
    return datetime.datetime.combine(
        day or datetime.date(1970, 1, 1), datetime.time(), services.zone
    )


def from_book(found: BookRequest, services: Services) -> requests.Request:
    """The domain's request for one the book alone knows: one round, approved, maybe paid or voided."""
    assert found.fund is not None and found.amount is not None
    requested_at = _moment(found.requested_at, found.approved_on, services)
    chain = tuple(requests.Step(a.role, a.org) for a in found.approvals)
    decisions = tuple(
        requests.Decision(
            round=1,
            step=index,
            role=a.role,
            org=a.org,
            verdict=requests.Verdict.APPROVE,
            by=a.by,
            at=_moment(a.at, found.approved_on, services),
        )
        for index, a in enumerate(found.approvals)
    )
    status = requests.Status.APPROVED
    if found.voided_on is not None:
        status = requests.Status.VOIDED
    elif found.paid_on is not None:
        status = requests.Status.PAID
    last = decisions[-1].at if decisions else requested_at
    return requests.Request(
        code=found.code,
        fund=found.fund,
        requested_by=found.requested_by,
        requested_org=None,
        created_at=requested_at,
        updated_at=last,
        status=status,
        rounds=(
            requests.Round(
                1,
                requests.Terms(found.amount, found.payee, found.purpose),
                chain,
                requested_at,
                decisions,
            ),
        ),
        payment=(
            requests.Payment(found.paid_on, found.bank_reference or "")
            if found.paid_on is not None
            else None
        ),
        void_reason=found.void_reason,
    )

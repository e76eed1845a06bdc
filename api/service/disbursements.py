r"""Disbursement requests: submit, decide, resubmit, cancel, pay and void.

    pending --approve (last step)--> approved --pay--> paid
       |  \--reject--> rejected            \--void--> voided
       |   \--return--> returned --resubmit--> pending
       \--cancel / expire--> cancelled / expired

A request holds its amount while pending or returned. The final approval books
the commitment (with the whole approval chain in its metadata), payment books
the cash movement, void books the reversal; all linked `^req-<id>` and written
through the outbox. Each use case takes keyword-only arguments, locks the fund,
and commits once.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from api.schemas import DecisionCreate, PaymentCreate, RequestChange, RequestCreate, VoidCreate
from api.service import holds, outbox, tracing
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    SelfApproval,
    ValidationFailed,
)
from api.service.periods import check_not_closed
from api.service.scope import fund_visible
from api.service.unit import UnitOfWork
from funds.model import Fund, Role
from funds.money import format_amount
from funds.registry import UnknownCode
from store.engine import aware
from store.locks import lock_fund
from store.tables import Decision, Request

DECIDING_ROLES = frozenset({Role.COMMUNITY_PARTY, Role.STREET, Role.DISTRICT, Role.FOUNDATION})


def link_of(code: str) -> str:
    return f"req-{code}"


def iso(moment: datetime.datetime, services: Services) -> str:
    return aware(moment).astimezone(services.zone).isoformat(timespec="seconds")


# ---------------------------------------------------------------- reading


def _decisions(session: Session, request: Request) -> list[Decision]:
    statement = (
        select(Decision)
        .where(Decision.request_id == request.id, Decision.round == request.round)
        .order_by(col(Decision.step))
    )
    return list(session.exec(statement))


def _all_decisions(session: Session, request: Request) -> list[Decision]:
    """The decisions of every round, earlier rounds included."""
    return list(session.exec(select(Decision).where(Decision.request_id == request.id)))


def view(session: Session, services: Services, request: Request) -> dict[str, Any]:
    """The API's Request for a row."""
    chain = json.loads(request.chain)
    decided = {d.step: d for d in _decisions(session, request)}
    steps = []
    next_step = None
    for index, step in enumerate(chain):
        decision = decided.get(index)
        steps.append(
            {
                "role": step["role"],
                "org": step["org"],
                "decision": decision.decision if decision else None,
                "by": decision.by if decision else None,
                "at": iso(decision.at, services) if decision else None,
                "comment": decision.comment if decision else None,
            }
        )
        if decision is None and next_step is None and request.status == "pending":
            next_step = {"role": step["role"], "org": step["org"]}
    entries = json.loads(request.ledger_entries)
    assert request.code is not None
    return {
        "id": request.code,
        "fund": request.fund,
        "amount": format_amount(request.amount),
        "payee": request.payee,
        "purpose": request.purpose,
        "category": request.category,
        "documents": json.loads(request.documents),
        "status": request.status,
        "requested_by": request.requested_by,
        "created_at": iso(request.created_at, services),
        "updated_at": iso(request.updated_at, services),
        "steps": steps,
        "next_step": next_step,
        "ledger": {"link": link_of(request.code), "entries": entries} if entries else None,
        "paid_on": request.paid_on.isoformat() if request.paid_on else None,
        "bank_reference": request.bank_reference,
    }


def _find(session: Session, services: Services, caller: Caller, code: str) -> Request:
    """The request `code` if the caller may see it; else NotFound."""
    row = session.exec(select(Request).where(Request.code == code)).first()
    registry = services.book.registry
    if (
        row is None
        or row.fund not in registry.funds
        or not fund_visible(registry, caller, registry.fund(row.fund))
    ):
        raise NotFound(f"no request {code[:20]!r}")
    return row


def _locked(session: Session, services: Services, caller: Caller, code: str) -> Request:
    """Find the request, lock its fund, expire stale holds, and re-read it."""
    row = _find(session, services, caller, code)
    lock_fund(session, row.fund)
    holds.expire_stale(session, row.fund, cutoff=_cutoff(services))
    session.refresh(row)
    return row


def _cutoff(services: Services) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) - services.request_ttl


def expire_due(services: Services, funds: list[str] | None = None) -> None:
    """Expire the stale requests of `funds` (all funds if None) now, each under its fund's lock."""
    cutoff = _cutoff(services)
    with services.read() as session:
        stale = holds.funds_with_stale(session, cutoff=cutoff)
        session.rollback()
    for fund in stale:
        if funds is not None and fund not in funds:
            continue
        with services.session_factory() as session:
            lock_fund(session, fund)
            holds.expire_stale(session, fund, cutoff=cutoff)
            session.commit()


def get(*, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    with services.read() as session:
        row = _find(session, services, caller, code)
        if row.status not in holds.HOLDING or aware(row.updated_at) >= _cutoff(services):
            return view(session, services, row)
        fund = row.fund
    expire_due(services, [fund])
    with services.read() as session:
        return view(session, services, _find(session, services, caller, code))


def list_requests(
    *,
    services: Services,
    caller: Caller,
    status: str | None = None,
    fund: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    registry = services.book.registry
    visible = [code for code, f in registry.funds.items() if fund_visible(registry, caller, f)]
    if fund is not None:
        visible = [code for code in visible if code == fund]
    expire_due(services, visible)
    with services.read() as session:
        statement = select(Request).where(col(Request.fund).in_(visible))
        if status is not None:
            statement = statement.where(Request.status == status)
        statement = statement.order_by(col(Request.id)).offset(offset).limit(limit)
        return [view(session, services, row) for row in session.exec(statement)]


# ---------------------------------------------------------------- submitting


def _fund_for_committee(services: Services, caller: Caller, code: str) -> Fund:
    fund = services.book.registry.funds.get(code)
    if fund is None:
        raise ValidationFailed(f"fund: unknown fund {code!r}")
    if caller.role is not Role.COMMITTEE:
        raise Forbidden(f"only a community committee submits requests, not {caller.role.value}")
    if fund.org != caller.org:
        raise Forbidden(f"fund {code} does not belong to community {caller.org}")
    return fund


def _chain(services: Services, fund: Fund, amount: Decimal) -> str:
    try:
        steps = services.book.registry.chain_for(fund.code, amount)
    except UnknownCode as exc:
        raise ValidationFailed(f"fund {fund.code} has no approval chain: {exc}") from None
    return json.dumps([{"role": s.step.role.value, "org": s.org} for s in steps])


def submit(
    *, uow: UnitOfWork, services: Services, caller: Caller, body: RequestCreate
) -> dict[str, Any]:
    fund = _fund_for_committee(services, caller, body.fund)
    chain = _chain(services, fund, body.amount)
    tracing.warm(services)  # request codes continue the book's numbering
    session = uow.session
    lock_fund(session, fund.code)
    holds.expire_stale(session, fund.code, cutoff=_cutoff(services))
    holds.check_available(session, services.book, fund.code, body.amount)
    now = datetime.datetime.now(datetime.UTC)
    row = Request(
        fund=fund.code,
        amount=body.amount,
        payee=body.payee,
        purpose=body.purpose,
        category=body.category,
        documents=json.dumps(body.documents, ensure_ascii=False),
        status="pending",
        requested_by=caller.name,
        requested_org=caller.org,
        created_at=now,
        submitted_at=now,
        updated_at=now,
        chain=chain,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    row.code = tracing.code(session, services, "R", row.id)
    return _saved(uow, services, row)


def _saved(uow: UnitOfWork, services: Services, row: Request) -> dict[str, Any]:
    """Flush the changed request, commit once, and answer with its view."""
    uow.session.add(row)
    uow.session.flush()
    result = view(uow.session, services, row)
    uow.commit(result)
    return result


def resubmit(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: RequestChange
) -> dict[str, Any]:
    session = uow.session
    row = _locked(session, services, caller, code)
    fund = _fund_for_committee(services, caller, row.fund)
    if row.status != "returned":
        raise InvalidTransition(
            f"request {code} is {row.status}; only a returned request is resubmitted"
        )
    if caller.name != row.requested_by:
        # whoever changes a request submits it: only its requester may, so that the
        # separation of duties below (by requested_by) covers every submitter
        raise Forbidden(f"only {row.requested_by}, who submitted request {code}, resubmits it")
    changes = body.model_dump(exclude_unset=True)
    if "amount" in changes and body.amount is not None and body.amount != row.amount:
        holds.check_available(session, services.book, fund.code, body.amount, excluding=row.id)
        row.amount = body.amount
    for field in ("payee", "purpose", "category"):
        if field in changes and changes[field] is not None:
            setattr(row, field, changes[field])
    if body.documents is not None:
        row.documents = json.dumps(body.documents, ensure_ascii=False)
    now = datetime.datetime.now(datetime.UTC)
    row.chain = _chain(services, fund, row.amount)
    row.round += 1
    row.status = "pending"
    row.submitted_at = row.updated_at = now
    return _saved(uow, services, row)


def cancel(*, uow: UnitOfWork, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    session = uow.session
    row = _locked(session, services, caller, code)
    _fund_for_committee(services, caller, row.fund)
    if row.status not in holds.HOLDING:
        raise InvalidTransition(
            f"request {code} is {row.status}; only pending or returned requests are cancelled"
        )
    row.status = "cancelled"
    row.updated_at = datetime.datetime.now(datetime.UTC)
    return _saved(uow, services, row)


# ---------------------------------------------------------------- deciding


def decide(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: DecisionCreate
) -> dict[str, Any]:
    session = uow.session
    row = _find(session, services, caller, code)
    chain = json.loads(row.chain)
    if caller.role not in DECIDING_ROLES or caller.role.value not in {s["role"] for s in chain}:
        raise Forbidden(f"a {caller.role.value} does not decide requests from fund {row.fund}")
    row = _locked(session, services, caller, code)
    chain = json.loads(row.chain)
    if row.status != "pending":
        raise InvalidTransition(f"request {code} is {row.status}, not pending")
    decided = _decisions(session, row)
    index = len(decided)
    step = chain[index]
    if step["role"] != caller.role.value or (
        not caller.district_wide and step["org"] != caller.org
    ):
        raise InvalidTransition(f"it is the turn of {step['role']} {step['org']}, not yours")
    if caller.name == row.requested_by:
        raise SelfApproval(f"{caller.name} submitted request {code} and cannot decide it")
    if any(
        d.by == caller.name
        and (d.round == row.round or (d.role, d.org) != (step["role"], step["org"]))
        for d in _all_decisions(session, row)
    ):
        # one person fills one step of the chain, in every round a resubmission starts
        raise SelfApproval(f"{caller.name} already decided another step of request {code}")
    now = datetime.datetime.now(datetime.UTC)
    session.add(
        Decision(
            request_id=row.id,
            round=row.round,
            step=index,
            role=step["role"],
            org=step["org"],
            decision=body.decision,
            by=caller.name,
            at=now,
            comment=body.comment,
        )
    )
    row.updated_at = now
    if body.decision == "reject":
        row.status = "rejected"
    elif body.decision == "return":
        row.status = "returned"
    elif index == len(chain) - 1:
        row.status = "approved"
        session.flush()
        _book_commitment(session, services, row, now)
    return _saved(uow, services, row)


def _book_commitment(
    session: Session, services: Services, row: Request, now: datetime.datetime
) -> None:
    assert row.code is not None
    meta = {
        "request": row.code,
        "requested_by": row.requested_by,
        "requested_at": iso(row.created_at, services),
    }
    for index, decision in enumerate(_decisions(session, row), start=1):
        meta[f"approval_{index}_role"] = decision.role
        meta[f"approval_{index}_org"] = decision.org
        meta[f"approval_{index}_by"] = decision.by
        meta[f"approval_{index}_at"] = iso(decision.at, services)
    fb_id = f"{row.code}-commitment"
    outbox.add(
        session,
        fb_id=fb_id,
        fund=row.fund,
        delta=-row.amount,
        payload={
            "builder": "commitment",
            "fb_id": fb_id,
            "fund": row.fund,
            "date": aware(now).astimezone(services.zone).date().isoformat(),
            "amount": format_amount(row.amount),
            "payee": row.payee,
            "narration": f"批准: {row.purpose}",
            "link": link_of(row.code),
            "meta": meta,
        },
    )
    row.ledger_entries = json.dumps([fb_id])


# ---------------------------------------------------------------- paying and voiding


def pay(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: PaymentCreate
) -> dict[str, Any]:
    session = uow.session
    if caller.role is not Role.ACCOUNTANT:
        raise Forbidden("only an accountant records payments")
    row = _locked(session, services, caller, code)
    if row.status != "approved":
        raise InvalidTransition(f"request {code} is {row.status}; only an approved request is paid")
    bank = services.book.bank(body.bank, fund=row.fund)
    approved_on = aware(row.updated_at).astimezone(services.zone).date()
    if body.paid_on > services.today():
        raise ValidationFailed(f"paid_on: {body.paid_on} is in the future")
    if body.paid_on < approved_on:
        raise ValidationFailed(f"paid_on: {body.paid_on} is before the approval on {approved_on}")
    check_not_closed(services, funds=(row.fund,), day=body.paid_on, field="paid_on")
    assert row.code is not None
    fb_id = f"{row.code}-payment"
    meta = {"request": row.code, "paid_by": caller.name}
    meta.update(
        tracing.payment_sources(
            session,
            services,
            ref=row.code,
            fund=row.fund,
            amount=row.amount,
            paid_on=body.paid_on,
            payee=row.payee,
        )
    )
    outbox.add(
        session,
        fb_id=fb_id,
        fund=row.fund,
        delta=Decimal("0.00"),
        payload={
            "builder": "payment",
            "fb_id": fb_id,
            "fund": row.fund,
            "date": body.paid_on.isoformat(),
            "amount": format_amount(row.amount),
            "payee": row.payee,
            "bank": bank.key,
            "narration": f"支付: {row.purpose}",
            "link": link_of(row.code),
            "bank_reference": body.bank_reference,
            "meta": meta,
        },
    )
    row.status = "paid"
    row.paid_on = body.paid_on
    row.bank_reference = body.bank_reference
    row.updated_at = datetime.datetime.now(datetime.UTC)
    row.ledger_entries = json.dumps([*json.loads(row.ledger_entries), fb_id])
    return _saved(uow, services, row)


def void(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: VoidCreate
) -> dict[str, Any]:
    session = uow.session
    if caller.role is not Role.FOUNDATION:
        raise Forbidden("only the foundation voids an approved request")
    row = _locked(session, services, caller, code)
    if row.status != "approved":
        raise InvalidTransition(
            f"request {code} is {row.status}; only an approved request is voided"
        )
    assert row.code is not None
    fb_id = f"{row.code}-void"
    outbox.add(
        session,
        fb_id=fb_id,
        fund=row.fund,
        delta=row.amount,
        payload={
            "builder": "void",
            "fb_id": fb_id,
            "fund": row.fund,
            "date": services.today().isoformat(),
            "amount": format_amount(row.amount),
            "payee": row.payee,
            "narration": f"撤销: {row.purpose}",
            "link": link_of(row.code),
            "meta": {"request": row.code, "voided_by": caller.name, "reason": body.reason},
        },
    )
    row.status = "voided"
    row.void_reason = body.reason
    row.updated_at = datetime.datetime.now(datetime.UTC)
    row.ledger_entries = json.dumps([*json.loads(row.ledger_entries), fb_id])
    return _saved(uow, services, row)

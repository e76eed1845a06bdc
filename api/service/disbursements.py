r"""Disbursement requests: submit, decide, resubmit, cancel, pay and void.

    pending --approve (last step)--> approved --pay--> paid
       |  \--reject--> rejected            \--void--> voided
       |   \--return--> returned --resubmit--> pending
       \--cancel / expire--> cancelled / expired

The rules (statuses, whose turn it is, separation of duties, rounds) are
`funds.requests`'. Each use case here loads the request under its fund's lock,
calls the domain, saves what it returns and books what the change calls for:
the final approval books the commitment (with the whole approval chain in its
metadata), payment books the cash movement, void books the reversal; all
linked `^req-<id>` and written through the outbox. Each use case takes
keyword-only arguments and commits once.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from api.schemas import DecisionCreate, PaymentCreate, RequestChange, RequestCreate, VoidCreate
from api.service import holds, outbox, tracing
from api.service.book_requests import BookRequest
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    SelfApproval,
    ServiceError,
    ValidationFailed,
)
from api.service.periods import check_not_closed
from api.service.request_filters import RequestFilter
from api.service.request_view import BOOK, from_book, iso, link_of, render
from api.service.scope import fund_visible
from api.service.unit import UnitOfWork
from funds import requests
from funds.model import Fund, Role
from funds.money import format_amount
from funds.registry import UnknownCode
from store.engine import aware
from store.locks import lock_fund
from store.tables import Decision, Request, RequestRound


def _now(services: Services) -> datetime.datetime:
    """The services' clock, in UTC as the database keeps it."""
    return services.now().astimezone(datetime.UTC)


# ---------------------------------------------------------------- loading and saving


def _all_decisions(session: Session, row: Request) -> list[Decision]:
    """The decisions of every round, earlier rounds included, in order."""
    statement = (
        select(Decision)
        .where(Decision.request_id == row.id)
        .order_by(col(Decision.round), col(Decision.step))
    )
    return list(session.exec(statement))


def _decision(row: Decision) -> requests.Decision:
    return requests.Decision(
        round=row.round,
        step=row.step,
        role=row.role,
        org=row.org,
        verdict=requests.Verdict(row.decision),
        by=row.by,
        at=aware(row.at),
        comment=row.comment,
    )


def _steps(text: str) -> tuple[requests.Step, ...]:
    return tuple(requests.Step(s["role"], s["org"]) for s in json.loads(text))


def load(session: Session, row: Request) -> requests.Request:
    """The domain's request for a row, its rounds and their decisions."""
    by_round: dict[int, list[requests.Decision]] = {}
    for decision in _all_decisions(session, row):
        by_round.setdefault(decision.round, []).append(_decision(decision))
    kept = {
        r.round: r
        for r in session.exec(select(RequestRound).where(RequestRound.request_id == row.id))
    }
    rounds = []
    for number in range(1, row.round + 1):
        decisions = tuple(by_round.get(number, []))
        stored = kept.get(number)
        if stored is not None:
            terms: requests.Terms | None = requests.Terms(
                amount=stored.amount,
                payee=stored.payee,
                purpose=stored.purpose,
                category=stored.category,
                documents=tuple(json.loads(stored.documents)),
            )
            rounds.append(
                requests.Round(
                    number, terms, _steps(stored.chain), aware(stored.submitted_at), decisions
                )
            )
        elif number < row.round:
            # superseded before rounds were kept: only its decisions are known
            chain = tuple(requests.Step(d.role, d.org) for d in decisions)
            rounds.append(requests.Round(number, None, chain, aware(row.created_at), decisions))
        else:
            terms = requests.Terms(
                amount=row.amount,
                payee=row.payee,
                purpose=row.purpose,
                category=row.category,
                documents=tuple(json.loads(row.documents)),
            )
            rounds.append(
                requests.Round(number, terms, _steps(row.chain), aware(row.submitted_at), decisions)
            )
    payment = (
        requests.Payment(row.paid_on, row.bank_reference or "") if row.paid_on is not None else None
    )
    return requests.Request(
        code=row.code,
        fund=row.fund,
        requested_by=row.requested_by,
        requested_org=row.requested_org,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        status=requests.Status(row.status),
        rounds=tuple(rounds),
        payment=payment,
        void_reason=row.void_reason,
    )


def save(
    session: Session, row: Request, before: requests.Request | None, after: requests.Request
) -> None:
    """Write `after` onto its row, adding the decisions `before` did not have."""
    terms = after.terms
    current = after.current
    row.fund = after.fund
    row.amount = terms.amount
    row.payee = terms.payee
    row.purpose = terms.purpose
    row.category = terms.category
    row.documents = json.dumps(list(terms.documents), ensure_ascii=False)
    row.status = after.status.value
    row.requested_by = after.requested_by
    row.requested_org = after.requested_org
    row.created_at = after.created_at
    row.submitted_at = current.submitted_at
    row.updated_at = after.updated_at
    row.round = current.number
    row.chain = json.dumps([{"role": s.role, "org": s.org} for s in current.chain])
    row.paid_on = after.payment.paid_on if after.payment else None
    row.bank_reference = after.payment.bank_reference if after.payment else None
    row.void_reason = after.void_reason
    session.add(row)
    if row.id is None:
        session.flush()
    kept = {r.number for r in before.rounds} if before is not None else set()
    for round_ in after.rounds:
        if round_.number in kept or round_.terms is None:
            continue  # a round is written once, when it is submitted, and never again
        session.add(
            RequestRound(
                request_id=row.id,
                round=round_.number,
                amount=round_.terms.amount,
                payee=round_.terms.payee,
                purpose=round_.terms.purpose,
                category=round_.terms.category,
                documents=json.dumps(list(round_.terms.documents), ensure_ascii=False),
                chain=json.dumps([{"role": s.role, "org": s.org} for s in round_.chain]),
                submitted_at=round_.submitted_at,
            )
        )
    known = {(d.round, d.step) for d in before.decisions()} if before is not None else set()
    for decision in after.decisions():
        if (decision.round, decision.step) in known:
            continue
        session.add(
            Decision(
                request_id=row.id,
                round=decision.round,
                step=decision.step,
                role=decision.role,
                org=decision.org,
                decision=decision.verdict.value,
                by=decision.by,
                at=decision.at,
                comment=decision.comment,
            )
        )


def _changed(result: requests.Request | requests.Refused) -> requests.Request:
    """The domain's answer, or its refusal raised as the matching service error."""
    if isinstance(result, requests.Refused):
        raise REFUSALS[result.code](result.detail)
    return result


REFUSALS: dict[str, type[ServiceError]] = {
    requests.FORBIDDEN: Forbidden,
    requests.INVALID_TRANSITION: InvalidTransition,
    requests.SELF_APPROVAL: SelfApproval,
    requests.VALIDATION_ERROR: ValidationFailed,
}


def _actor(caller: Caller) -> requests.Actor:
    return requests.Actor(caller.name, caller.role, caller.org)


# ---------------------------------------------------------------- reading


def view(session: Session, services: Services, row: Request) -> dict[str, Any]:
    """The API's Request for a row."""
    return render(services, load(session, row), json.loads(row.ledger_entries))


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
    return _now(services) - services.request_ttl


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


def _visible_book(services: Services, caller: Caller) -> dict[str, BookRequest]:
    """The requests of the book in funds the caller sees."""
    registry = services.book.registry
    return {
        code: found
        for code, found in services.book.book_requests().items()
        if found.fund in registry.funds
        and fund_visible(registry, caller, registry.fund(found.fund))
    }


def _from_book(services: Services, found: BookRequest) -> dict[str, Any]:
    return render(services, from_book(found, services), list(found.entries), origin=BOOK)


def get(*, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    """The request `code`: from the workflow database, else from the book's metadata."""
    with services.read() as session:
        try:
            row = _find(session, services, caller, code)
        except NotFound:
            found = _visible_book(services, caller).get(code)
            if found is None:
                raise
            return _from_book(services, found)
        request = load(session, row)
        if not requests.due_to_expire(request, now=_now(services), ttl=services.request_ttl):
            return render(services, request, json.loads(row.ledger_entries))
        fund = row.fund
    expire_due(services, [fund])
    with services.read() as session:
        return view(session, services, _find(session, services, caller, code))


def _order(code: str) -> tuple[int, str]:
    """Request codes in the order they were given: R000999 before R001000."""
    return (len(code), code)


def list_requests(
    *,
    services: Services,
    caller: Caller,
    status: str | None = None,
    fund: str | None = None,
    limit: int = 100,
    offset: int = 0,
    where: RequestFilter | None = None,
) -> list[dict[str, Any]]:
    """The caller's requests that `where` keeps, in the order of their codes.

    Requests only the book knows are included; `awaiting_me` keeps the pending
    requests whose next step is the caller's to decide, now.
    """
    where = where or RequestFilter()
    if status is not None or fund is not None:
        where = replace(
            where,
            status=requests.Status(status) if status is not None else where.status,
            fund=fund if fund is not None else where.fund,
        )
    registry = services.book.registry
    visible = [code for code, f in registry.funds.items() if fund_visible(registry, caller, f)]
    if where.fund is not None:
        visible = [code for code in visible if code == where.fund]
    expire_due(services, visible)
    actor = _actor(caller)
    with services.read() as session:
        listed: list[tuple[str, int | BookRequest]] = []
        if where.awaiting_me:
            statement = where.where(select(Request), services.zone)
            for row in session.exec(statement.where(col(Request.fund).in_(visible))):
                if row.code is not None and requests.awaits(load(session, row), by=actor):
                    listed.append((row.code, row.id or 0))
        else:
            statement = where.where(select(Request.code, Request.id), services.zone)
            statement = statement.where(col(Request.fund).in_(visible))
            listed = [(code, id_) for code, id_ in session.exec(statement) if code is not None]
            book = _visible_book(services, caller)
            if book:
                in_database = set(session.exec(select(Request.code)))
                chosen = set(visible)
                for code, found in book.items():
                    if code in in_database or found.fund not in chosen:
                        continue
                    if where.keeps(from_book(found, services), services.zone):
                        listed.append((code, found))
        listed.sort(key=lambda item: _order(item[0]))
        page = listed[offset : offset + limit]
        ids = [item for _, item in page if isinstance(item, int)]
        rows = {
            row.id: row for row in session.exec(select(Request).where(col(Request.id).in_(ids)))
        }
        return [
            view(session, services, rows[item])
            if isinstance(item, int)
            else _from_book(services, item)
            for _, item in page
        ]


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


def _chain(services: Services, fund: Fund, amount: Decimal) -> tuple[requests.Step, ...]:
    try:
        steps = services.book.registry.chain_for(fund.code, amount)
    except UnknownCode as exc:
        raise ValidationFailed(f"fund {fund.code} has no approval chain: {exc}") from None
    return tuple(requests.Step(s.step.role.value, s.org) for s in steps)


def _saved(
    uow: UnitOfWork,
    services: Services,
    row: Request,
    before: requests.Request | None,
    after: requests.Request,
) -> dict[str, Any]:
    """Save the changed request, flush, commit once, and answer with its view."""
    save(uow.session, row, before, after)
    uow.session.flush()
    result = render(services, replace(after, code=row.code), json.loads(row.ledger_entries))
    uow.commit(result)
    return result


def submit(
    *, uow: UnitOfWork, services: Services, caller: Caller, body: RequestCreate
) -> dict[str, Any]:
    fund = _fund_for_committee(services, caller, body.fund)
    chain = _chain(services, fund, body.amount)
    terms = requests.Terms(
        amount=body.amount,
        payee=body.payee,
        purpose=body.purpose,
        category=body.category,
        documents=tuple(body.documents),
    )
    request = _changed(
        requests.submit(
            fund=fund.code, terms=terms, chain=chain, by=_actor(caller), at=_now(services)
        )
    )
    tracing.warm(services)  # request codes continue the book's numbering
    session = uow.session
    lock_fund(session, fund.code)
    holds.expire_stale(session, fund.code, cutoff=_cutoff(services))
    holds.check_available(session, services.book, fund.code, request.amount)
    row = Request(
        fund=fund.code, amount=request.amount, payee="", purpose="", status="", requested_by=""
    )
    save(session, row, None, request)
    session.flush()
    assert row.id is not None
    row.code = tracing.code(session, services, "R", row.id)
    return _saved(uow, services, row, request, replace(request, code=row.code))


def resubmit(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: RequestChange
) -> dict[str, Any]:
    session = uow.session
    row = _locked(session, services, caller, code)
    fund = _fund_for_committee(services, caller, row.fund)
    before = load(session, row)
    changes = body.model_dump(exclude_unset=True)
    terms = before.terms
    changed = replace(
        terms,
        **{
            field: changes[field]
            for field in ("amount", "payee", "purpose", "category")
            if changes.get(field) is not None
        },
    )
    if body.documents is not None:
        changed = replace(changed, documents=tuple(body.documents))
    if refused := requests.resubmittable(before, by=_actor(caller)):
        _changed(refused)  # before resolving a chain for an amount that may be refused
    after = _changed(
        requests.resubmit(
            before,
            by=_actor(caller),
            terms=changed,
            chain=_chain(services, fund, changed.amount),
            at=_now(services),
        )
    )
    if after.amount != terms.amount:
        holds.check_available(session, services.book, fund.code, after.amount, excluding=row.id)
    return _saved(uow, services, row, before, after)


def cancel(*, uow: UnitOfWork, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    session = uow.session
    row = _locked(session, services, caller, code)
    _fund_for_committee(services, caller, row.fund)
    before = load(session, row)
    after = _changed(requests.cancel(before, by=_actor(caller), at=_now(services)))
    return _saved(uow, services, row, before, after)


# ---------------------------------------------------------------- deciding


def decide(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: DecisionCreate
) -> dict[str, Any]:
    session = uow.session
    row = _locked(session, services, caller, code)
    before = load(session, row)
    after = _changed(
        requests.decide(
            before,
            by=_actor(caller),
            verdict=requests.Verdict(body.decision),
            comment=body.comment,
            at=_now(services),
        )
    )
    if after.status is requests.Status.APPROVED:
        _book_commitment(session, services, row, after)
    return _saved(uow, services, row, before, after)


def _book_commitment(
    session: Session, services: Services, row: Request, request: requests.Request
) -> None:
    assert row.code is not None
    meta = {
        "request": row.code,
        "requested_by": request.requested_by,
        "requested_at": iso(request.created_at, services),
    }
    for index, decision in enumerate(request.current.decisions, start=1):
        meta[f"approval_{index}_role"] = decision.role
        meta[f"approval_{index}_org"] = decision.org
        meta[f"approval_{index}_by"] = decision.by
        meta[f"approval_{index}_at"] = iso(decision.at, services)
    terms = request.terms
    fb_id = f"{row.code}-commitment"
    outbox.add(
        session,
        fb_id=fb_id,
        fund=request.fund,
        delta=-terms.amount,
        payload={
            "builder": "commitment",
            "fb_id": fb_id,
            "fund": request.fund,
            "date": request.updated_at.astimezone(services.zone).date().isoformat(),
            "amount": format_amount(terms.amount),
            "payee": terms.payee,
            "narration": f"批准: {terms.purpose}",
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
    before = load(session, row)
    if refused := requests.payable(before, by=_actor(caller)):
        _changed(refused)  # before looking up the bank of a request that cannot be paid
    bank = services.book.bank(body.bank, fund=row.fund)
    after = _changed(
        requests.pay(
            before,
            by=_actor(caller),
            paid_on=body.paid_on,
            bank_reference=body.bank_reference,
            approved_on=before.updated_at.astimezone(services.zone).date(),
            today=services.today(),
            at=_now(services),
        )
    )
    check_not_closed(services, funds=(row.fund,), day=body.paid_on, field="paid_on")
    assert row.code is not None
    terms = after.terms
    fb_id = f"{row.code}-payment"
    meta = {"request": row.code, "paid_by": caller.name}
    meta.update(
        tracing.payment_sources(
            session,
            services,
            ref=row.code,
            fund=row.fund,
            amount=terms.amount,
            paid_on=body.paid_on,
            payee=terms.payee,
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
            "amount": format_amount(terms.amount),
            "payee": terms.payee,
            "bank": bank.key,
            "narration": f"支付: {terms.purpose}",
            "link": link_of(row.code),
            "bank_reference": body.bank_reference,
            "meta": meta,
        },
    )
    row.ledger_entries = json.dumps([*json.loads(row.ledger_entries), fb_id])
    return _saved(uow, services, row, before, after)


def void(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: VoidCreate
) -> dict[str, Any]:
    session = uow.session
    if caller.role is not Role.FOUNDATION:
        raise Forbidden("only the foundation voids an approved request")
    row = _locked(session, services, caller, code)
    before = load(session, row)
    after = _changed(
        requests.void(before, by=_actor(caller), reason=body.reason, at=_now(services))
    )
    assert row.code is not None
    terms = after.terms
    fb_id = f"{row.code}-void"
    outbox.add(
        session,
        fb_id=fb_id,
        fund=row.fund,
        delta=terms.amount,
        payload={
            "builder": "void",
            "fb_id": fb_id,
            "fund": row.fund,
            "date": services.today().isoformat(),
            "amount": format_amount(terms.amount),
            "payee": terms.payee,
            "narration": f"撤销: {terms.purpose}",
            "link": link_of(row.code),
            "meta": {"request": row.code, "voided_by": caller.name, "reason": body.reason},
        },
    )
    row.ledger_entries = json.dumps([*json.loads(row.ledger_entries), fb_id])
    return _saved(uow, services, row, before, after)

"""Grants to social-enterprise projects over HTTP, on the rules of `funds.grants`.

The award books the commitment of the whole total (`^grant-<id>`, expense
against 应付款) and holds nothing further: the commitment already lowers the
fund's balance. Milestone reports are recorded and accepted by the foundation,
tranches are released by the foundation strictly in order, and paid by an
accountant exactly once: the fund's lock serializes payments, the tranche's
state is changed by a conditional update, and the payment's fb_id
(`<id>-tranche-<n>`) is unique in the book. Closing or cancelling reverses the
unspent rest of the commitment with a linked entry.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.pools_schemas import (
    GrantCreate,
    GrantEnd,
    MilestoneDecision,
    MilestoneReport,
    TranchePayment,
)
from api.service import holds, outbox, tracing
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from api.service.periods import check_not_closed
from api.service.unit import UnitOfWork
from funds import grants as rules
from funds.grants import Closed, Grant, GrantStatus, Refused, Tranche, TrancheState, TrancheTerms
from funds.model import OrgKind, Role
from funds.money import ZERO, format_amount
from store.locks import lock_fund
from store.pools import GrantRow, TrancheRow

READERS = frozenset({Role.FOUNDATION, Role.ACCOUNTANT, Role.DISTRICT, Role.AUDITOR, Role.ADMIN})


def link_of(code: str) -> str:
    return f"grant-{code}"


def _tranches(session: Session, row: GrantRow) -> list[TrancheRow]:
    return list(
        session.exec(
            select(TrancheRow).where(TrancheRow.grant_id == row.id).order_by(col(TrancheRow.number))
        )
    )


def _domain(row: GrantRow, tranches: list[TrancheRow]) -> Grant:
    return Grant(
        enterprise=row.enterprise,
        project=row.project,
        fund=row.fund,
        agreement=row.agreement,
        total=row.total,
        status=GrantStatus(row.status),
        tranches=tuple(
            Tranche(t.number, t.amount, t.due, t.milestone, TrancheState(t.state), t.report)
            for t in tranches
        ),
    )


def view(session: Session, row: GrantRow) -> dict[str, Any]:
    assert row.code is not None
    tranches = _tranches(session, row)
    grant = _domain(row, tranches)
    entries = [f"{row.code}-award"] + [
        f"{row.code}-tranche-{t.number}" for t in tranches if t.state == TrancheState.PAID
    ]
    if row.refund is not None and row.refund > 0:
        entries.append(f"{row.code}-{'close' if row.status == 'closed' else 'cancel'}")
    return {
        "id": row.code,
        "enterprise": row.enterprise,
        "project": row.project,
        "fund": row.fund,
        "agreement": row.agreement,
        "total": format_amount(row.total),
        "paid": format_amount(grant.paid),
        "status": row.status,
        "refund": format_amount(row.refund) if row.refund is not None else None,
        "tranches": [
            {
                "number": t.number,
                "amount": format_amount(t.amount),
                "due": t.due.isoformat(),
                "milestone": t.milestone,
                "state": t.state,
                "report": t.report,
                "paid_on": t.paid_on.isoformat() if t.paid_on else None,
                "bank_reference": t.bank_reference,
            }
            for t in tranches
        ],
        "ledger": {"link": link_of(row.code), "entries": entries},
    }


def _readable(caller: Caller) -> None:
    if caller.role not in READERS:
        raise Forbidden(f"a {caller.role.value} does not see grants")


def _find(session: Session, caller: Caller, code: str) -> GrantRow:
    _readable(caller)
    row = session.exec(select(GrantRow).where(GrantRow.code == code)).first()
    if row is None:
        raise NotFound(f"no grant {code[:20]!r}")
    return row


def get(*, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    with services.session_factory() as session:
        return view(session, _find(session, caller, code))


def list_grants(
    *,
    services: Services,
    caller: Caller,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    awaiting_me: bool = False,
) -> list[dict[str, Any]]:
    """Grants in the order awarded; `awaiting_me` keeps the active grants with a milestone
    waiting for the caller: a tranche reported (to accept) or accepted (to release) for the
    foundation, a tranche released (to pay) for the accountant."""
    _readable(caller)
    waiting = AWAITING.get(caller.role, frozenset()) if awaiting_me else None
    with services.session_factory() as session:
        statement = select(GrantRow)
        if status is not None:
            statement = statement.where(GrantRow.status == status)
        if waiting is not None:
            active = rules.GrantStatus.ACTIVE.value
            statement = statement.where(
                GrantRow.status == active,
                col(GrantRow.id).in_(
                    select(TrancheRow.grant_id).where(
                        col(TrancheRow.state).in_([s.value for s in waiting])
                    )
                ),
            )
        statement = statement.order_by(col(GrantRow.id)).offset(offset).limit(limit)
        return [view(session, row) for row in session.exec(statement)]


AWAITING = {
    Role.FOUNDATION: frozenset({TrancheState.REPORTED, TrancheState.ACCEPTED}),
    Role.ACCOUNTANT: frozenset({TrancheState.RELEASED}),
}


def _refused(result: Refused) -> None:
    if result.code == rules.INVALID_TERMS:
        raise ValidationFailed(result.detail)
    raise InvalidTransition(result.detail)


def award(
    *, uow: UnitOfWork, services: Services, caller: Caller, body: GrantCreate
) -> dict[str, Any]:
    if caller.role is not Role.FOUNDATION:
        raise Forbidden(f"only the foundation awards grants, not {caller.role.value}")
    tracing.warm(services)
    registry = services.book.registry
    enterprise = registry.orgs.get(body.enterprise)
    if enterprise is None or enterprise.kind is not OrgKind.ENTERPRISE:
        raise ValidationFailed(f"enterprise: {body.enterprise!r} is not a social enterprise")
    fund = registry.funds.get(body.fund)
    if fund is None:
        raise ValidationFailed(f"fund: unknown fund {body.fund!r}")
    terms = [TrancheTerms(t.amount, t.due, t.milestone) for t in body.tranches]
    checked = rules.award(
        enterprise=enterprise.code,
        project=body.project,
        fund=fund.code,
        agreement=body.agreement or "pending",
        total=body.total,
        tranches=terms,
    )
    if isinstance(checked, Refused):
        _refused(checked)
        raise AssertionError  # pragma: no cover - _refused always raises
    session = uow.session
    lock_fund(session, fund.code)
    holds.check_available(session, services.book, fund.code, body.total)
    today = services.today()
    row = GrantRow(
        enterprise=enterprise.code,
        project=body.project,
        fund=fund.code,
        agreement=body.agreement or "pending",
        total=checked.total,
        status=GrantStatus.ACTIVE.value,
        awarded_by=caller.name,
        awarded_on=today,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    row.code = tracing.code(session, services, "G", row.id)
    if body.agreement is None:
        row.agreement = f"XY-{row.code}"
    for tranche in checked.tranches:
        session.add(
            TrancheRow(
                grant_id=row.id,
                number=tranche.number,
                amount=tranche.amount,
                due=tranche.due,
                milestone=tranche.milestone,
                state=tranche.state.value,
            )
        )
    meta = {
        "grant": row.code,
        "enterprise": enterprise.code,
        "agreement_no": row.agreement,
        "project": body.project,
        "tranches": str(len(checked.tranches)),
        "awarded_by": caller.name,
    }
    for tranche in checked.tranches:
        meta[f"tranche_{tranche.number}_amount"] = format_amount(tranche.amount)
        meta[f"tranche_{tranche.number}_due"] = tranche.due.isoformat()
    fb_id = f"{row.code}-award"
    outbox.add(
        session,
        fb_id=fb_id,
        fund=fund.code,
        delta=-checked.total,
        payload={
            "builder": "commitment",
            "fb_id": fb_id,
            "fund": fund.code,
            "date": today.isoformat(),
            "amount": format_amount(checked.total),
            "payee": enterprise.name_zh,
            "narration": f"社会企业项目资助协议: {body.project}",
            "link": link_of(row.code),
            "meta": meta,
        },
    )
    session.add(row)
    session.flush()
    result = view(session, row)
    uow.commit(result)
    return result


def _locked(session: Session, caller: Caller, code: str) -> tuple[GrantRow, list[TrancheRow]]:
    row = _find(session, caller, code)
    lock_fund(session, row.fund)
    session.refresh(row)
    tranches = _tranches(session, row)
    for tranche in tranches:
        session.refresh(tranche)
    return row, tranches


def _save(session: Session, tranches: list[TrancheRow], grant: Grant) -> None:
    for row, tranche in zip(tranches, grant.tranches, strict=True):
        if row.state != tranche.state.value or row.report != tranche.report:
            row.state = tranche.state.value
            row.report = tranche.report
            session.add(row)


def _foundation(caller: Caller, what: str) -> None:
    if caller.role is not Role.FOUNDATION:
        raise Forbidden(f"only the foundation {what}, not a {caller.role.value}")


def report(
    *, uow: UnitOfWork, caller: Caller, code: str, number: int, body: MilestoneReport
) -> dict[str, Any]:
    session = uow.session
    _find(session, caller, code)
    _foundation(caller, "records milestone reports")
    row, tranches = _locked(session, caller, code)
    result = rules.submit_report(_domain(row, tranches), number=number, report=body.report)
    if isinstance(result, Refused):
        _refused(result)
        raise AssertionError  # pragma: no cover
    _save(session, tranches, result)
    tranches[number - 1].reported_at = datetime.datetime.now(datetime.UTC)
    session.flush()
    answer = view(session, row)
    uow.commit(answer)
    return answer


def decide_report(
    *, uow: UnitOfWork, caller: Caller, code: str, number: int, body: MilestoneDecision
) -> dict[str, Any]:
    session = uow.session
    _find(session, caller, code)
    _foundation(caller, "accepts milestone reports")
    row, tranches = _locked(session, caller, code)
    grant = _domain(row, tranches)
    if body.decision == "accept":
        result = rules.accept_report(grant, number=number)
    else:
        result = rules.reject_report(grant, number=number)
    if isinstance(result, Refused):
        _refused(result)
        raise AssertionError  # pragma: no cover
    _save(session, tranches, result)
    if body.decision == "accept":
        tranches[number - 1].accepted_by = caller.name
    session.flush()
    answer = view(session, row)
    uow.commit(answer)
    return answer


def release(*, uow: UnitOfWork, caller: Caller, code: str, number: int) -> dict[str, Any]:
    session = uow.session
    _find(session, caller, code)
    _foundation(caller, "releases tranches")
    row, tranches = _locked(session, caller, code)
    result = rules.release(_domain(row, tranches), number=number)
    if isinstance(result, Refused):
        _refused(result)
        raise AssertionError  # pragma: no cover
    _save(session, tranches, result)
    tranches[number - 1].released_by = caller.name
    tranches[number - 1].released_at = datetime.datetime.now(datetime.UTC)
    session.flush()
    answer = view(session, row)
    uow.commit(answer)
    return answer


def pay(
    *,
    uow: UnitOfWork,
    services: Services,
    caller: Caller,
    code: str,
    number: int,
    body: TranchePayment,
) -> dict[str, Any]:
    session = uow.session
    _find(session, caller, code)
    if caller.role is not Role.ACCOUNTANT:
        raise Forbidden(f"only an accountant pays tranches, not a {caller.role.value}")
    row, tranches = _locked(session, caller, code)
    result = rules.pay(_domain(row, tranches), number=number)
    if isinstance(result, Refused):
        _refused(result)
        raise AssertionError  # pragma: no cover
    if body.paid_on > services.today():
        raise ValidationFailed(f"paid_on: {body.paid_on} is in the future")
    if body.paid_on < row.awarded_on:
        raise ValidationFailed(f"paid_on: {body.paid_on} is before the award on {row.awarded_on}")
    check_not_closed(services, funds=(row.fund,), day=body.paid_on, field="paid_on")
    tranche = tranches[number - 1]
    changed = session.exec(
        update(TrancheRow)
        .where(
            col(TrancheRow.id) == tranche.id, col(TrancheRow.state) == TrancheState.RELEASED.value
        )
        .values(
            state=TrancheState.PAID.value,
            paid_by=caller.name,
            paid_on=body.paid_on,
            bank_reference=body.bank_reference,
        )
    )
    if changed.rowcount != 1:
        raise InvalidTransition(f"tranche {number} of grant {code} is no longer released")
    session.refresh(tranche)
    bank = services.book.bank(body.bank, fund=row.fund)
    assert row.code is not None
    registry = services.book.registry
    payee = (
        registry.orgs[row.enterprise].name_zh if row.enterprise in registry.orgs else row.enterprise
    )
    fb_id = f"{row.code}-tranche-{number}"
    meta = {"grant": row.code, "tranche": str(number), "paid_by": caller.name}
    meta.update(
        tracing.payment_sources(
            session,
            services,
            ref=fb_id,
            fund=row.fund,
            amount=tranche.amount,
            paid_on=body.paid_on,
            payee=payee,
        )
    )
    outbox.add(
        session,
        fb_id=fb_id,
        fund=row.fund,
        delta=ZERO,
        payload={
            "builder": "payment",
            "fb_id": fb_id,
            "fund": row.fund,
            "date": body.paid_on.isoformat(),
            "amount": format_amount(tranche.amount),
            "payee": payee,
            "bank": bank.key,
            "narration": f"资助款第{number}期: {row.project}",
            "link": link_of(row.code),
            "bank_reference": body.bank_reference,
            "meta": meta,
        },
    )
    session.flush()
    answer = view(session, row)
    uow.commit(answer)
    return answer


def end(
    *,
    uow: UnitOfWork,
    services: Services,
    caller: Caller,
    code: str,
    body: GrantEnd,
    cancel: bool,
) -> dict[str, Any]:
    """Close out (or cancel) a grant: the unspent rest of the commitment is reversed."""
    session = uow.session
    _find(session, caller, code)
    _foundation(caller, "cancels grants" if cancel else "closes grants")
    row, tranches = _locked(session, caller, code)
    grant = _domain(row, tranches)
    result: Closed | Refused = rules.cancel(grant) if cancel else rules.close(grant)
    if isinstance(result, Refused):
        _refused(result)
        raise AssertionError  # pragma: no cover
    _save(session, tranches, result.grant)
    today = services.today()
    row.status = result.grant.status.value
    row.refund = result.refund
    row.ended_by = caller.name
    row.ended_on = today
    assert row.code is not None
    registry = services.book.registry
    payee = (
        registry.orgs[row.enterprise].name_zh if row.enterprise in registry.orgs else row.enterprise
    )
    if result.refund > 0:
        fb_id = f"{row.code}-{'cancel' if cancel else 'close'}"
        outbox.add(
            session,
            fb_id=fb_id,
            fund=row.fund,
            delta=result.refund,
            payload={
                "builder": "void",
                "fb_id": fb_id,
                "fund": row.fund,
                "date": today.isoformat(),
                "amount": format_amount(result.refund),
                "payee": payee,
                "narration": f"{'终止' if cancel else '结项'}: {row.project} 未使用资助款退回",
                "link": link_of(row.code),
                "meta": {
                    "grant": row.code,
                    "ended_by": caller.name,
                    "reason": body.reason,
                    "paid": format_amount(result.grant.paid),
                },
            },
        )
    session.add(row)
    session.flush()
    answer = view(session, row)
    uow.commit(answer)
    return answer

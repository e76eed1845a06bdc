"""`GET /v1/funds` and `/v1/funds/{code}`: funds in scope with balance, held and available."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter

from api.deps import CallerDep, ServicesDep
from api.schemas import FundPublic
from api.service import holds, outbox
from api.service.context import Services
from api.service.errors import NotFound
from api.service.scope import fund_visible, visible_funds
from funds.model import Fund
from funds.money import ZERO, format_amount

router = APIRouter(prefix="/v1", tags=["who and what"])


def _public(fund: Fund, balance: Decimal, held: Decimal) -> FundPublic:
    return FundPublic(
        code=fund.code, name=fund.name, name_zh=fund.name_zh, kind=fund.kind.value, org=fund.org,
        currency=fund.currency, balance=format_amount(balance), held=format_amount(held),
        available=format_amount(max(balance - held, ZERO)),
    )


def _describe(services: Services, funds: list[Fund]) -> list[FundPublic]:
    outbox.deliver(services.session_factory, services.book, reader=services.read)
    with services.read() as session:
        held = holds.held_everywhere(session)
        session.rollback()
    balances = services.book.balances([fund.code for fund in funds])
    return [_public(f, balances[f.code], held.get(f.code, ZERO)) for f in funds]


@router.get("/funds")
def list_funds(caller: CallerDep, services: ServicesDep) -> list[FundPublic]:
    return _describe(services, visible_funds(services.book.registry, caller))


@router.get("/funds/{code}")
def get_fund(code: str, caller: CallerDep, services: ServicesDep) -> FundPublic:
    registry = services.book.registry
    fund = registry.funds.get(code)
    if fund is None or not fund_visible(registry, caller, fund):
        raise NotFound(f"no fund {code[:40]!r}")
    return _describe(services, [fund])[0]

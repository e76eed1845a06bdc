"""Funds as the API shows them: balance in the book, held, and available, in the caller's scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api.service import holds, outbox
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import NotFound
from api.service.scope import fund_visible, visible_funds
from funds.model import Fund
from funds.money import ZERO, format_amount
from store import workflow


def _public(fund: Fund, balance: Decimal, held: Decimal) -> dict[str, Any]:
    return {
        "code": fund.code,
        "name": fund.name,
        "name_zh": fund.name_zh,
        "kind": fund.kind.value,
        "org": fund.org,
        "currency": fund.currency,
        "balance": format_amount(balance),
        "held": format_amount(held),
        "available": format_amount(workflow.available(balance, held)),
    }


def _describe(services: Services, funds: list[Fund]) -> list[dict[str, Any]]:
    """Deliver the outbox, then read the holds before the book (as `api.service.holds` does)."""
    outbox.deliver(services.session_factory, services.book, reader=services.read)
    with services.read() as session:
        balances, held = holds.holdings(session, services.book, [fund.code for fund in funds])
        session.rollback()
    return [_public(f, balances[f.code], held.get(f.code, ZERO)) for f in funds]


def list_funds(*, services: Services, caller: Caller) -> list[dict[str, Any]]:
    return _describe(services, visible_funds(services.book.registry, caller))


def get(*, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    registry = services.book.registry
    fund = registry.funds.get(code)
    if fund is None or not fund_visible(registry, caller, fund):
        raise NotFound(f"no fund {code[:40]!r}")
    return _describe(services, [fund])[0]

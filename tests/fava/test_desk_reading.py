"""Reading the desk: amounts with thousands separators, the queue sorted by date or by fund."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask

from fava_fundbook.extension import FundbookDesk
from fava_fundbook.labels import label
from fava_fundbook.workflow import ApprovedRequest, Workflow


def _request(code: str, fund: str, approved_at: str) -> ApprovedRequest:
    return ApprovedRequest(code, fund, Decimal("10.00"), "P", "x", "王芳", approved_at, ())


QUEUE = Workflow(
    {},
    (
        _request("R000003", "MF-ST02C01", "2026-03-01T09:00:00+08:00"),
        _request("R000001", "MF-ST01C02", "2026-03-02T09:00:00+08:00"),
        _request("R000002", "MF-ST01C01", "2026-03-03T09:00:00+08:00"),
    ),
    0,
)


def _sorted(query: str) -> list[str]:
    with Flask("desk").test_request_context(f"/desk/{query}"):
        return [request.code for request in FundbookDesk.queue(None, QUEUE)]  # type: ignore[arg-type]


def test_the_queue_sorts_by_approval_date_by_default_and_by_fund_when_asked() -> None:
    assert _sorted("") == ["R000003", "R000001", "R000002"]
    assert _sorted("?sort=date") == ["R000003", "R000001", "R000002"]
    assert _sorted("?sort=fund") == ["R000002", "R000001", "R000003"]


def test_amounts_show_thousands_separators() -> None:
    assert FundbookDesk.money(Decimal("1234567.5")) == "1,234,567.50"
    assert FundbookDesk.money(Decimal("-800.00")) == "-800.00"
    assert FundbookDesk.money(Decimal("0")) == "0.00"
    assert FundbookDesk.money(None) == "—"


def test_every_role_has_a_chinese_name() -> None:
    from funds.model import Role

    for role in Role:
        name = label(f"role.{role.value}", "zh")
        assert name != f"role.{role.value}" and not name.isascii(), role

"""The grant state machine: tranches in order, after milestones, paid once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funds import grants as g
from funds.grants import Closed, Grant, GrantStatus, Refused, TrancheState, TrancheTerms

D = Decimal
JAN = datetime.date(2026, 1, 31)
JUN = datetime.date(2026, 6, 30)


def _grant(amounts: tuple[str, ...] = ("6000.00", "4000.00")) -> Grant:
    terms = [
        TrancheTerms(D(a), JAN + datetime.timedelta(days=30 * i), f"milestone {i + 1}")
        for i, a in enumerate(amounts)
    ]
    total = sum((D(a) for a in amounts), D("0.00"))
    grant = g.award(
        enterprise="SE01",
        project="长者助餐",
        fund="DCF",
        agreement="WHCDF-2026-01",
        total=total,
        tranches=terms,
    )
    assert isinstance(grant, Grant)
    return grant


def _ok(result: Grant | Refused) -> Grant:
    assert isinstance(result, Grant), result
    return result


def _refused(result: Grant | Closed | Refused) -> str:
    assert isinstance(result, Refused), result
    return result.detail


def test_award_needs_tranches_summing_to_the_total() -> None:
    terms = [TrancheTerms(D("6000.00"), JAN, "m1"), TrancheTerms(D("3999.99"), JUN, "m2")]
    refused = g.award(
        enterprise="SE01",
        project="p",
        fund="DCF",
        agreement="A-1",
        total=D("10000.00"),
        tranches=terms,
    )
    assert isinstance(refused, Refused) and refused.code == g.INVALID_TERMS
    assert "sum to 9999.99" in refused.detail
    for bad in (
        [],
        [TrancheTerms(D("0.00"), JAN, "m1")],
        [TrancheTerms(D("1.00"), JAN, " ")],
        [TrancheTerms(D("0.50"), JUN, "m1"), TrancheTerms(D("0.50"), JAN, "m2")],
    ):
        result = g.award(
            enterprise="SE01",
            project="p",
            fund="DCF",
            agreement="A-1",
            total=D("1.00"),
            tranches=bad,
        )
        assert isinstance(result, Refused), bad
    assert isinstance(
        g.award(
            enterprise="SE01",
            project="p",
            fund="DCF",
            agreement=" ",
            total=D("1.00"),
            tranches=[TrancheTerms(D("1"), JAN, "m")],
        ),
        Refused,
    )


def test_two_tranches_against_milestones_then_closeout_refunds_the_rest() -> None:
    grant = _grant(("6000.00", "3000.00", "1000.00"))
    assert "not accepted" in _refused(g.release(grant, number=1))
    grant = _ok(g.submit_report(grant, number=1, report="报告1"))
    assert "not accepted" in _refused(g.release(grant, number=1))
    grant = _ok(g.accept_report(grant, number=1))
    assert _refused(g.pay(grant, number=1))  # accepted but not released
    grant = _ok(g.release(grant, number=1))
    grant = _ok(g.pay(grant, number=1))
    assert "paid" in _refused(g.pay(grant, number=1))
    assert _refused(g.release(grant, number=1))
    # Tranche 3's milestone accepted before tranche 2's: still released in order.
    grant = _ok(g.accept_report(_ok(g.submit_report(grant, number=3, report="r3")), number=3))
    assert "tranche 2 must be released" in _refused(g.release(grant, number=3))
    grant = _ok(g.submit_report(grant, number=2, report="r2"))
    grant = _ok(g.reject_report(grant, number=2))
    assert grant.tranches[1].state is TrancheState.PLANNED
    grant = _ok(g.accept_report(_ok(g.submit_report(grant, number=2, report="r2b")), number=2))
    grant = _ok(g.release(grant, number=2))
    assert "released but not paid" in _refused(g.close(grant))
    grant = _ok(g.pay(grant, number=2))
    assert grant.paid == D("9000.00")
    closed = g.close(grant)
    assert isinstance(closed, Closed)
    assert closed.refund == D("1000.00")
    assert closed.grant.status is GrantStatus.CLOSED
    assert [t.state for t in closed.grant.tranches] == [
        TrancheState.PAID,
        TrancheState.PAID,
        TrancheState.DROPPED,
    ]
    for after in (
        g.close(closed.grant),
        g.cancel(closed.grant),
        g.pay(closed.grant, number=3),
        g.release(closed.grant, number=3),
        g.submit_report(closed.grant, number=3, report="x"),
    ):
        assert _refused(after)
    assert _refused(g.pay(grant, number=9))


def test_cancel_drops_a_released_unpaid_tranche() -> None:
    grant = _grant()
    grant = _ok(
        g.release(
            _ok(g.accept_report(_ok(g.submit_report(grant, number=1, report="r")), number=1)),
            number=1,
        )
    )
    cancelled = g.cancel(grant)
    assert isinstance(cancelled, Closed)
    assert cancelled.refund == D("10000.00")
    assert cancelled.grant.status is GrantStatus.CANCELLED
    assert _refused(g.pay(cancelled.grant, number=1))


ACTIONS = ("submit", "accept", "reject", "release", "pay", "close", "cancel")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=99_999), min_size=1, max_size=5),
    st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.integers(min_value=0, max_value=6)), max_size=40
    ),
)
def test_any_sequence_keeps_order_once_and_conservation(
    cents: list[int], actions: list[tuple[str, int]]
) -> None:
    grant = _grant(tuple(f"{D(c) / 100:.2f}" for c in cents))
    payments: list[int] = []
    refunds: list[Decimal] = []
    for action, number in actions:
        before = grant
        if action in ("close", "cancel"):
            result: Grant | Closed | Refused = getattr(g, action)(grant)
        elif action == "submit":
            result = g.submit_report(grant, number=number, report="r")
        else:
            fn = {
                "accept": g.accept_report,
                "reject": g.reject_report,
                "release": g.release,
                "pay": g.pay,
            }[action]
            result = fn(grant, number=number)
        if isinstance(result, Refused):
            assert grant == before
            continue
        if isinstance(result, Closed):
            refunds.append(result.refund)
            grant = result.grant
        else:
            grant = result
        if action == "release":
            # Released only after its milestone was accepted and every earlier tranche released.
            assert before.tranches[number - 1].state is TrancheState.ACCEPTED
            assert all(
                t.state in (TrancheState.RELEASED, TrancheState.PAID)
                for t in before.tranches[: number - 1]
            )
        if action == "pay":
            assert before.tranches[number - 1].state is TrancheState.RELEASED
            payments.append(number)
    assert len(payments) == len(set(payments))  # each tranche paid at most once
    assert len(refunds) <= 1
    assert grant.paid == sum((grant.tranches[n - 1].amount for n in payments), D("0.00"))
    if refunds:
        assert grant.paid + refunds[0] == grant.total
        assert grant.status is not GrantStatus.ACTIVE


@pytest.mark.parametrize("number", [0, -1, 3])
def test_no_such_tranche(number: int) -> None:
    assert "no tranche" in _refused(g.submit_report(_grant(), number=number, report="r"))

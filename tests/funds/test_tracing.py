"""Source tracing: FIFO attribution of pooled money to departments, to the cent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from funds.tracing import (
    Attribution,
    Refusal,
    Traced,
    TracingState,
    allocate,
    attribution_from_meta,
    receive,
    replay,
    spend,
)

D = Decimal
DAY0 = datetime.date(2026, 1, 1)
POOLS = ("GP", "IP")
COMMUNITIES = ("ST01C01", "ST01C02", "ST02C01")
DEPARTMENTS = tuple(f"D{n:02d}" for n in range(1, 23))


def _ok(result: TracingState | Traced | Refusal) -> TracingState | Traced:
    assert not isinstance(result, Refusal), result
    return result


def test_fifo_by_receipt_date_splits_a_lot_exactly() -> None:
    state = TracingState()
    state = _ok(
        receive(
            state,
            fund="GP",
            source="D03",
            amount=D("700.00"),
            received_on=datetime.date(2026, 2, 1),
        )
    )
    state = _ok(
        receive(
            state,
            fund="GP",
            source="D07",
            amount=D("500.00"),
            received_on=datetime.date(2026, 1, 15),
        )
    )
    assert isinstance(state, TracingState)
    traced = _ok(allocate(state, pool="GP", target="AL-ST01C01-GP", amount=D("800.01")))
    assert isinstance(traced, Traced)
    # D07 was received first (by date), so it is consumed first.
    assert traced.attribution.parts == (("D03", D("300.01")), ("D07", D("500.00")))
    assert traced.state.remaining("GP").parts == (("D03", D("399.99")),)
    assert traced.attribution.to_meta() == {"src_D03": "300.01", "src_D07": "500.00"}
    paid = _ok(spend(traced.state, fund="AL-ST01C01-GP", amount=D("500.00")))
    assert isinstance(paid, Traced)
    assert paid.attribution.parts == (("D07", D("500.00")),)


def test_allocation_beyond_what_was_received_is_refused() -> None:
    state = _ok(
        receive(TracingState(), fund="GP", source="D01", amount=D("10.00"), received_on=DAY0)
    )
    assert isinstance(state, TracingState)
    refused = allocate(state, pool="GP", target="AL-ST01C01-GP", amount=D("10.01"))
    assert isinstance(refused, Refusal)
    assert refused.code == "exceeds_received"
    assert isinstance(allocate(state, pool="IP", target="AL-X-IP", amount=D("0.01")), Refusal)
    assert allocate(state, pool="GP", target="GP", amount=D("1.00")).code == "same_fund"  # type: ignore[union-attr]
    assert isinstance(allocate(state, pool="GP", target="A", amount=D("0.00")), Refusal)
    assert isinstance(allocate(state, pool="GP", target="A", amount=D("0.001")), Refusal)


def test_replay_checks_a_recorded_attribution() -> None:
    state = _ok(
        receive(TracingState(), fund="GP", source="D01", amount=D("10.00"), received_on=DAY0)
    )
    state = _ok(receive(state, fund="GP", source="D02", amount=D("5.00"), received_on=DAY0))  # type: ignore[arg-type]
    assert isinstance(state, TracingState)
    good = Attribution.of({"D02": D("5.00"), "D01": D("1.00")})
    traced = _ok(replay(state, fund="GP", amount=D("6.00"), attribution=good, target="AL"))
    assert isinstance(traced, Traced)
    assert traced.state.remaining("GP").parts == (("D01", D("9.00")),)
    assert traced.state.remaining("AL") == good
    too_much = Attribution.of({"D02": D("6.00")})
    assert replay(state, fund="GP", amount=D("6.00"), attribution=too_much).code == "exceeds_source"  # type: ignore[union-attr]
    assert replay(state, fund="GP", amount=D("7.00"), attribution=good).code == "sources_do_not_sum"  # type: ignore[union-attr]


def test_attribution_reads_back_from_metadata() -> None:
    meta = {"fb_id": "x", "src_D03": "300.01", "src_D07": "500.00", "fund": "GP"}
    assert attribution_from_meta(meta) == Attribution.of({"D03": D("300.01"), "D07": D("500")})
    assert attribution_from_meta({"fb_id": "x"}) is None
    assert isinstance(attribution_from_meta({"src_D03": "1.001"}), Refusal)
    assert isinstance(attribution_from_meta({"src_d3": "1.00"}), Refusal)
    assert isinstance(attribution_from_meta({"src_D03": "-1.00"}), Refusal)


amounts = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)
receipts = st.tuples(
    st.just("receive"),
    st.sampled_from(POOLS),
    st.sampled_from(DEPARTMENTS),
    amounts,
    st.integers(min_value=0, max_value=365),
)
allocations = st.tuples(
    st.just("allocate"), st.sampled_from(POOLS), st.sampled_from(COMMUNITIES), amounts, st.just(0)
)
payments = st.tuples(
    st.just("spend"), st.sampled_from(POOLS), st.sampled_from(COMMUNITIES), amounts, st.just(0)
)
operations = st.lists(st.one_of(receipts, allocations, payments), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_traced_amounts_sum_to_each_movement_and_never_exceed_a_gift(ops: list[tuple]) -> None:
    state = TracingState()
    given_by: dict[tuple[str, str], Decimal] = {}  # (pool, dept) -> received
    allocated_from: dict[tuple[str, str], Decimal] = {}  # (pool, dept) -> traced out
    into_fund: dict[tuple[str, str], Decimal] = {}  # (alloc fund, dept) -> traced in
    paid_from: dict[tuple[str, str], Decimal] = {}  # (alloc fund, dept) -> traced out
    recorded: list[tuple[str, str, str | None, Decimal, Attribution]] = []
    receipts_log: list[tuple[str, str, Decimal, datetime.date]] = []

    for kind, pool, who, amount, day in ops:
        if kind == "receive":
            date = DAY0 + datetime.timedelta(days=day)
            result = receive(state, fund=pool, source=who, amount=amount, received_on=date)
            assert isinstance(result, TracingState)
            state = result
            given_by[(pool, who)] = given_by.get((pool, who), D(0)) + amount
            recorded.append(("receive", pool, who, amount, Attribution()))
            receipts_log.append((pool, who, amount, date))
            continue
        fund = f"AL-{who}-{pool}"
        source_fund = pool if kind == "allocate" else fund
        before = state.traced(source_fund)
        if kind == "allocate":
            result2 = allocate(state, pool=pool, target=fund, amount=amount)
        else:
            result2 = spend(state, fund=fund, amount=amount)
        if amount > before:
            # Allocations and payments beyond what was received are refused, state unchanged.
            assert isinstance(result2, Refusal)
            assert result2.code == "exceeds_received"
            continue
        assert isinstance(result2, Traced), result2
        old_lots = state.lots_of(source_fund)
        state, attribution = result2
        # The parts sum exactly to the movement, each positive, to the cent.
        assert attribution.total == amount
        assert all(part > 0 and part == part.quantize(D("0.01")) for _, part in attribution.parts)
        # FIFO: nothing left in the source fund is older than what was taken.
        left = state.lots_of(source_fund)
        kept = old_lots[len(old_lots) - len(left) :]
        assert [(lot.source, lot.order) for lot in left] == [(k.source, k.order) for k in kept]
        assert left[1:] == kept[1:]
        if left:
            assert left[0].amount <= kept[0].amount
        assert state.traced(source_fund) == before - amount
        for dept, part in attribution.parts:
            if kind == "allocate":
                allocated_from[(pool, dept)] = allocated_from.get((pool, dept), D(0)) + part
                into_fund[(fund, dept)] = into_fund.get((fund, dept), D(0)) + part
            else:
                paid_from[(fund, dept)] = paid_from.get((fund, dept), D(0)) + part
        recorded.append(
            (kind, source_fund, fund if kind == "allocate" else None, amount, attribution)
        )

        # No department is traced for more than it gave.
        for (p, dept), total in allocated_from.items():
            assert total <= given_by.get((p, dept), D(0))
        for (f, dept), total in paid_from.items():
            assert total <= into_fund.get((f, dept), D(0))

    # Conservation: each pool holds exactly what it received minus what it allocated.
    for pool in POOLS:
        received = sum((a for (p, _), a in given_by.items() if p == pool), D(0))
        out = sum((a for (p, _), a in allocated_from.items() if p == pool), D(0))
        assert state.traced(pool) == received - out
        for dept in DEPARTMENTS:
            assert state.remaining(pool).amount_of(dept) == (
                given_by.get((pool, dept), D(0)) - allocated_from.get((pool, dept), D(0))
            )

    # The recorded attributions alone (what the book keeps) rebuild the same state.
    rebuilt = TracingState()
    it = iter(receipts_log)
    for kind, fund, target, amount, attribution in recorded:
        if kind == "receive":
            pool, dept, amt, date = next(it)
            again = receive(rebuilt, fund=pool, source=dept, amount=amt, received_on=date)
            assert isinstance(again, TracingState)
            rebuilt = again
        else:
            traced = replay(
                rebuilt, fund=fund, amount=amount, attribution=attribution, target=target
            )
            assert isinstance(traced, Traced), traced
            rebuilt = traced.state
    for fund in {*state.lots, *rebuilt.lots}:
        assert rebuilt.remaining(fund) == state.remaining(fund)

"""Source tracing replayed from the book: allocations and payments carry their departments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount import loader
from hypothesis import given, settings
from hypothesis import strategies as st

from funds.tracing import Attribution, Traced, TracingState, allocate, receive, spend
from ledger import entries as build
from ledger.loading import load_book
from ledger.sources import ALLOCATION, PAYMENT, RECEIPT, trace_book
from tests.plugins.book import ICBC, PLUGINS, load, render, small_registry

D = Decimal
REG = small_registry()
GP, AL = REG.fund("GP"), REG.fund("AL-ST01C01-GP")

BOOK = """
2026-01-10 * "区民政局" "民政局专项资金"
  fb_id: "CT1"
  fund: "GP"
  department: "D02"
  Assets:Bank:ICBC:GP                 700.00 CNY
  Income:Subsidy:Restricted:GP       -700.00 CNY

2026-01-05 * "区残联" "认捐"  ^pledge-P1
  fb_id: "P1-pledge"
  fund: "GP"
  department: "D06"
  Assets:Receivable:GP                500.00 CNY
  Income:Service:Restricted:GP       -500.00 CNY

2026-01-20 * "区残联" "到账"  ^pledge-P1
  fb_id: "P1-receipt"
  fund: "GP"
  department: "D06"
  Assets:Bank:ICBC:GP                 500.00 CNY
  Assets:Receivable:GP               -500.00 CNY

2026-02-01 * "下达: 玉林社区" #interfund ^alloc-A1
  fb_id: "A1-transfer"
  fund: "GP"
  target_fund: "AL-ST01C01-GP"
  src_D02: "700.00"
  src_D06: "100.01"
  Assets:Bank:ICBC:GP                -800.01 CNY
  Equity:Interfund:GP                 800.01 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP      800.01 CNY
  Equity:Interfund:AL-ST01C01-GP     -800.01 CNY

2026-02-10 * "玉林社区老年协会" "审批通过" ^req-R1
  fb_id: "R1-commitment"
  fund: "AL-ST01C01-GP"
  Expenses:Program:AL-ST01C01-GP      750.00 CNY
  Liabilities:Payable:AL-ST01C01-GP  -750.00 CNY

2026-02-12 * "玉林社区老年协会" "支付" ^req-R1
  fb_id: "R1-payment"
  fund: "AL-ST01C01-GP"
  src_D02: "700.00"
  src_D06: "50.00"
  Liabilities:Payable:AL-ST01C01-GP   750.00 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP     -750.00 CNY
"""


def _load(body: str) -> list:
    entries, errors = load(body, PLUGINS)
    assert not errors, [e.message for e in errors]
    return entries


def test_the_book_proves_each_allocation_and_payment() -> None:
    traced = trace_book(_load(BOOK), REG)
    assert traced.errors == ()
    kinds = [(m.kind, m.fund, m.amount) for m in traced.movements]
    assert kinds == [
        (RECEIPT, "GP", D("700.00")),
        (RECEIPT, "GP", D("500.00")),  # the pledge is no lot; its receipt is
        (ALLOCATION, "GP", D("800.01")),
        (PAYMENT, "AL-ST01C01-GP", D("750.00")),
    ]
    allocation = traced.movements[2]
    assert allocation.target == "AL-ST01C01-GP"
    assert "alloc-A1" in allocation.links
    assert allocation.attribution == Attribution.of({"D02": D("700.00"), "D06": D("100.01")})
    assert traced.state.remaining("GP") == Attribution.of({"D06": D("399.99")})
    assert traced.state.remaining("AL-ST01C01-GP") == Attribution.of({"D06": D("50.01")})


def test_missing_or_impossible_sources_are_reported() -> None:
    no_sources = BOOK.replace('  src_D02: "700.00"\n  src_D06: "50.00"\n', "")
    traced = trace_book(_load(no_sources), REG)
    assert [e.message for e in traced.errors] == [
        "payment of 750.00 out of AL-ST01C01-GP has no src_<CODE> sources"
    ]
    # The replay goes on first in first out: D02 came first.
    assert traced.movements[-1].attribution == Attribution.of(
        {"D02": D("700.00"), "D06": D("50.00")}
    )

    too_much = BOOK.replace('src_D06: "100.01"', 'src_D06: "0.01"').replace(
        'src_D02: "700.00"\n  src_D06: "0.01"', 'src_D02: "800.00"\n  src_D06: "0.01"'
    )
    messages = [e.message for e in trace_book(_load(too_much), REG).errors]
    assert any("D02 is traced for 800.00 but has only 700.00 left in GP" in m for m in messages)

    wrong_sum = BOOK.replace('src_D06: "100.01"', 'src_D06: "100.00"')
    messages = [e.message for e in trace_book(_load(wrong_sum), REG).errors]
    assert any("sources sum to 800.00, not to the amount 800.01" in m for m in messages)


def test_entries_built_from_the_tracing_rule_replay_cleanly() -> None:
    """What the service books (FIFO attribution in src_ meta) replays without a problem."""
    state = TracingState()
    entries = []
    day = datetime.date(2026, 3, 1)
    for n, (dept, amount) in enumerate([("D01", "123.45"), ("D09", "0.55"), ("D01", "876.00")]):
        received = receive(state, fund="GP", source=dept, amount=D(amount), received_on=day)
        assert isinstance(received, TracingState)
        state = received
        entries.append(
            build.contribution(
                fb_id=f"CT{n}",
                date=day,
                fund=GP,
                amount=D(amount),
                bank=ICBC,
                income=build.IncomeKind.SUBSIDY,
                source=dept,
                narration="x",
                meta={"department": dept},
            )
        )
    moved = allocate(state, pool="GP", target=AL.code, amount=D("500.00"))
    assert isinstance(moved, Traced)
    state, attribution = moved
    entries.append(
        build.transfer(
            fb_id="A9-transfer",
            date=day,
            source=GP,
            target=AL,
            amount=D("500.00"),
            bank=ICBC,
            narration="alloc",
            link="alloc-A9",
            meta=attribution.to_meta(),
        )
    )
    paid = spend(state, fund=AL.code, amount=D("124.00"))
    assert isinstance(paid, Traced)
    state, paid_attribution = paid
    entries.append(
        build.commitment(
            fb_id="R9-commitment",
            date=day,
            fund=AL,
            amount=D("124.00"),
            payee="p",
            narration="n",
            link="req-R9",
        )
    )
    entries.append(
        build.payment(
            fb_id="R9-payment",
            date=day,
            fund=AL,
            amount=D("124.00"),
            payee="p",
            bank=ICBC,
            narration="n",
            link="req-R9",
            meta=paid_attribution.to_meta(),
        )
    )
    assert paid_attribution == Attribution.of({"D01": D("123.45"), "D09": D("0.55")})
    loaded, errors, _ = loader.load_string(render(entries) + "\n" + _header_and_registry())
    assert not errors, [e.message for e in errors]
    traced = trace_book(loaded, REG)
    assert traced.errors == ()
    assert traced.state.remaining("GP") == state.remaining("GP")
    assert traced.state.remaining(AL.code) == state.remaining(AL.code)


def _header_and_registry() -> str:
    from tests.plugins.book import chart_text, header, registry_text

    return "\n".join([header(PLUGINS), registry_text(), chart_text()])


def test_cash_without_sources_in_a_traced_fund_is_reported() -> None:
    manual = """
2026-03-01 * "手工" "从保障资金直接支付"
  fund: "GP"
  Expenses:Program:GP        10.00 CNY
  Assets:Bank:ICBC:GP       -10.00 CNY
"""
    traced = trace_book(_load(BOOK + manual), REG)
    assert [e.message for e in traced.errors] == [
        "payment of 10.00 out of GP has no src_<CODE> sources"
    ]


def test_the_demo_district_book_traces_every_cent(demo_home) -> None:  # type: ignore[no-untyped-def]
    from ledger.registry_io import read_registry

    entries, errors, _ = load_book(demo_home / "book" / "main.beancount")
    assert not errors
    book, problems = read_registry(entries)
    assert not problems
    traced = trace_book(entries, book.registry)
    assert traced.errors == ()
    allocations = [m for m in traced.movements if m.kind == ALLOCATION]
    payments = [m for m in traced.movements if m.kind == PAYMENT]
    assert allocations and payments
    for movement in allocations + payments:
        assert movement.attribution.total == movement.amount


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["receive", "allocate", "pay"]),
            st.sampled_from(["D01", "D02", "D03", "D04"]),
            st.integers(min_value=1, max_value=50_000),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_random_books_written_by_the_rule_prove_themselves(ops: list[tuple[str, str, int]]) -> None:
    """Any sequence booked with FIFO attributions in src_ metadata loads cleanly (plugins
    included) and replays from the book alone to the same lots, to the cent."""
    state = TracingState()
    entries = []
    day = datetime.date(2026, 3, 1)
    for n, (kind, dept, cents_) in enumerate(ops):
        amount = D(cents_) / 100
        if kind == "receive":
            received = receive(state, fund="GP", source=dept, amount=amount, received_on=day)
            assert isinstance(received, TracingState)
            state = received
            entries.append(
                build.contribution(
                    fb_id=f"CT{n}",
                    date=day,
                    fund=GP,
                    amount=amount,
                    bank=ICBC,
                    income=build.IncomeKind.SUBSIDY,
                    source=dept,
                    narration="x",
                    meta={"department": dept},
                )
            )
        elif kind == "allocate":
            moved = allocate(state, pool="GP", target=AL.code, amount=amount)
            if not isinstance(moved, Traced):
                continue
            state = moved.state
            entries.append(
                build.transfer(
                    fb_id=f"A{n}",
                    date=day,
                    source=GP,
                    target=AL,
                    amount=amount,
                    bank=ICBC,
                    narration="alloc",
                    link=f"alloc-A{n}",
                    meta=moved.attribution.to_meta(),
                )
            )
        else:
            paid = spend(state, fund=AL.code, amount=amount)
            if not isinstance(paid, Traced):
                continue
            state = paid.state
            entries.append(
                build.commitment(
                    fb_id=f"R{n}-c",
                    date=day,
                    fund=AL,
                    amount=amount,
                    payee="p",
                    narration="n",
                    link=f"req-R{n}",
                )
            )
            entries.append(
                build.payment(
                    fb_id=f"R{n}-p",
                    date=day,
                    fund=AL,
                    amount=amount,
                    payee="p",
                    bank=ICBC,
                    narration="n",
                    link=f"req-R{n}",
                    meta=paid.attribution.to_meta(),
                )
            )
    loaded, errors, _ = loader.load_string(_header_and_registry() + "\n" + render(entries))
    assert not errors, [e.message for e in errors]
    traced = trace_book(loaded, REG)
    assert traced.errors == ()
    for fund in ("GP", AL.code):
        assert traced.state.remaining(fund) == state.remaining(fund)
    for movement in traced.movements:
        assert movement.attribution.total == movement.amount


def test_fundbook_check_reports_untraced_cash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger.check import check_book
    from ledger.layout import Layout
    from tests.plugins.book import write_home

    clean = check_book(Layout(write_home(tmp_path / "clean", manual=BOOK)))
    assert clean.problems == []
    untraced = BOOK.replace('  src_D02: "700.00"\n  src_D06: "50.00"\n', "")
    report = check_book(Layout(write_home(tmp_path / "untraced", manual=untraced)))
    assert [(p.filename, p.message.split(" [")[0]) for p in report.problems] == [
        ("manual.beancount", "payment of 750.00 out of AL-ST01C01-GP has no src_<CODE> sources")
    ]

"""Property: after any sequence of appends, edits and include changes, the tracker's
balances equal a full load of the book."""

from __future__ import annotations

import datetime
import shutil
import tempfile
from pathlib import Path

from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.balances import FundBalances, full_balances
from ledger.layout import Layout
from ledger.writer import Writer
from tests.ledger.balances_book import donation, make_home, spending

FUNDS = ("MF-ST01C01", "MF-ST01C02", "FDN")
amounts = st.integers(min_value=100, max_value=999).map(
    lambda cents: f"{cents // 100}.{cents % 100:02d}"
)


def _manual_text(items: list[tuple[str, str]]) -> str:
    return "".join(
        f'\n2025-09-{day + 1:02d} * "会计" "手工录入"\n'
        f"  Assets:Bank:ICBC:{fund}    {amount} CNY\n"
        f"  Income:Other:Unrestricted:{fund}\n"
        for day, (fund, amount) in enumerate(items)
    )


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("write"),
            st.sampled_from(FUNDS),
            amounts,
            st.sampled_from([2026, 2027]),
            st.booleans(),
        ),
        st.tuples(
            st.just("edit_manual"), st.lists(st.tuples(st.sampled_from(FUNDS), amounts), max_size=3)
        ),
        st.tuples(st.just("append_manual"), st.sampled_from(FUNDS), amounts),
        st.tuples(
            st.just("history"), st.sampled_from([2022, 2023, 2024]), st.sampled_from(FUNDS), amounts
        ),
        st.tuples(st.just("drop_history"), st.sampled_from([2022, 2023, 2024, 2025])),
        st.tuples(st.just("refresh")),
        st.tuples(st.just("apply_all_again")),
    ),
    max_size=8,
)


def _apply(
    layout: Layout,
    writer: Writer,
    tracker: FundBalances,
    op: tuple,
    n: int,
    written: list[data.Transaction],
) -> None:
    kind = op[0]
    if kind == "write":
        _, fund, amount, year, own = op
        build = donation if n % 2 == 0 else spending
        entry = build(f"X{n}", fund, amount, datetime.date(year, 1, 1 + n % 28))
        writer.append([entry])
        written.append(entry)
        if own:
            tracker.apply([entry])
    elif kind == "edit_manual":
        layout.manual.write_text(_manual_text(op[1]), encoding="utf-8")
    elif kind == "append_manual":
        with layout.manual.open("a", encoding="utf-8") as stream:
            stream.write(_manual_text([(op[1], op[2])]))
    elif kind == "history":
        _, year, fund, amount = op
        path = layout.history_dir / f"{year}.beancount"
        path.write_text(
            f'{year}-05-01 * "捐赠"\n  Assets:Bank:ICBC:{fund}  {amount} CNY\n'
            f"  Income:Donation:Unrestricted:{fund}  -{amount} CNY\n",
            encoding="utf-8",
        )
        main = layout.main.read_text(encoding="utf-8")
        line = f'include "history/{year}.beancount"\n'
        if line not in main:
            layout.main.write_text(main + line, encoding="utf-8")
    elif kind == "drop_history":
        main = layout.main.read_text(encoding="utf-8")
        layout.main.write_text(
            main.replace(f'include "history/{op[1]}.beancount"\n', ""), encoding="utf-8"
        )
    elif kind == "apply_all_again":
        tracker.apply(written)  # each already counted: no change
    else:
        tracker.refresh()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_incremental_balances_equal_a_full_load(ops: list[tuple]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="fb-balances-"))
    try:
        layout = make_home(folder / "home")
        writer = Writer(layout)
        tracker = FundBalances.load(layout)
        written: list[data.Transaction] = []
        for n, op in enumerate(ops):
            _apply(layout, writer, tracker, op, n, written)
        tracker.refresh()
        assert tracker.balances() == full_balances(layout)
    finally:
        shutil.rmtree(folder)

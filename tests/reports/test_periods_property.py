"""Property: however releases are booked, the statements count restricted spending released once,
and the close `fundbook close` books (`ledger.closing.closing_entries`) changes no figure.

A year of random donations and spending of FDN (unrestricted) and MF-ST01C01
(restricted), some of MF's spending released at the time it is spent (in
whole or in part). By hand: the release of the year is MF's spending; 3102 is
what MF holds (donations − spending) and 3101 what FDN holds; after the close
every income and expense balance is zero, `check_periods` finds nothing, and
every figure is the same.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount import loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import text
from ledger.closing import closing_entries
from ledger.periods import check_periods
from ledger.registry_io import read_registry
from reports.book import Period, view_of
from reports.context import ReportContext
from reports.statements import activities, balance_sheet
from tests.reports.smallbook import book_text

Y2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
cents = st.integers(min_value=1, max_value=500_000).map(lambda n: Decimal(n) / 100)
event = st.tuples(
    st.sampled_from(["FDN", "MF-ST01C01"]),
    st.sampled_from(["donation", "spend"]),
    cents,
    st.sampled_from([None, "whole", "part"]),  # a release booked at the time of spending
)


def _txn(day: datetime.date, narration: str, postings: list[tuple[str, Decimal]]) -> str:
    lines = [f'{day} * "{narration}"']
    lines += [f"  {account}  {number:.2f} CNY" for account, number in postings]
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, min_size=1, max_size=12))
def test_release_counted_once_and_the_close_changes_nothing(events: list) -> None:  # type: ignore[type-arg]
    held = {"FDN": Decimal("0.00"), "MF-ST01C01": Decimal("0.00")}
    spent = {"FDN": Decimal("0.00"), "MF-ST01C01": Decimal("0.00")}
    body = []
    for index, (fund, kind, amount, release) in enumerate(events):
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=index * 25)
        column = "Restricted" if fund == "MF-ST01C01" else "Unrestricted"
        if kind == "donation":
            held[fund] += amount
            body.append(
                _txn(
                    day,
                    "捐赠",
                    [
                        (f"Assets:Bank:ICBC:{fund}", amount),
                        (f"Income:Donation:{column}:{fund}", -amount),
                    ],
                )
            )
            continue
        amount = min(amount, held[fund])
        if amount <= 0:
            continue
        held[fund] -= amount
        spent[fund] += amount
        body.append(
            _txn(
                day,
                "支出",
                [(f"Expenses:Program:{fund}", amount), (f"Assets:Bank:ICBC:{fund}", -amount)],
            )
        )
        if fund == "MF-ST01C01" and release is not None:
            part = amount if release == "whole" else (amount / 2).quantize(Decimal("0.01"))
            body.append(
                _txn(
                    day,
                    "解除限定",
                    [
                        ("Equity:NetAssets:Restricted:MF-ST01C01", part),
                        ("Equity:NetAssets:Unrestricted:MF-ST01C01", -part),
                    ],
                )
            )
    entries, errors, options = loader.load_string(book_text("\n".join(body)))
    assert errors == []
    registry = read_registry(entries)[0].registry
    closes = closing_entries(entries, registry, 2025)
    closed, errors, _ = loader.load_string(
        book_text("\n".join(body) + "\n" + text.render_all(closes))
    )
    assert errors == []
    assert check_periods(closed, registry) == []
    for book in (entries, closed):
        ctx = ReportContext(view_of(book, options, []), Y2025)
        act, bs = activities(ctx), balance_sheet(ctx)
        assert act.release.restricted == -spent["MF-ST01C01"]
        assert act.release.unrestricted == spent["MF-ST01C01"]
        assert bs.net_restricted.closing == held["MF-ST01C01"]
        assert bs.net_unrestricted.closing == held["FDN"]
        assert act.change.total == held["FDN"] + held["MF-ST01C01"]
    leftover = ReportContext(view_of(closed, options, []), Y2025).view.balances(
        end=Y2025.end, fund=None
    )
    assert all(n == 0 for a, n in leftover.items() if a.startswith(("Income:", "Expenses:")))
